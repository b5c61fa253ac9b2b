"""Small float32 activations and their gradients as PyTorch's CPU kernels compute them
(gradkit/_activation_float32.py): SiLU, ELU/SELU/CELU, softplus, log-sigmoid, both GELUs,
Mish, hardswish, sigmoid and tanh, on lengths 1..40 (PyTorch's scalar tail and its vector
lanes) and longer arrays."""

import os
import platform
import subprocess
import sys

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import _activation_float32, _exact_float32

torch = pytest.importorskip("torch")

_CASES = {  # name: (call on a module namespace F, share of entries allowed apart: fwd, bwd)
    "silu": ("F.silu(x)", 0, 0),
    "elu": ("F.elu(x)", 0.06, 0),
    "selu": ("F.selu(x)", 0.06, 0),
    "celu": ("F.celu(x, alpha=0.7)", 0.06, 0),
    "softplus": ("F.softplus(x)", 0.06, 0),
    "softplus_beta": ("F.softplus(x, beta=2.0, threshold=5.0)", 0.06, 0),
    "logsigmoid": ("F.logsigmoid(x)", 0.02, 0),
    "gelu_tanh": ("F.gelu(x, approximate='tanh')", 0.1, 0.1),
    "mish": ("F.mish(x)", 0.3, 0.25),
    "hardswish": ("F.hardswish(x)", 0, 0),
    "gelu": ("F.gelu(x)", 0, 0),
    "sigmoid": ("torch.sigmoid(x)", 0, 0),
    "tanh": ("torch.tanh(x)", 0.01, 0.01),
}

# PyTorch's values in a process of its own, as tests/test_exact_float32.py takes them (the
# suite's MKL_CBWR setting is left out of it)
_TORCH_SIDE = """
import sys, numpy as np, torch
import torch.nn.functional as F
data = np.load(sys.argv[1])
cases = %r
out = {}
for name, (call, _, _) in cases.items():
    for i in range(int(data["count"])):
        x = torch.from_numpy(data[f"x{i}"]).requires_grad_()
        y = eval(call)
        y.backward(torch.from_numpy(data[f"g{i}"]))
        out[f"{name}_y{i}"] = y.detach().numpy()
        out[f"{name}_g{i}"] = x.grad.numpy()
np.savez(sys.argv[2], **out)
""" % (_CASES,)


def _lengths():
    rng = np.random.RandomState(5)
    return list(range(1, 41)) + [int(n) for n in rng.randint(41, _exact_float32.EXACT_MAX + 1, 12)]


@pytest.fixture(scope="module")
def torch_values(tmp_path_factory):
    d = tmp_path_factory.mktemp("act32")
    rng = np.random.RandomState(11)
    data = {}
    for i, n in enumerate(_lengths()):
        data[f"x{i}"] = (rng.randn(n) * 4).astype(np.float32)
        data[f"g{i}"] = rng.randn(n).astype(np.float32)
    data["count"] = np.array(len(_lengths()))
    np.savez(d / "in.npz", **data)
    env = {k: v for k, v in os.environ.items() if k != "MKL_CBWR"}
    subprocess.run([sys.executable, "-c", _TORCH_SIDE, str(d / "in.npz"), str(d / "out.npz")],
                   check=True, env=env, timeout=300)
    return data, dict(np.load(d / "out.npz"))


def _apart(a, b):
    return int(np.sum(~((a == b) | (np.isnan(a) & np.isnan(b)))))


@pytest.mark.parametrize("name", sorted(_CASES))
def test_forward_and_gradient_last_bits(torch_values, name):
    # lengths 1..31 run PyTorch's scalar form, longer ones its vector lanes and a scalar tail;
    # the bounds are the steps where the C library's log1pf/expm1f/tanhf (scalar) and SLEEF's
    # (vector) differ from the correctly rounded value; 0 where only exp is involved
    data, want = torch_values
    call, fwd_limit, bwd_limit = _CASES[name]
    apart = [0, 0]
    total = 0
    for i in range(int(data["count"])):
        x = gk.tensor(data[f"x{i}"], requires_grad=True)
        y = eval(call, {"F": F, "torch": gk, "x": x})
        y.backward(gk.tensor(data[f"g{i}"]))
        apart[0] += _apart(y.detach().numpy(), want[f"{name}_y{i}"])
        apart[1] += _apart(x.grad.numpy(), want[f"{name}_g{i}"])
        total += x.numel()
    exact = platform.machine().lower() in ("x86_64", "amd64")  # (lane widths known there)
    for count, limit in zip(apart, (fwd_limit, bwd_limit)):
        if limit == 0 and exact:
            assert count == 0, (name, apart)
        else:
            assert count <= max(limit, 0.002) * total, (name, apart, total)


