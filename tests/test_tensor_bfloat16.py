"""bfloat16 tensors (through ml_dtypes), checked against PyTorch's bfloat16 on random data:
PyTorch computes each bfloat16 op in float32 and rounds the result once, and so must gradkit."""

import subprocess
import sys

import numpy as np
import pytest

import gradkit as gk

pytest.importorskip("ml_dtypes")

rng = np.random.default_rng(0)
A = rng.standard_normal((4, 6)).astype(np.float32)
B = rng.standard_normal((6, 5)).astype(np.float32)
C = (rng.standard_normal((4, 6)) * 3).astype(np.float32)
BIG = rng.standard_normal(5000).astype(np.float32)


def _bits(t):
    """The float32 values of a bfloat16 tensor of either library (exact)."""
    return t.detach().float().numpy()


def _pair(torch, *arrays):
    return ([gk.tensor(a).bfloat16() for a in arrays],
            [torch.tensor(a).bfloat16() for a in arrays])


def test_rounding_to_bfloat16_matches_torch(torch):
    vals = np.concatenate([BIG, [1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.4e38, -0.0, 1e-40,
                                 np.inf, -np.inf, np.nan]]).astype(np.float32)
    g, t = gk.tensor(vals).to(gk.bfloat16), torch.tensor(vals).to(torch.bfloat16)
    np.testing.assert_array_equal(_bits(g), _bits(t))
    np.testing.assert_array_equal(_bits(gk.tensor(vals, dtype=gk.bfloat16)), _bits(t))
    np.testing.assert_array_equal(_bits(gk.tensor(vals.astype(np.float64)).bfloat16()),
                                  _bits(torch.tensor(vals.astype(np.float64)).bfloat16()))
    assert g.dtype is gk.bfloat16 and str(g.dtype) == "gradkit.bfloat16"
    assert gk.zeros(3, dtype=gk.bfloat16).dtype is gk.bfloat16
    assert gk.full((2,), 1.3, dtype=gk.bfloat16).tolist() == \
        torch.full((2,), 1.3, dtype=torch.bfloat16).tolist()


EXACT = {
    "add": lambda a, b, c: a + c, "sub": lambda a, b, c: a - c, "mul": lambda a, b, c: a * c,
    "div": lambda a, b, c: a / (c.abs() + 1), "add scalar": lambda a, b, c: a + 0.3,
    "sub scalar": lambda a, b, c: 0.3 - a, "mul scalar": lambda a, b, c: a * 1.7,
    "div scalar": lambda a, b, c: a / 0.3, "exp": lambda a, b, c: a.exp(),
    "tanh": lambda a, b, c: a.tanh(), "sigmoid": lambda a, b, c: a.sigmoid(),
    "relu": lambda a, b, c: a.relu(), "sqrt": lambda a, b, c: c.abs().sqrt(),
    "matmul": lambda a, b, c: a @ b, "sum": lambda a, b, c: a.sum(),
    "sum dim": lambda a, b, c: a.sum(0), "mean dim": lambda a, b, c: c.mean(1),
    "amax": lambda a, b, c: a.amax(1), "softmax": lambda a, b, c: a.softmax(1),
    "norm": lambda a, b, c: a.norm(), "slice": lambda a, b, c: a.flatten()[:3],
}


@pytest.mark.parametrize("name", list(EXACT))
def test_ops_round_once_like_torch(torch, name):
    (ga, gb, gc), (ta, tb, tc) = _pair(torch, A, B, C)
    g, t = EXACT[name](ga, gb, gc), EXACT[name](ta, tb, tc)
    assert str(g.dtype) == "gradkit.bfloat16" == str(t.dtype).replace("torch.", "gradkit.")
    np.testing.assert_array_equal(_bits(g), _bits(t))


@pytest.mark.parametrize("expr", ["m.where(a > 0, a, c)", "m.where(a > 0, a, 2.5)",
                                  "m.cat([a, c])", "m.stack([a, c]).amax(0)",
                                  "m.nn.functional.gelu(a)", "m.nn.functional.silu(a)"])
def test_module_functions_round_once_like_torch(torch, expr):
    (ga, _, gc), (ta, _, tc) = _pair(torch, A, B, C)
    g = eval(expr, {"m": gk, "a": ga, "c": gc})
    t = eval(expr, {"m": torch, "a": ta, "c": tc})
    assert str(g.dtype) == "gradkit.bfloat16" == str(t.dtype).replace("torch.", "gradkit.")
    np.testing.assert_array_equal(_bits(g), _bits(t))


def test_long_sum_accumulates_in_float32_like_torch(torch):
    g, t = gk.tensor(BIG).bfloat16(), torch.tensor(BIG).bfloat16()
    np.testing.assert_array_equal(_bits(g.sum()), _bits(t.sum()))
    np.testing.assert_array_equal(_bits(g.mean()), _bits(t.mean()))
    # NumPy's bfloat16 sum rounds every partial sum: far from float32 accumulation
    naive = float(gk.tensor(BIG).bfloat16()._data.sum())
    assert g.sum().item() == pytest.approx(float(BIG.astype(np.float64).sum()), abs=0.5) or \
        naive != g.sum().item()


@pytest.mark.parametrize("expr", ["a.log_softmax(1)", "a.std(1)",
                                  "m.nn.functional.layer_norm(a, (6,))", "a.var()",
                                  "m.nn.functional.linear(a, b.T, b[0, :5] if False else None)"])
def test_composite_ops_within_one_rounding_of_torch(torch, expr):
    (ga, gb, _), (ta, tb, _) = _pair(torch, A, B, C)
    g = eval(expr, {"m": gk, "a": ga, "b": gb})
    t = eval(expr, {"m": torch, "a": ta, "b": tb})
    assert str(g.dtype).replace("gradkit.", "torch.") == str(t.dtype)
    np.testing.assert_allclose(_bits(g), _bits(t), rtol=2 ** -7, atol=1e-6)


