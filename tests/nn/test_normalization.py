"""LayerNorm, GroupNorm, RMSNorm, the legacy CrossMapLRN2d; F.layer_norm, F.group_norm,
F.normalize, F.cosine_similarity."""

import numpy as np
import pytest
from oracle import check_grad, compare_layer, t64

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn


def _perturb_affine(m):
    gen = np.random.default_rng(11)
    with gk.no_grad():
        for p in m.parameters():
            p.add_(gk.tensor(gen.standard_normal(tuple(p.shape)).astype(np.float32)))


@pytest.mark.parametrize("shape,ns", [((4, 6), 6), ((2, 3, 4, 5), (4, 5)), ((3, 8), [8])])
@pytest.mark.parametrize("affine,bias", [(True, True), (True, False), (False, True)])
def test_layer_norm_matches_torch(torch, shape, ns, affine, bias):
    g = nn.LayerNorm(ns, elementwise_affine=affine, bias=bias)
    t = torch.nn.LayerNorm(ns, elementwise_affine=affine, bias=bias)
    _perturb_affine(g)
    x = (np.random.default_rng(0).standard_normal(shape) * 3 + 1).astype(np.float32)
    compare_layer(torch, g, t, [x], atol=1e-4)
    assert repr(g) == repr(t)


def test_layer_norm_float64_grads_and_second_order():
    rng = np.random.default_rng(1)
    x, w, b = t64(rng, 3, 5), t64(rng, 5), t64(rng, 5)
    check_grad(lambda x, w, b: F.layer_norm(x, (5,), w, b), [x, w, b])
    check_grad(lambda x: F.layer_norm(x, (5,), eps=1e-3), [x])

    def grad_of(x, w):
        with gk.enable_grad():
            (g,) = gk.autograd.grad((F.layer_norm(x, (5,), w) ** 3).sum(), [x],
                                    create_graph=True)
        return g * 1.0

    check_grad(grad_of, [x, w])


@pytest.mark.parametrize("groups,affine", [(1, True), (2, True), (4, False), (4, True)])
@pytest.mark.parametrize("shape", [(2, 4, 3, 3), (3, 4, 5), (2, 4)])
def test_group_norm_matches_torch(torch, groups, affine, shape):
    g = nn.GroupNorm(groups, 4, affine=affine)
    t = torch.nn.GroupNorm(groups, 4, affine=affine)
    _perturb_affine(g)
    x = (np.random.default_rng(2).standard_normal(shape) * 2).astype(np.float32)
    if shape == (2, 4) and groups == 4:
        return  # one element per group: variance 0, not a meaningful comparison
    compare_layer(torch, g, t, [x], atol=1e-4)
    assert repr(g) == repr(t)


def test_group_norm_float64_grad():
    rng = np.random.default_rng(3)
    x, w, b = t64(rng, 2, 6, 3), t64(rng, 6), t64(rng, 6)
    check_grad(lambda x, w, b: F.group_norm(x, 3, w, b), [x, w, b])


@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm_matches_torch(torch, eps):
    g = nn.RMSNorm(6, eps=eps)
    t = torch.nn.RMSNorm(6, eps=eps)
    _perturb_affine(g)
    x = np.random.default_rng(4).standard_normal((3, 6)).astype(np.float32)
    compare_layer(torch, g, t, [x])


def test_normalize_and_cosine_similarity(torch):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((4, 3))
    b = rng.standard_normal((4, 3))
    for p, dim in [(2.0, 1), (1.0, 0)]:
        np.testing.assert_allclose(
            F.normalize(gk.tensor(a), p=p, dim=dim).numpy(),
            torch.nn.functional.normalize(torch.tensor(a), p=p, dim=dim).numpy(), rtol=1e-10)
    np.testing.assert_allclose(
        F.cosine_similarity(gk.tensor(a), gk.tensor(b)).numpy(),
        torch.nn.functional.cosine_similarity(torch.tensor(a), torch.tensor(b)).numpy(),
        rtol=1e-10)
    x, y = t64(rng, 3, 4), t64(rng, 3, 4)
    check_grad(lambda x, y: F.cosine_similarity(x, y, dim=1), [x, y])
    check_grad(lambda x: F.normalize(x, dim=0), [x])


