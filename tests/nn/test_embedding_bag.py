"""EmbeddingBag / F.embedding_bag against PyTorch: modes, offsets, padding, per-sample weights,
gradients of the weight (and the per-sample weights), errors."""

import numpy as np
import pytest
from oracle import check_grad, t64

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn

_FLAT = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 0])
_OFFSETS = np.array([0, 4, 4, 7])  # bag 1 is empty


def _compare(torch, g, t, args, psw=None):
    with gk.no_grad():
        g.weight.copy_(gk.tensor(t.weight.detach().numpy()))
    g_args = [gk.tensor(a) for a in args]
    t_args = [torch.tensor(a) for a in args]
    kw_g, kw_t = {}, {}
    if psw is not None:
        kw_g["per_sample_weights"] = gk.tensor(psw, requires_grad=True)
        kw_t["per_sample_weights"] = torch.tensor(psw, requires_grad=True)
    out_g, out_t = g(*g_args, **kw_g), t(*t_args, **kw_t)
    assert tuple(out_g.shape) == tuple(out_t.shape)
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), atol=1e-6)
    u = np.random.default_rng(1).standard_normal(tuple(out_t.shape)).astype(np.float32)
    (out_g * gk.tensor(u)).sum().backward()
    (out_t * torch.from_numpy(u)).sum().backward()
    np.testing.assert_allclose(g.weight.grad.numpy(), t.weight.grad.numpy(), atol=1e-5)
    if psw is not None:
        np.testing.assert_allclose(kw_g["per_sample_weights"].grad.numpy(),
                                   kw_t["per_sample_weights"].grad.numpy(), atol=1e-5)
    return out_g


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 4])
@pytest.mark.parametrize("layout", ["offsets", "last_offset", "2d"])
def test_embedding_bag_matches_torch(torch, mode, padding_idx, layout):
    torch.manual_seed(0)
    kw = dict(mode=mode, padding_idx=padding_idx, include_last_offset=layout == "last_offset")
    g, t = nn.EmbeddingBag(10, 3, **kw), torch.nn.EmbeddingBag(10, 3, **kw)
    assert repr(g) == repr(t)
    assert list(g.state_dict()) == list(t.state_dict())
    if padding_idx is not None:
        assert not g.weight.detach().numpy()[padding_idx].any()
    if layout == "2d":
        args = [_FLAT[:9].reshape(3, 3)]
    elif layout == "offsets":
        args = [_FLAT, _OFFSETS]
    else:
        args = [_FLAT, np.append(_OFFSETS, _FLAT.size)]
    out = _compare(torch, g, t, args)
    if layout == "offsets":
        assert not out.detach().numpy()[1].any()  # the empty bag


def test_embedding_bag_per_sample_weights_and_max_norm(torch):
    torch.manual_seed(1)
    psw = np.random.default_rng(2).uniform(0.5, 2, _FLAT.size).astype(np.float32)
    for pad in (None, 2):
        g = nn.EmbeddingBag(10, 4, mode="sum", padding_idx=pad)
        t = torch.nn.EmbeddingBag(10, 4, mode="sum", padding_idx=pad)
        _compare(torch, g, t, [_FLAT, _OFFSETS], psw=psw)
    g = nn.EmbeddingBag(10, 4, max_norm=1.0, mode="mean")
    t = torch.nn.EmbeddingBag(10, 4, max_norm=1.0, mode="mean")
    assert repr(g) == repr(t)
    _compare(torch, g, t, [_FLAT, _OFFSETS])
    np.testing.assert_allclose(g.weight.detach().numpy(), t.weight.detach().numpy(), atol=1e-6)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_float64_gradient(mode):
    w = t64(np.random.default_rng(3), 8, 3)
    idx = gk.tensor(np.array([1, 2, 1, 7, 0, 3]))
    off = gk.tensor(np.array([0, 3, 3]))
    check_grad(lambda w: F.embedding_bag(idx, w, off, mode=mode), [w])
    psw = t64(np.random.default_rng(4), 6)
    if mode == "sum":
        check_grad(lambda w, p: F.embedding_bag(idx, w, off, mode="sum",
                                                per_sample_weights=p), [w, psw])


