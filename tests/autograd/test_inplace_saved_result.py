"""An op written in place whose backward reads its result, then changed in place again:
backward raises PyTorch's "modified by an inplace operation" error, as torch does (version
counters), and runs where torch's does. A leaf that requires grad refuses in-place ops."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

CASES = {
    "ReLU(inplace=True)": lambda lib, t: lib.nn.ReLU(inplace=True)(t),
    "relu_": lambda lib, t: t.relu_(),
    "F.relu_": lambda lib, t: lib.nn.functional.relu_(t),
    "sigmoid_": lambda lib, t: t.sigmoid_(),
    "tanh_": lambda lib, t: t.tanh_(),
    "exp_": lambda lib, t: t.exp_(),
    "sqrt_": lambda lib, t: t.abs().sqrt_(),
    "hardtanh_inplace": lambda lib, t: lib.nn.functional.hardtanh(t, inplace=True),
    "relu6_inplace": lambda lib, t: lib.nn.functional.relu6(t, inplace=True),
    "silu_inplace": lambda lib, t: lib.nn.functional.silu(t, inplace=True),
    "threshold_inplace": lambda lib, t: lib.nn.functional.threshold(t, 0.1, 0.0, inplace=True),
    "hardsigmoid_inplace": lambda lib, t: lib.nn.functional.hardsigmoid(t, inplace=True),
    "dropout_inplace": lambda lib, t: lib.nn.functional.dropout(t, 0.5, inplace=True),
    "mul_": lambda lib, t: t.mul_(2.0),
    "add_": lambda lib, t: t.add_(1.0),
}
# PyTorch's in-place form of these saves its result (EluBackward1, ...)
for _n in ("leaky_relu", "elu", "selu", "celu", "rrelu"):
    CASES[_n + "_inplace"] = (lambda n: lambda lib, t: getattr(lib.nn.functional, n)(
        t, inplace=True))(_n)


def _run(lib, make):
    x = lib.tensor(np.linspace(-1.5, 1.5, 7), requires_grad=True)
    z = make(lib, x * 1)
    z.mul_(2)
    try:
        z.sum().backward()
    except RuntimeError as e:
        return str(e)
    return None


@pytest.mark.parametrize("name", list(CASES))
def test_inplace_change_of_a_saved_result_raises_as_torch(name):
    t = _run(torch, CASES[name])
    g = _run(gk, CASES[name])
    assert (g is None) == (t is None), f"gradkit: {g!r}; torch: {t!r}"
    if t is not None:
        assert "modified by an inplace operation" in t
        assert "one of the variables needed for gradient computation has been modified by an " \
               "inplace operation" in g


def test_the_gradient_is_right_when_nothing_changes_the_result():
    for lib in (gk, torch):
        x = lib.tensor(np.linspace(-1.5, 1.5, 7), requires_grad=True)
        z = lib.nn.ReLU(inplace=True)(x * 1)
        (z * 3).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), 3.0 * (np.linspace(-1.5, 1.5, 7) > 0))


@pytest.mark.parametrize("op", ["add_", "mul_", "exp_", "relu_", "zero_"])
def test_a_leaf_that_requires_grad_refuses_in_place_ops(op):
    args = () if op in ("exp_", "relu_", "zero_") else (2.0,)
    for lib in (torch, gk):
        x = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being "
                                               "used in an in-place operation"):
            getattr(x, op)(*args)
        with lib.no_grad():
            getattr(x, op)(*args)  # allowed without grad mode (optimizers)


_NAMES_DIFFER = {
    "threshold_inplace": "the in-place face writes threshold's where (WhereBackward0); torch "
                         "shows ThresholdBackward1",
    "rrelu_inplace": "rrelu in eval mode is leaky_relu in gradkit (LeakyReluBackward1); torch "
                     "shows RreluWithNoiseBackward1",
}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=_NAMES_DIFFER[n]))
    if n in _NAMES_DIFFER else n for n in CASES if n.endswith("_inplace")])
def test_in_place_activation_nodes_are_named_as_torch(name):
    def node(lib):
        x = lib.tensor(np.linspace(-1.5, 1.5, 7), requires_grad=True)
        return type(CASES[name](lib, x * 1).grad_fn).__name__

    assert node(gk) == node(torch)


def test_mul_checks_only_the_operand_its_gradient_reads():
    """``a * b`` saves ``b`` for ``a``'s gradient and ``a`` for ``b``'s (PyTorch's
    MulBackward0 saves each only when the other requires grad): modifying in place an operand
    whose partner needs no gradient is allowed (pykeen's training loop), the other is refused."""
    for lib in (gk, torch):
        x = lib.ones(2, requires_grad=True) * 2
        y = x * lib.ones(2)            # y's gradient reads only ones(2): x may change
        x.add_(1)
        y.sum().backward()
        w = lib.ones(2, requires_grad=True)
        c = lib.zeros(2)
        z = c * w                      # w's gradient reads c: c may not change
        c.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()
        a, b = lib.ones(2, requires_grad=True) * 1, lib.ones(2, requires_grad=True) * 1
        p = a * b
        a.mul_(3)                      # both need gradients: both operands are read
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            p.sum().backward()
