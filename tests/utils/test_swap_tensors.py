"""``torch.utils.swap_tensors`` as PyTorch's: contents, requires_grad, gradients and classes
trade places while identities stay; an optimizer holding a swapped parameter steps it; bad
arguments raise TypeError."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _run(lib):
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    (a * 3).sum().backward()
    b = lib.zeros(3, dtype=lib.float64)
    p = lib.nn.Parameter(lib.ones(2))
    t = lib.full((2,), 5.0)
    ids = (id(a), id(b), id(p), id(t))
    lib.utils.swap_tensors(a, b)
    lib.utils.swap_tensors(p, t)
    lin = lib.nn.Linear(2, 1)
    opt = lib.optim.SGD(lin.parameters(), lr=1.0)
    lib.utils.swap_tensors(lin.weight, lib.nn.Parameter(lib.full((1, 2), 0.5)))
    lin(lib.ones(1, 2)).sum().backward()
    opt.step()
    return (ids == (id(a), id(b), id(p), id(t)), a.tolist(), str(a.dtype).split(".")[-1],
            a.requires_grad, a.grad, b.tolist(), b.requires_grad, b.grad.tolist(),
            type(p).__name__, type(t).__name__, p.tolist(), t.tolist(), t.requires_grad,
            lin.weight.tolist())


def test_swap_tensors_as_pytorch():
    g, t = _run(gk), _run(torch)
    assert g == t


def test_swap_tensors_rejects_non_tensors():
    with pytest.raises(AttributeError):  # PyTorch's type
        torch.utils.swap_tensors(torch.ones(2), 3)
    for exc in (AttributeError, TypeError):
        with pytest.raises(exc, match="swap_tensors"):
            gk.utils.swap_tensors(gk.ones(2), np.ones(2))
