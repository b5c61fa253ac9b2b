"""CPU autocast (``gradkit.autocast("cpu", dtype=gradkit.bfloat16)``) against PyTorch's: the same
small MLP and CNN, forward and backward, with dtypes equal per tensor and values within
bfloat16's tolerance."""

import numpy as np
import pytest

import gradkit as gk

pytest.importorskip("ml_dtypes")

# bfloat16 keeps 8 significant bits: one rounding is a relative error up to 2**-8
RTOL, ATOL = 2e-2, 2e-2


def _same(g, t, rtol=RTOL, atol=ATOL):
    assert str(g.dtype).replace("gradkit.", "torch.") == str(t.dtype)
    np.testing.assert_allclose(g.detach().float().numpy(), t.detach().float().numpy(),
                               rtol=rtol, atol=atol)


def _twins(torch, g_mod, t_mod):
    sd = {k: torch.from_numpy(np.array(v.numpy(), copy=True))
          for k, v in g_mod.state_dict().items()}
    t_mod.load_state_dict(sd)


def _mlp(mod):
    return mod.nn.Sequential(mod.nn.Linear(12, 32), mod.nn.ReLU(), mod.nn.Linear(32, 5))


def _cnn(mod):
    nn = mod.nn
    return nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 4, 3), nn.Flatten(), nn.Linear(4 * 2 * 2, 3))


@pytest.mark.parametrize("build,shape", [(_mlp, (16, 12)), (_cnn, (4, 3, 8, 8))],
                         ids=["mlp", "cnn"])
def test_forward_backward_match_torch(torch, build, shape):
    gk.manual_seed(0)
    g_mod, t_mod = build(gk), build(torch)
    _twins(torch, g_mod, t_mod)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.integers(0, 3, shape[0])
    with gk.autocast("cpu", dtype=gk.bfloat16):
        g_out = g_mod(gk.tensor(x))
        g_loss = gk.nn.functional.cross_entropy(g_out, gk.tensor(y))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        t_out = t_mod(torch.tensor(x))
        t_loss = torch.nn.functional.cross_entropy(t_out, torch.tensor(y))
    _same(g_out, t_out)
    assert str(g_out.dtype) == "gradkit.bfloat16"
    _same(g_loss, t_loss)  # cross_entropy is on the float32 list
    assert str(g_loss.dtype) == "gradkit.float32"
    g_loss.backward()
    t_loss.backward()
    for (name, gp), (_, tp) in zip(g_mod.named_parameters(), t_mod.named_parameters()):
        assert gp.grad is not None, name
        # parameters stay float32 and so do their gradients (the casts are differentiable)
        _same(gp.grad, tp.grad, rtol=5e-2, atol=2e-2)


