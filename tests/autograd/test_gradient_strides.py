"""Gradients of non-leaf tensors (``autograd.grad`` results, a hook's argument,
``retain_grad``) laid out as PyTorch's on row-major, permuted, channels-last, sliced and
expanded inputs: a reduction's gradient is a broadcast view (stride 0), as PyTorch's
``expand``, and the elementwise rules after it follow the other operand's layout."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _input(L, layout):
    gen = np.random.default_rng(0)

    def t(*shape):
        return L.tensor(gen.standard_normal(shape).astype(np.float32))
    x = {
        "rows": lambda: t(2, 6, 5, 7),
        "channels_last": lambda: t(2, 6, 5, 7).contiguous(memory_format=L.channels_last),
        "permuted": lambda: t(2, 5, 6, 7).permute(0, 2, 1, 3),
        "sliced": lambda: t(2, 12, 5, 8)[:, ::2, :, 1:],
        "channels_last_3d": lambda: t(2, 4, 5, 3, 6).contiguous(
            memory_format=L.channels_last_3d),
        "transposed": lambda: t(2, 7, 6).transpose(1, 2),
        "expanded": lambda: t(6, 1, 1).expand(6, 5, 7),
    }[layout]()
    return x.detach().requires_grad_(True)


def _grad_of_sum(L, x):
    return L.autograd.grad(x.sum(), x)[0]


def _grad_of_square(L, x):
    return L.autograd.grad((x * x).sum(), x)[0]


def _grad_of_mean_relu(L, x):
    return L.autograd.grad(x.relu().mean(), x)[0]


def _hook_argument(L, x):
    y = x * 1
    seen = []
    y.register_hook(seen.append)
    y.exp().sum().backward()
    return seen[0]


def _retained(L, x):
    y = x * 1
    y.retain_grad()
    (y.sin() * 2).sum().backward()
    return y.grad


_CASES = {f.__name__.lstrip("_"): f for f in (_grad_of_sum, _grad_of_square,
                                              _grad_of_mean_relu, _hook_argument, _retained)}
_LAYOUTS = ("rows", "channels_last", "permuted", "sliced", "channels_last_3d", "transposed",
            "expanded")


@pytest.mark.parametrize("layout", _LAYOUTS)
@pytest.mark.parametrize("name", sorted(_CASES))
def test_non_leaf_gradient_strides_as_torch(name, layout):
    ours = _CASES[name](gk, _input(gk, layout))
    theirs = _CASES[name](torch, _input(torch, layout))
    assert ours.stride() == theirs.stride()
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