def test_embedding_bag_from_pretrained_and_errors():
    w = gk.randn(5, 2)
    bag = nn.EmbeddingBag.from_pretrained(w, mode="max")
    assert not bag.weight.requires_grad
    np.testing.assert_array_equal(
        bag(gk.tensor(np.array([[0, 3]]))).numpy(),
        np.maximum(w.numpy()[0], w.numpy()[3])[None])
    with pytest.raises(ValueError, match=r"offsets has to be None if input is 2-D.*\(2, 2\)"):
        F.embedding_bag(gk.tensor(np.array([[0, 1], [2, 3]])), w, gk.tensor(np.array([0])))
    with pytest.raises(ValueError, match=r"offsets has to be a 1-D tensor.*\(3,\)"):
        F.embedding_bag(gk.tensor(np.array([0, 1, 2])), w)
    with pytest.raises(RuntimeError, match=r"offsets\[0\] has to be 0.*got 1"):
        F.embedding_bag(gk.tensor(np.array([0, 1, 2])), w, gk.tensor(np.array([1, 2])))
    with pytest.raises(RuntimeError, match="index 7 is out of range for a weight of 5 rows"):
        F.embedding_bag(gk.tensor(np.array([[0, 7]])), w)
    with pytest.raises(NotImplementedError, match="per_sample_weights are only supported for "
                                                  "mode='sum'"):
        F.embedding_bag(gk.tensor(np.array([[0, 1]])), w, per_sample_weights=gk.ones(1, 2))
    bad = nn.EmbeddingBag(5, 2, mode="min")  # built, as PyTorch's; its forward refuses it
    with pytest.raises(ValueError, match="mode has to be one of"):
        bad(gk.tensor(np.array([[0, 1]])))


def test_embedding_bag_module_mode_checked_at_forward_as_torch(torch):
    """PyTorch's EmbeddingBag takes any mode and F.embedding_bag refuses a bad one after the
    input's checks: a list input fails reading input.dim() (AttributeError) first; gradkit's
    constructor raised ValueError."""
    outcomes = []
    for lib in (gk, torch):
        m = lib.nn.EmbeddingBag(5, 3, mode="MEAN")
        got = []
        for inp in ([1, 3, 3, 3], lib.tensor([[1, 3], [3, 3]])):
            with pytest.raises(Exception) as info:  # noqa: PT011 - the type is the comparison
                m(inp, lib.tensor([0, 3])) if isinstance(inp, list) else m(inp)
            got.append(AttributeError if isinstance(info.value, AttributeError)
                       else type(info.value))
        outcomes.append(got)
    assert outcomes[0] == outcomes[1] == [AttributeError, ValueError]


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq_divides_by_each_index_count(mode):
    # the count of each row's own index, as F.embedding (torch 2.13's CPU embedding_bag divides
    # index 2 below by index 1's count: pytorch/pytorch#190063)
    idx = np.array([4, 1, 1, 2, 1, 4])
    off = np.array([0, 3])
    w = t64(np.random.default_rng(3), 6, 2)
    F.embedding_bag(gk.tensor(idx), w, gk.tensor(off), mode=mode,
                    scale_grad_by_freq=True).sum().backward()
    sizes = np.diff(np.append(off, idx.size))
    per_entry = np.repeat(1.0 / sizes, sizes) if mode == "mean" else np.ones(idx.size)
    counts = np.bincount(idx, minlength=6)
    expect = np.zeros(6)
    np.add.at(expect, idx, per_entry / counts[idx])
    np.testing.assert_allclose(w.grad.numpy(), np.repeat(expect[:, None], 2, axis=1))


# torch.embedding_bag (ATen's form): its four outputs, PyTorch's CPU kernel's auxiliaries
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("mode", [0, 1, 2])
@pytest.mark.parametrize("extra", [(None, False, None), (None, False, 2), (None, True, None),
                                   ("psw", False, None)])
def test_aten_embedding_bag_outputs_match_torch(torch, dtype, mode, extra):
    if extra[0] == "psw" and mode != 0:
        pytest.skip("per_sample_weights: sum mode only")
    rng = np.random.default_rng(0)
    w = rng.standard_normal((10, 3))
    idx, off = [1, 2, 4, 5, 4, 3, 2, 9], [0, 3, 3] + ([8] if extra[1] else [])
    psw = rng.random(8)
    outs = []
    for L in (gk, torch):
        dt = getattr(L, dtype)
        outs.append(L.embedding_bag(L.tensor(w, dtype=dt), L.tensor(idx), L.tensor(off), False,
                                    mode, False,
                                    None if extra[0] is None else L.tensor(psw, dtype=dt),
                                    extra[1], extra[2]))
    np.testing.assert_allclose(outs[0][0].detach().numpy(), outs[1][0].detach().numpy(),
                               rtol=1e-6)
    for a, b in zip(outs[0][1:], outs[1][1:]):
        assert a.dtype == gk.int64 and a.tolist() == b.tolist()