def test_norm_errors_name_layer():
    with pytest.raises(RuntimeError, match=r"LayerNorm\(normalized_shape=\(8,\)\).*\(2, 7\)"):
        nn.LayerNorm(8)(gk.randn(2, 7))
    with pytest.raises(RuntimeError, match=r"GroupNorm\(num_groups=2, num_channels=4\)"):
        nn.GroupNorm(2, 4)(gk.randn(2, 3, 5))
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)
    assert tuple(nn.LayerNorm(0).weight.shape) == (0,)  # built, as PyTorch
    with pytest.raises(RuntimeError, match="layer_norm"):
        F.layer_norm(gk.randn(2, 3), (4,))


def test_distance_modules(torch):
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    np.testing.assert_allclose(
        nn.PairwiseDistance(p=1.0)(gk.tensor(a), gk.tensor(b)).numpy(),
        torch.nn.PairwiseDistance(p=1.0)(torch.tensor(a), torch.tensor(b)).numpy(), rtol=1e-10)
    np.testing.assert_allclose(
        nn.CosineSimilarity(dim=0)(gk.tensor(a), gk.tensor(b)).numpy(),
        torch.nn.CosineSimilarity(dim=0)(torch.tensor(a), torch.tensor(b)).numpy(), rtol=1e-10)


@pytest.mark.parametrize("shape", [(1, 6), (1, 6, 1), (1, 6, 1, 1)])
def test_group_norm_one_value_per_group_raises_like_torch(torch, shape):
    # torch: GroupNorm(6, 6) on a single sample with one value per group has nothing to
    # normalise over and raises "Expected more than 1 value per channel when training".
    x = np.ones(shape, dtype=np.float32)
    with pytest.raises(ValueError):
        torch.nn.GroupNorm(6, 6)(torch.tensor(x))
    with pytest.raises(ValueError, match="more than 1 value"):
        nn.GroupNorm(6, 6)(gk.tensor(x))
    with pytest.raises(ValueError, match="more than 1 value"):
        F.group_norm(gk.tensor(x), 6)


def test_group_norm_two_samples_one_value_per_group_matches_torch(torch):
    # torch's check multiplies the batch in: two samples of one value per group do not raise.
    x = np.random.default_rng(0).standard_normal((2, 6, 1)).astype(np.float32)
    t = torch.nn.GroupNorm(6, 6)(torch.tensor(x)).detach().numpy()
    g = nn.GroupNorm(6, 6)(gk.tensor(x)).detach().numpy()
    np.testing.assert_allclose(g, t, atol=1e-5)  # both 0 up to torch float32 rounding


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float16"])
@pytest.mark.parametrize("shape,groups", [((2, 2, 1), 2), ((2, 6, 1), 6), ((3, 4, 1, 1), 4)])
def test_group_norm_affine_groups_of_one_value_as_torch(torch, dtype, shape, groups):
    # PyTorch's affine kernel: shift = fma(-scale, mean, bias), y = fma(x, scale, shift) with
    # rstd = 1 / sqrt(var + eps) in double: a group of one value gives x * scale rounded away
    # from mean * scale (-1.9e-06, 8.8e-06, ...), where gradkit's (x - mean) * rstd * w gave 0
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal(shape[1]).astype(np.float32)
    b = np.zeros(shape[1], np.float32)
    t, g = (F_.group_norm(L.tensor(x).to(getattr(L, dtype)), groups,
                          L.tensor(w).to(getattr(L, dtype)), L.tensor(b).to(getattr(L, dtype)))
            for L, F_ in ((torch, torch.nn.functional), (gk, F)))
    t = t.float().numpy()
    if dtype == "float32":  # (PyTorch's reduced-precision kernel rounds otherwise)
        assert (t != 0).any()
        np.testing.assert_array_equal(g.float().numpy(), t)
    np.testing.assert_allclose(g.float().numpy(), t, rtol=0, atol=1e-5)


