"""In-place writes with a differentiable value into a view of a tensor that requires no grad.

PyTorch rebases the base (CopySlices): ``buf = x.new_zeros(...); buf[..., 1:4].copy_(x)`` makes
``buf`` require grad with the gradient reaching ``x``. This is how MATLAB-style padding and
resizing code fills a buffer (piq's ``imresize``, used by its SR-SIM loss); gradkit wrote the
values but left ``buf`` without history, so the gradient of such a loss lost those paths.
"""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _run(lib, x0, fn):
    x = lib.tensor(x0, requires_grad=True)
    out = fn(lib, x)
    assert out.requires_grad and out.grad_fn is not None
    w = lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))
    (out * w).sum().backward()
    return out.detach().numpy(), x.grad.numpy()


def _pad_rows(lib, x):  # the reflect padding of piq.functional.resize, by rows
    buf = x.new_zeros(x.shape[0], x.shape[1] + 3)
    buf[..., 1:4].copy_(x)
    buf[..., 0].copy_(x[..., 0])
    for p in range(2):
        buf[..., 4 + p].copy_(x[..., -(p + 1)])
    return buf


def _two_level_view(lib, x):
    b = lib.zeros(2, 3, dtype=x.dtype)
    b.view(6)[:3].mul_(2).add_(x[0])
    b.view(6)[3:].copy_(x[1] * x[0])
    return b * b


def _setitem_into_view(lib, x):
    b = lib.ones(4, 3, dtype=x.dtype)
    v = b[1:3]
    v[0] = x[0].exp()
    v[1, 1:] = x[1, :2]
    return b


def _views_of_base_follow(lib, x):
    b = lib.zeros(2, 3, dtype=x.dtype)
    b[0].copy_(x[0])
    b[1].add_(x[1] * 3)          # a view of the base that now has history
    return lib.stack([b.sum(0), b[1] * b[0]])


@pytest.mark.parametrize("fn", [_pad_rows, _two_level_view, _setitem_into_view,
                                _views_of_base_follow])
def test_write_into_view_of_untracked_base_matches_pytorch(fn):
    x0 = np.random.default_rng(0).standard_normal((2, 3))
    got = _run(gk, x0, fn)
    want = _run(torch, x0, fn)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


def test_untracked_view_of_leaf_that_requires_grad_still_refused():
    b = gk.zeros(2, 3)
    v = b[0]
    b.requires_grad_()
    with pytest.raises(RuntimeError, match="leaf"):
        v.copy_(gk.ones(3, requires_grad=True))


def test_write_without_grad_value_keeps_base_untracked():
    b = gk.zeros(2, 3)
    b[0].copy_(gk.ones(3))
    assert not b.requires_grad and b[0].sum().item() == 3