def test_the_unfused_formulas_were_apart():
    # the check above can fail: SiLU as x * sigmoid(x) (gradkit's former composite) puts a
    # quarter of the entries a last bit apart from PyTorch's x / (1 + exp(-x))
    x = (np.random.RandomState(3).randn(40) * 4).astype(np.float32)
    want = torch.nn.functional.silu(torch.from_numpy(x)).numpy()
    composite = (gk.from_numpy(x) * gk.sigmoid(gk.from_numpy(x))).numpy()
    assert _apart(composite, want) >= 4
    assert _apart(F.silu(gk.from_numpy(x)).numpy(), want) == 0


def test_large_arrays_keep_numpy_formulas():
    n = _exact_float32.EXACT_MAX + 1
    x = np.linspace(-9, 9, n, dtype=np.float32)
    assert _activation_float32.silu(x) is None and _activation_float32.mish(x) is None
    assert _activation_float32.gelu_tanh_backward(x, x) is None
    for call in ("F.silu(x)", "F.mish(x)", "F.logsigmoid(x)", "F.gelu(x, approximate='tanh')",
                 "F.softplus(x)", "F.elu(x)"):
        values = []
        for m, lib in ((F, gk), (torch.nn.functional, torch)):
            t = lib.tensor(x, requires_grad=True)
            y = eval(call, {"F": m, "x": t})
            y.backward(lib.ones_like(y))
            values.append((y.detach().numpy(), t.grad.numpy()))
        for got, ref in zip(*values):
            # (atol: NumPy's float32 tanh is a few ulps of 1 from -1 at tanh(-33); times x / 2)
            np.testing.assert_allclose(got, ref, rtol=1e-5, atol=3e-6, err_msg=call)


def test_softplus_keeps_finite_where_pytorch_overflows():
    # threshold above 88: exp(x * beta) overflows; gradkit keeps softplus = x (PyTorch: inf)
    x = gk.tensor([-200.0, 0.0, 95.0, 300.0], requires_grad=True)
    y = F.softplus(x, beta=1.0, threshold=1000.0)
    y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), [0.0, np.log(2.0), 95.0, 300.0], rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.5, 1.0, 1.0], atol=1e-6)


@pytest.mark.parametrize("call", ["F.silu(x)", "F.mish(x)", "F.logsigmoid(x)",
                                  "F.gelu(x, approximate='tanh')"])
def test_second_order_and_node_names(call):
    x64 = np.random.RandomState(8).randn(7) * 2
    results = []
    for m, lib in ((F, gk), (torch.nn.functional, torch)):
        x = lib.tensor(x64, requires_grad=True)
        y = eval(call, {"F": m, "x": x})
        (g,) = lib.autograd.grad(y.sum(), [x], create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), [x])
        results.append((type(y.grad_fn).__name__, g.detach().numpy(), h.numpy()))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", sorted(_CASES))
def test_shapes_and_noncontiguous_inputs(name):
    base = (np.random.RandomState(4).randn(6, 7) * 3).astype(np.float32)
    call = _CASES[name][0]
    for x in (base, base.T, base[0, 0:1].reshape(()), base[:2, :3], base.reshape(2, 3, 7)):
        values = []
        for m, lib in ((F, gk), (torch.nn.functional, torch)):
            t = lib.tensor(np.array(x), requires_grad=True)
            if x is base.T:
                t = lib.tensor(base, requires_grad=True)
            y = eval(call, {"F": m, "torch": lib, "x": t.T if x is base.T else t})
            y.backward(lib.ones_like(y) * 0.5)
            values.append((y.detach().numpy(), t.grad.numpy()))
        for got, want in zip(*values):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=name)