def _raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type is compared with PyTorch's
        return type(e)
    return None


@pytest.mark.parametrize("x,ns,w", [((3,), [2, 3], None), ((3,), [2, 3], (2, 3)),
                                    ((), [], None), ((), [3], (4,)), ((4, 3), [2, 3], None)])
def test_rms_norm_check_order_as_torch(torch, x, ns, w):
    """An input of fewer dims than normalized_shape is PyTorch's ValueError (it was a
    RuntimeError): checked after normalized_shape itself and the weight's shape."""
    def call(lib):
        return lambda: lib.nn.functional.rms_norm(
            lib.ones(x), ns, None if w is None else lib.ones(w))
    assert _raised(call(gk)) is _raised(call(torch)) is not None


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_rms_norm_half_default_eps_is_float32s(torch, dtype):
    """A float16/bfloat16 input is normalised in float32 with float32's eps (gradkit took the
    half type's: a row of ones gave 0.9995 in float16)."""
    x = np.array([[1.0, 1.0, 1.0], [1e-3, 2e-3, -1e-3]], dtype=np.float32)
    g = F.rms_norm(gk.tensor(x).to(getattr(gk, dtype)), [3]).float().numpy()
    t = torch.nn.functional.rms_norm(torch.tensor(x).to(getattr(torch, dtype)), [3])
    np.testing.assert_array_equal(g, t.float().numpy())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("affine", [False, True])
def test_layer_norm_half_is_torchs_fused_form(torch, dtype, affine):
    """A float16/bfloat16 layer norm is PyTorch's float32 fma(x, rstd, -mean * rstd): a
    one-element row of 65504 gives 0.711 in float16 (gradkit gave 0), 1000 gives 0.00195."""
    x = np.array([[65504.0], [1000.0], [0.3643], [-3.5]], dtype=np.float32)

    def run(lib):
        t = lib.tensor(x).to(getattr(lib, dtype))
        w, b = (lib.tensor([3.0]).to(t.dtype), lib.tensor([0.5]).to(t.dtype)) if affine \
            else (None, None)
        return lib.nn.functional.layer_norm(t, [1], w, b).float().numpy()
    np.testing.assert_array_equal(run(gk), run(torch))


def test_cosine_similarity_along_a_dim_of_one_as_torch(torch):
    """Along a dim of size 1 the norm is |x| (PyTorch's vector_norm squares nothing there):
    3e38 gives 1, not 0 (its square overflowed); values and float64 gradients as PyTorch's."""
    a = np.array([[[3e38, 1.565, 0.0, -2.0]]], dtype=np.float32)
    b = np.array([[[1.963, -1.0, 0.5, 0.0]]], dtype=np.float32)
    g = F.cosine_similarity(gk.tensor(a), gk.tensor(b)).numpy()
    t = torch.nn.functional.cosine_similarity(torch.tensor(a), torch.tensor(b)).numpy()
    np.testing.assert_array_equal(g, t)
    grads = []
    for lib in (gk, torch):
        x, y = (lib.tensor(v.astype(np.float64) / 1e30, requires_grad=True) for v in (a, b))
        grads.append([v.numpy() for v in lib.autograd.grad(
            lib.nn.functional.cosine_similarity(x, y).sum(), (x, y))])
    for u, v in zip(*grads):
        np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dim", [0, 1])
def test_cosine_similarity_gradient_below_eps_flows_to_the_norm_as_torch(torch, dim):
    """PyTorch clamps the norms to eps in place without recording it: below eps the value is
    eps but the gradient still goes through the norm (a clamp would stop it there). First
    and second order as PyTorch's, rows of one element and of three, some below eps."""
    gen = np.random.default_rng(4)
    a = gen.standard_normal((3, 3)) * np.array([[0.1], [1.0], [0.05]])
    b = gen.standard_normal((3, 3)) * np.array([[1.0], [0.1], [0.05]])
    a[0, :] = a[0, :] if dim else 0.0  # a zero vector along dim 0 (its norm's gradient is 0)
    out = []
    for lib in (gk, torch):
        F_ = lib.nn.functional
        res = []
        for x_, y_ in ((a, b), (a[:, :1], b[:, :1])):
            x, y = (lib.tensor(v, requires_grad=True) for v in (x_, y_))
            z = F_.cosine_similarity(x, y, dim=dim, eps=0.5)
            gx, gy = lib.autograd.grad((z * lib.arange(1.0, z.numel() + 1.0,
                                                       dtype=lib.float64)).sum(), (x, y),
                                       create_graph=True)
            gg = lib.autograd.grad((gx * gx).sum() + (gy * y).sum(), (x, y))
            res += [z.detach().numpy(), gx.detach().numpy(), gy.detach().numpy()]
            res += [v.numpy() for v in gg]
        out.append(res)
    for u, v in zip(*out):
        np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dim", [1, 2, -2])