@pytest.mark.parametrize("other", ["float16", "float32", "float64", "int32", "bool"])
def test_promotion_matches_torch(torch, other):
    g = gk.ones(2, dtype=gk.bfloat16) + gk.ones(2, dtype=getattr(gk, other))
    t = torch.ones(2, dtype=torch.bfloat16) + torch.ones(2, dtype=getattr(torch, other))
    assert str(g.dtype).replace("gradkit.", "torch.") == str(t.dtype)
    assert repr(gk.promote_types(gk.bfloat16, getattr(gk, other))) == \
        repr(torch.promote_types(torch.bfloat16, getattr(torch, other))).replace("torch", "gradkit")
    assert (gk.ones(2, dtype=gk.bfloat16) * 2.5).dtype is gk.bfloat16
    assert (gk.ones(2, dtype=gk.int64) * gk.tensor(2.5).bfloat16()).dtype is gk.bfloat16


def test_printing_tolist_item_and_numpy_like_torch(torch):
    (ga, _, gc), (ta, _, tc) = _pair(torch, A, B, C)
    for g, t in ((ga, ta), (gc * 100, tc * 100), (ga[0, 0], ta[0, 0]), (ga.sum(), ta.sum())):
        assert repr(g) == repr(t).replace("torch.", "gradkit.")
    assert ga.tolist() == ta.tolist() and ga[1, 2].item() == ta[1, 2].item()
    with pytest.raises(TypeError, match="BFloat16"):
        ta.numpy()
    with pytest.raises(TypeError, match="BFloat16"):
        ga.numpy()
    assert ga.float().numpy().dtype == np.float32 and ga.is_floating_point()


def test_autograd_in_bfloat16_matches_torch(torch):
    (ga, gb, gc), (ta, tb, tc) = _pair(torch, A, B, C)
    for x in (ga, gb, ta, tb):
        x.requires_grad_()
    for a, b, c in ((ga, gb, gc), (ta, tb, tc)):
        h = (a @ b).tanh()
        loss = (h * h).sum() + (a * c).sigmoid().mean()
        loss.backward()
    for g, t in ((ga, ta), (gb, tb)):
        assert g.grad.dtype is gk.bfloat16 and t.grad.dtype == torch.bfloat16
        np.testing.assert_allclose(_bits(g.grad), _bits(t.grad), rtol=2 ** -6, atol=2e-3)


def test_module_to_bfloat16_trains(torch):
    gk.manual_seed(0)
    lin = gk.nn.Linear(6, 3).to(gk.bfloat16)
    assert lin.weight.dtype is gk.bfloat16
    opt = gk.optim.SGD(lin.parameters(), lr=0.1)
    x = gk.tensor(A).bfloat16()
    first = None
    for _ in range(5):
        opt.zero_grad()
        loss = lin(x).pow(2).mean()
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    assert lin.weight.dtype is gk.bfloat16 and loss.item() < first


def test_without_ml_dtypes_import_gradkit_works_and_bfloat16_names_the_extra():
    code = ("import sys; sys.modules['ml_dtypes'] = None\n"
            "import gradkit as gk\n"
            "assert gk.ones(2).sum().item() == 2.0\n"
            "try:\n    gk.bfloat16\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "gradkit[bf16]" in out and "ml_dtypes" in out
    lazy = subprocess.run([sys.executable, "-c", "import sys, gradkit; "
                           "print('ml_dtypes' in sys.modules)"],
                          capture_output=True, text=True, check=True).stdout
    assert lazy.strip() == "False"


def test_ml_dtypes_own_dtype_sets_up_bfloat16_ops():
    code = ("import ml_dtypes, gradkit as gk\n"
            "from gradkit import _bf16\n"
            "before = _bf16.installed()\n"
            "x = gk.zeros(2, dtype=ml_dtypes.bfloat16)\n"
            "print(before, x.dtype is gk.bfloat16, _bf16.installed())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "True", "True"]


def test_layers_and_losses_keep_bfloat16_like_torch(torch):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3, 6, 6)).astype(np.float32)
    y = np.array([0, 2, 1, 0])

    def build(m):
        return m.nn.Sequential(m.nn.Conv2d(3, 4, 3), m.nn.BatchNorm2d(4), m.nn.GELU(),
                               m.nn.Flatten(), m.nn.Linear(64, 3)).bfloat16()

    torch.manual_seed(0)
    t_net, g_net = build(torch), build(gk)
    g_net.load_state_dict({k: gk.tensor(v.float().numpy()).to(gk.bfloat16)
                           if v.is_floating_point() else gk.tensor(v.numpy())
                           for k, v in t_net.state_dict().items()})
    outs = []
    for m, net in ((gk, g_net), (torch, t_net)):
        out = net(m.tensor(x).bfloat16())
        loss = m.nn.functional.cross_entropy(out, m.tensor(y))
        loss.backward()
        outs.append((out, loss, net[0].weight.grad))
    (go, gl, gg), (to, tl, tg) = outs
    for g, t in ((go, to), (gl, tl), (gg, tg)):
        assert str(g.dtype).replace("gradkit.", "torch.") == str(t.dtype)
    np.testing.assert_allclose(_bits(go), _bits(to), rtol=3e-2, atol=3e-2)
    np.testing.assert_allclose(_bits(gl), _bits(tl), rtol=2e-2)
    np.testing.assert_allclose(_bits(gg), _bits(tg), rtol=5e-2, atol=5e-2)