@pytest.mark.parametrize("fn", [
    lambda L: L.embedding_bag(L.ones(3, 2), L.tensor([0, 1]), L.tensor([0]), False, 3),
    lambda L: L.embedding_bag(L.ones(3, 2), L.tensor(1), L.tensor([0]), False, 0),
    lambda L: L.embedding_bag(L.ones(3, 2, dtype=L.int32), L.tensor([0, 1]), L.tensor([0]),
                              False, 0),
    lambda L: L.embedding_bag(L.ones(3, 2), L.tensor([0, 1]), L.tensor([0]), False, 0, False,
                              L.ones(2, dtype=L.int64)),
    lambda L: L.embedding_bag(L.ones(3, 2), L.tensor([0, 1]), L.tensor(0), True, 0),
    lambda L: L.embedding_bag(L.ones(3, 2), L.tensor([0, 1]), L.tensor([0, 15]), False, 0),
    lambda L: L.embedding_bag(L.ones(3, 2), L.tensor([0, 1]), L.tensor([], dtype=L.int64),
                              False, 2, False, None, True),
])
def test_aten_embedding_bag_errors_are_runtime_errors_as_torch(torch, fn):
    for L in (gk, torch):
        with pytest.raises(RuntimeError):
            fn(L)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_bag_grad_fn_name_is_torchs(torch, mode, weighted, padding_idx):
    # a printed result shows grad_fn=<EmbeddingBagBackward0> whatever the mode
    if weighted and mode != "sum":
        pytest.skip("per_sample_weights need mode='sum'")
    names = []
    for lib in (torch, gk):
        lib.manual_seed(0)
        bag = lib.nn.EmbeddingBag(10, 3, mode=mode, padding_idx=padding_idx)
        kw = {"per_sample_weights": lib.ones(8)} if weighted else {}
        out = bag(lib.tensor(_FLAT[:8]), lib.tensor([0, 4]), **kw)
        names.append(type(out.grad_fn).__name__)
        assert "EmbeddingBagBackward0" in repr(out)
    assert names[1] == names[0]


@pytest.mark.parametrize("shape", [(2, 0), (0, 0)])
def test_bags_of_no_indices_in_2d_are_refused_as_torch(torch, shape):
    """A 2-D input of no columns: PyTorch's bag offsets arange(0, numel, 0) fail (RuntimeError;
    gradkit returned zeros)."""
    for lib in (gk, torch):
        with pytest.raises(RuntimeError, match="step must be nonzero"):
            lib.nn.functional.embedding_bag(lib.zeros(shape, dtype=lib.int64), lib.ones(4, 2))


@pytest.mark.parametrize("layout", ["rows", "transposed", "strided_weights"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_aten_embedding_bag_offset2bag_follows_the_fast_path_as_torch(layout, dtype):
    # PyTorch's CPU sum mode leaves offset2bag empty only on its fast path: float32/float16
    # rows of stride 1 (and per-sample weights of stride 1); a transposed float16 weight gave
    # an empty offset2bag where PyTorch's has one entry per index
    torch = pytest.importorskip("torch")
    shapes = []
    for L in (gk, torch):
        dt = getattr(L, dtype)
        w = L.ones(3, 10, dtype=dt).t() if layout == "transposed" else L.ones(10, 3, dtype=dt)
        psw = L.ones(16, dtype=dt)[::2] if layout == "strided_weights" else None
        r = L.embedding_bag(w, L.tensor([0, 1, 2, 3, 4, 5, 6, 7]), L.tensor([0, 3, 3]), False, 0,
                            False, psw)
        shapes.append([tuple(x.shape) for x in r])
    assert shapes[0] == shapes[1]


@pytest.mark.parametrize("dtype", ["float64", "float32", "bfloat16"])
def test_embedding_bag_max_with_nan_rows_as_torch(torch, dtype):
    # PyTorch's max starts from a bag's first row and takes each row strictly greater: a NaN
    # is the maximum only as the first row; gradkit's gather read past the bag (RuntimeError)
    from oracle import same_as_torch

    nan = float("nan")

    def run(L):
        w = L.tensor([[nan, -1.57], [-2.486, -0.693], [5.0, nan]], dtype=L.float64)
        w = w.to(getattr(L, dtype)).requires_grad_(True)
        y = L.nn.functional.embedding_bag(L.tensor([1, 0, 0, 1, 2, 1, 0, 1, 2, 0]), w,
                                          mode="max", offsets=L.tensor([0, 2, 4, 7, 9]))
        y.backward(L.arange(10.0).reshape(5, 2).to(y.dtype))
        return y, w.grad

    same_as_torch(torch, run)


@pytest.mark.parametrize("rows,idx", [(0, [0, 0, 1]), (3, [0, 5, 1]), (3, [0, -1, 1]),
                                      (3, [0, -4, 1]), (3, [0, 2, 1])])
@pytest.mark.parametrize("max_norm", [None, 0.5])
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_max_norm_renorms_before_bag_checks(torch, rows, idx, max_norm, mode):
    """embedding_bag with max_norm renorms the looked-up rows before the bag's own checks: an
    index past the weight is that select()'s IndexError (a negative one wraps there and fails
    the bag's RuntimeError after), as PyTorch; gradkit raised the RuntimeError for all."""
    def run(lib):
        w = lib.ones(rows, 2, dtype=lib.float64)
        try:
            return lib.nn.functional.embedding_bag(lib.tensor(idx), w, lib.tensor([0, 2]),
                                                   mode=mode, max_norm=max_norm).tolist()
        except (IndexError, RuntimeError) as e:
            return type(e).__name__
    got, want = run(gk), run(torch)
    if isinstance(want, list):
        np.testing.assert_allclose(got, want, rtol=1e-7)
    else:
        assert got == want