def test_cosine_similarity_dim_out_of_range_is_torchs_index_error(torch, dim):
    """A dim past a 1-D input's: PyTorch's IndexError, never a raw tuple index error."""
    for lib in (gk, torch):
        with pytest.raises(IndexError, match="out of range"):
            lib.nn.functional.cosine_similarity(lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0]),
                                                dim=dim)


@pytest.mark.parametrize("size,channels", [(3, 5), (5, 9), (4, 6), (2, 3), (7, 3), (5, 1)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_map_lrn2d_forward_and_backward_as_torch(torch, size, channels, dtype):
    """PyTorch's legacy kernel: its running window (channel 0 kept in it) and its own backward
    formula, which is not the forward's derivative: gradkit gives PyTorch's numbers."""
    gen = np.random.default_rng(size * 10 + channels)
    x = (gen.standard_normal((2, channels, 3, 4)) * 2).astype(dtype)
    g = gen.standard_normal(x.shape).astype(dtype)
    args = (size, 0.3, 0.7, 1.5)
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.CrossMapLRN2d(*args)(tx)
    ty.backward(torch.tensor(g))
    gx = gk.tensor(x, requires_grad=True)
    gy = nn.CrossMapLRN2d(*args)(gx)
    gy.backward(gk.tensor(g))
    tol = 1e-6 if dtype == "float32" else 1e-13
    assert str(gy.dtype).split(".")[-1] == dtype
    np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=tol * 10, atol=tol * 10)
    assert type(gy.grad_fn).__name__ == type(ty.grad_fn).__name__ == "CrossMapLRN2dBackward"


def test_cross_map_lrn2d_defaults_repr_and_errors(torch):
    x = np.random.default_rng(1).standard_normal((1, 4, 2, 2)).astype(np.float32)
    np.testing.assert_allclose(nn.CrossMapLRN2d(3)(gk.tensor(x)).numpy(),
                               torch.nn.CrossMapLRN2d(3)(torch.tensor(x)).numpy(), rtol=1e-6)
    assert repr(nn.CrossMapLRN2d(3, k=2)) == repr(torch.nn.CrossMapLRN2d(3, k=2))
    with pytest.raises(ValueError, match="Expected input to be 4D, got 3D"):
        nn.CrossMapLRN2d(3)(gk.ones(2, 3, 4))
    y = nn.CrossMapLRN2d(1)(gk.ones(1, 3, 2, 2, requires_grad=True))  # PyTorch: its backward
    with pytest.raises(RuntimeError, match="exceeds dimension size"):  # narrows out of range
        y.sum().backward()


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_cross_map_lrn2d_of_size_zero_raises_zero_division_as_torch(torch, dtype):
    # PyTorch divides alpha by the size (ZeroDivisionError, before the integer input's cast
    # error); gradkit's own division failed from inside its kernel with no word of the module
    with pytest.raises(ZeroDivisionError):
        torch.nn.CrossMapLRN2d(0)(torch.ones(1, 3, 2, 2, dtype=getattr(torch, dtype)))
    with pytest.raises(ZeroDivisionError, match="CrossMapLRN2d: size 0"):
        nn.CrossMapLRN2d(0)(gk.ones(1, 3, 2, 2, dtype=getattr(gk, dtype)))
    with pytest.raises(IndexError):  # no channels: PyTorch's select comes first
        nn.CrossMapLRN2d(0)(gk.ones(1, 0, 2, 2))


@pytest.mark.parametrize("fn", ["batch_norm", "batch_norm_eval", "instance_norm"])
def test_norm_bias_of_one_channel_as_0d_gets_its_gradient_as_torch(torch, fn):
    # a 0-D bias of a one-channel input: its gradient was (1,) and backward raised NumPy's
    # "cannot broadcast a non-scalar to a scalar array"
    from oracle import same_as_torch

    def run(L):
        x = L.tensor([[[2.808, 1.398]], [[1.298, 0.157]]], dtype=L.float64, requires_grad=True)
        w = L.full((1,), 0.626, dtype=L.float64, requires_grad=True)
        b = L.full((), 1.043, dtype=L.float64, requires_grad=True)
        if fn == "instance_norm":
            y = L.nn.functional.instance_norm(x, weight=w, bias=b)
        else:
            y = L.nn.functional.batch_norm(
                x, L.tensor([0.336], dtype=L.float64), L.tensor([0.766], dtype=L.float64),
                training=fn == "batch_norm", weight=w, bias=b)
        y.backward(L.tensor([[[1.0, 2.0]], [[-0.5, 0.3]]], dtype=L.float64))
        return y, x.grad, w.grad, b.grad

    same_as_torch(torch, run)


@pytest.mark.parametrize("ws,bs", [((1, 4), (4,)), ((4,), (4, 1)), ((3,), (1, 4)),
                                   ((), (4,)), ((4,), ())])
def test_instance_norm_weight_or_bias_of_two_dims_refused_as_torch(torch, ws, bs):
    # PyTorch repeats the weight and bias once per sample: a 2-D one is its RuntimeError
    # (a (1, 4) weight of 4 channels was taken)
    from oracle import same_as_torch

    same_as_torch(torch, lambda L: L.nn.functional.instance_norm(
        L.ones(2, 4, 4, 4), weight=L.ones(ws), bias=L.zeros(bs)))


def test_group_norm_float32_in_row_blocks_as_torch(torch):
    # the affine float32 forward runs a few (sample, channel) rows at a time through a reused
    # buffer: rows past a block's edge, and a channels-last input (the unblocked path), give
    # the same values
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 8, 70, 70)).astype(np.float32) * 3 + 1
    w, b = rng.standard_normal(8).astype(np.float32), rng.standard_normal(8).astype(np.float32)
    got = F.group_norm(gk.tensor(x), 4, gk.tensor(w), gk.tensor(b)).numpy()
    want = torch.nn.functional.group_norm(torch.tensor(x), 4, torch.tensor(w),
                                          torch.tensor(b)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    xl = gk.tensor(x).contiguous(memory_format=gk.channels_last)
    np.testing.assert_array_equal(
        F.group_norm(xl, 4, gk.tensor(w), gk.tensor(b)).numpy(), got)


@pytest.mark.parametrize("dtype,shape", [("int64", (2, 4, 3, 2)), ("float32", (2, 0, 3, 3)),
                                         ("bfloat16", (2, 5, 2, 2)), ("float16", (2, 5, 2, 2))])
def test_cross_map_lrn2d_dtypes_and_no_channels_as_torch(torch, dtype, shape):
    # an integer input is PyTorch's RuntimeError (its in-place mul_ by a float) and no channels
    # its IndexError (select(1, 0)); gradkit computed the integers and failed inside NumPy,
    # and a bfloat16 input failed converting to NumPy
    x0 = np.random.default_rng(0).standard_normal(shape)
    out = {}
    for L in (torch, gk):
        x = L.tensor(x0).to(getattr(L, dtype)).requires_grad_(dtype != "int64")
        try:
            y = L.nn.CrossMapLRN2d(3, alpha=0.5, beta=0.5, k=2.0)(x)
            y.backward(L.ones_like(y))
            out[L] = (y.dtype, y.float().detach().numpy(), x.grad.float().numpy())
        except (RuntimeError, IndexError) as e:
            out[L] = type(e)
    if isinstance(out[torch], type):
        assert out[gk] is out[torch]
        return
    assert str(out[gk][0]).split(".")[-1] == str(out[torch][0]).split(".")[-1]
    # (bfloat16: PyTorch rounds each step, gradkit once: within one bfloat16 step)
    tol = 8e-3 if dtype == "bfloat16" else 1e-3
    for g, t in zip(out[gk][1:], out[torch][1:]):
        np.testing.assert_allclose(g, t, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("with_weight", [False, True])
def test_rms_norm_complex_input_as_torch(dtype, with_weight):
    # PyTorch normalizes a complex input by the mean of x * x (not |x|^2); it was refused
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    z = (rng.standard_normal((2, 3, 4)) + 1j * rng.standard_normal((2, 3, 4))).astype(dtype)
    w = (rng.standard_normal(4) + 1j * rng.standard_normal(4)).astype(dtype)
    outs = []
    for m in (gk, torch):
        x = m.tensor(z, requires_grad=True)
        wt = m.tensor(w, requires_grad=True) if with_weight else None
        y = m.nn.functional.rms_norm(x, (4,), wt)
        (y.abs() ** 2).sum().backward()
        outs.append((y.detach().numpy(), x.grad.numpy(), None if wt is None else wt.grad.numpy()))
    tol = 1e-5 if dtype == "complex64" else 1e-10
    for g, t in zip(*outs):
        if t is not None:
            np.testing.assert_allclose(g, t, rtol=tol, atol=tol)


@pytest.mark.parametrize("eps", [float("nan"), -1.0, 0.0, 1e-8])
@pytest.mark.parametrize("shape", [(2,), (2, 3)])
def test_cosine_similarity_eps_check(torch, eps, shape):
    """cosine_similarity refuses a NaN eps as a negative one (RuntimeError), before reading
    its dim (a NaN eps on a 1-D input was the dim's IndexError, on a 2-D one accepted)."""
    def run(lib):
        try:
            return lib.nn.functional.cosine_similarity(lib.ones(shape), lib.ones(shape),
                                                        eps=eps).tolist()
        except (RuntimeError, IndexError) as e:
            return type(e).__name__
    assert run(gk) == run(torch)


@pytest.mark.parametrize("eps", [-0.5, float("nan"), 1e-5])
def test_instance_norm_running_stats_takes_any_eps(torch, eps):
    """instance_norm with running statistics (use_input_stats=False, an InstanceNorm in eval
    with track_running_stats) is ATen's batch norm, which checks no eps: a negative one gives
    NaN where the variance is smaller, as PyTorch (it was batch_norm's ValueError)."""
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)

    def run(lib):
        m = lib.nn.InstanceNorm1d(3, eps=eps, track_running_stats=True).eval()
        with lib.no_grad():
            m.running_var.copy_(lib.tensor([0.25, 1.0, 4.0]))
        a = m(lib.tensor(x)).numpy()
        b = lib.nn.functional.instance_norm(lib.tensor(x), lib.zeros(3), lib.ones(3) * 0.25,
                                            use_input_stats=False, eps=eps).numpy()
        return a, b
    for g, w in zip(run(gk), run(torch)):
        np.testing.assert_allclose(g, w, rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("affine", [False, True])
def test_group_norm_negative_channels_refused_only_with_parameters(affine):
    """PyTorch's GroupNorm refuses a negative num_channels only when it makes the affine
    parameters of that shape; without them the forward normalises any input's channels."""
    torch = pytest.importorskip("torch")
    if affine:
        with pytest.raises(RuntimeError):
            torch.nn.GroupNorm(1, -1, affine=True)
        with pytest.raises(RuntimeError, match="negative dimension"):
            nn.GroupNorm(1, -1, affine=True)
        return
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    want = torch.nn.GroupNorm(1, -1, affine=False)(torch.tensor(x)).numpy()
    m = nn.GroupNorm(1, -1, affine=False)
    np.testing.assert_allclose(m(gk.tensor(x)).numpy(), want, rtol=1e-10, atol=1e-12)
    assert repr(m) == repr(torch.nn.GroupNorm(1, -1, affine=False))