def test_lower_precision_ops_dtypes_match_torch(torch):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((4, 5)).astype(np.float32)
    c = rng.standard_normal((2, 3, 4)).astype(np.float32)
    d = rng.standard_normal((2, 4, 5)).astype(np.float32)
    bias = rng.standard_normal((3, 5)).astype(np.float32)
    k = rng.standard_normal((5, 3, 2)).astype(np.float32)
    cases = {
        "mm": lambda m, T: m.mm(T(a), T(b)),
        "matmul": lambda m, T: m.matmul(T(a), T(b)),
        "at": lambda m, T: T(a) @ T(b),
        "bmm": lambda m, T: m.bmm(T(c), T(d)),
        "addmm": lambda m, T: m.addmm(T(bias), T(a), T(b)),
        "baddbmm": lambda m, T: m.baddbmm(T(bias).expand(2, 3, 5), T(c), T(d)),
        "linear": lambda m, T: m.nn.functional.linear(T(a), T(b.T.copy())),
        "conv1d": lambda m, T: m.nn.functional.conv1d(T(c), T(k)),
        "float64 stays": lambda m, T: m.mm(T(a).double(), T(b).double()),
        "add promotes": lambda m, T: m.mm(T(a), T(b)) + T(bias),
        "exp keeps": lambda m, T: m.exp(m.mm(T(a), T(b))),
        "mse float32": lambda m, T: m.nn.functional.mse_loss(m.mm(T(a), T(b)), T(bias)),
        "cdist float32": lambda m, T: m.cdist(m.mm(T(a), T(b)), T(bias) * 2),
        "cdist mm path": lambda m, T: m.cdist(T(c).reshape(6, 4), T(c).reshape(6, 4) + 1,
                                             compute_mode="use_mm_for_euclid_dist"),
        # einsum contracts with bmm (lower precision) unless nothing is summed between operands
        "einsum mm": lambda m, T: m.einsum("ij,jk->ik", T(a), T(b)),
        "einsum rowdot": lambda m, T: m.einsum("ij,ij->i", T(a), T(a)),
        "einsum chain": lambda m, T: m.einsum("ij,jk,kl->il", T(a), T(b), T(b.T.copy())),
        "einsum mul keeps": lambda m, T: m.einsum("ij,ij->ij", T(a), T(a)),
        "einsum one operand keeps": lambda m, T: m.einsum("ij->j", T(a)),
        "vecdot lower": lambda m, T: m.linalg.vecdot(T(a), T(a)),
        "prod float32": lambda m, T: m.mm(T(a), T(b)).prod(1),
        "prod all float32": lambda m, T: m.prod(T(a)),
        "mv keeps": lambda m, T: m.mv(T(a), T(b[:, 0].copy())),
        "inner of vectors keeps": lambda m, T: m.inner(T(b[:, 0].copy()), T(b[:, 1].copy())),
        "inner of matrices lower": lambda m, T: m.inner(T(a), T(a)),
    }
    for name, f in cases.items():
        with gk.autocast("cpu"):
            g = f(gk, gk.tensor)
        with torch.autocast("cpu"):
            t = f(torch, torch.tensor)
        assert str(g.dtype).replace("gradkit.", "torch.") == str(t.dtype), name
        _same(g, t)


def test_regions_nest_disable_and_restore():
    assert not gk.is_autocast_enabled("cpu")
    x, w = gk.randn(2, 3), gk.randn(3, 3)
    with gk.autocast("cpu", dtype=gk.bfloat16):
        assert gk.is_autocast_enabled("cpu") and gk.get_autocast_dtype("cpu") == gk.bfloat16
        assert (x @ w).dtype == gk.bfloat16
        with gk.autocast("cpu", enabled=False):
            assert not gk.is_autocast_enabled("cpu")
            assert (x @ w).dtype == gk.float32
        assert (x @ w).dtype == gk.bfloat16
        with gk.autocast("cpu", dtype=gk.float16):
            assert (x @ w).dtype == gk.float16
        assert (x @ w).dtype == gk.bfloat16
    assert not gk.is_autocast_enabled("cpu")
    assert (x @ w).dtype == gk.float32


def test_decorator_and_old_spellings():
    @gk.autocast("cpu")
    def f(a, b):
        return a @ b

    a, b = gk.randn(2, 2), gk.randn(2, 2)
    assert f(a, b).dtype == gk.bfloat16
    assert (a @ b).dtype == gk.float32
    with pytest.warns(FutureWarning, match="deprecated"):  # as PyTorch's old spelling
        old = gk.cpu.amp.autocast()
    with old:
        assert (a @ b).dtype == gk.bfloat16
    with gk.amp.autocast("cpu"):
        assert (a @ b).dtype == gk.bfloat16
    with gk.autocast(device_type="cpu", dtype=gk.float16):
        assert gk.get_autocast_dtype("cpu") == gk.float16


def test_unsupported_dtype_warns_and_disables(torch):
    with pytest.warns(UserWarning, match="CPU Autocast only supports"):
        ctx = gk.autocast("cpu", dtype=gk.float64)
    with ctx:
        assert (gk.randn(2, 2) @ gk.randn(2, 2)).dtype == gk.float32


def test_exception_inside_restores_state():
    with pytest.raises(ValueError):
        with gk.autocast("cpu"):
            raise ValueError("boom")
    assert not gk.is_autocast_enabled("cpu")
