"""as_strided / as_strided_ / as_strided_scatter, empty_strided / empty_permuted /
new_empty_strided and the deprecated range against PyTorch: values over the storage, views,
gradients (torch's as_strided_backward, overlapping inputs too), errors."""

import warnings

import numpy as np
import pytest
from oracle import same_as_torch

import gradkit as gk


def _x(L):
    return L.arange(12.0, dtype=L.float64).view(3, 4)


@pytest.mark.parametrize("fn", [
    lambda L: L.as_strided(_x(L), (3, 3), (1, 1)),
    lambda L: L.as_strided(_x(L)[1:], (2,), (1,)),           # the view's own offset
    lambda L: L.as_strided(_x(L)[1:], (2,), (1,), 0),        # before the view, in its storage
    lambda L: L.as_strided(_x(L).t(), (2, 2), (1, 2)),
    lambda L: L.as_strided(_x(L)[:, 1:3], (2, 3), (4, 1), 1),
    lambda L: L.as_strided(_x(L), (0, 5), (1, 100), 13),     # empty: no bound to check
    lambda L: L.as_strided(_x(L), [], [], 11),
    lambda L: _x(L).as_strided((2, 2), (0, 1), 10),
    lambda L: L.as_strided_scatter(_x(L), L.ones(2, 2, dtype=L.float64), (2, 2), (1, 4), 1),
    lambda L: L.as_strided_scatter(_x(L).t(), L.ones(2, 2, dtype=L.float64), (2, 2), (1, 4)),
    lambda L: L.as_strided_scatter(_x(L), L.ones(2, 2, dtype=L.bool), (2, 2), (1, 4), 1),
    lambda L: L.arange(24.0, dtype=L.float64)[::2].as_strided_scatter(
        L.ones(3, 2, dtype=L.float64), (3, 2), (2, 1), 3),  # the copy keeps the gaps
    lambda L: L.as_strided_scatter(_x(L), L.ones(2, 2, dtype=L.float64), (2, 2), (1, 0), 1),
    # a window whose elements share memory: the last write in row-major order stays; a
    # stride 0 over more than one element is refused, as PyTorch's copy_
    lambda L: L.as_strided_scatter(L.zeros(12, dtype=L.float64),
                                   L.arange(6.0, dtype=L.float64).view(3, 2), (3, 2), (1, 1), 3),
    lambda L: L.as_strided_scatter(_x(L), L.arange(6.0, dtype=L.float64).view(2, 3), (2, 3),
                                   (2, 1), 0),
    lambda L: L.as_strided_scatter(L.zeros(5), L.arange(4.0).view(2, 2), (2, 2), (0, 0), 1),
    lambda L: L.as_strided_scatter(L.zeros(5), L.arange(4.0).view(4, 1), (4, 1), (1, 0), 1),
    # the copy is of the input's whole storage, at the input's offset (PyTorch's
    # clone_preserve_strides): the window may lie before or past the view, or hold it
    lambda L: L.as_strided_scatter(L.arange(10.0)[2:8], -L.ones(2), (2,), (1,)),
    lambda L: L.as_strided_scatter(L.arange(10.0)[2:8], -L.ones(2), (2,), (1,), 0),
    lambda L: L.as_strided_scatter(L.arange(10.0)[2:8], -L.ones(2), (2,), (1,), 8),
    lambda L: L.as_strided_scatter(L.arange(10.0)[:4], -L.ones(2), (2,), (1,), 6),
    lambda L: L.as_strided_scatter(L.arange(10.0)[:4], -L.ones(2), (2,), (1,), 9),
    lambda L: L.as_strided_scatter(L.arange(10.0)[::3], -L.ones(3), (3,), (2,), 1),
    # an input with internal overlap (expanded) is cloned contiguous first; fuzzer seed 50
    # --variants case 4425
    lambda L: L.as_strided_scatter(L.ones(1, dtype=L.float16).expand(12),
                                   L.arange(6.0, dtype=L.float64).reshape(2, 3).t(), (3, 2),
                                   (2, 1), 3),
    lambda L: L.as_strided_scatter(L.ones(1).expand(3, 4), -L.ones(2), (2,), (5,)),
    # errors: out of the storage, negative strides/sizes/offsets, mismatched lengths, types
    lambda L: L.as_strided(_x(L), (4, 4), (4, 1)),
    lambda L: L.as_strided(_x(L)[1:], (3, 4), (4, 1), 1),
    lambda L: L.as_strided(_x(L), (2,), (-1,)),
    lambda L: L.as_strided(_x(L), (-2,), (1,)),
    lambda L: L.as_strided(_x(L), (2,), (1,), -1),
    lambda L: L.as_strided(_x(L), (2, 2), (1,)),
    lambda L: L.as_strided(_x(L), (2,), (1.5,)),
    lambda L: L.as_strided_scatter(_x(L), L.ones(3, dtype=L.float64), (2,), (1,)),
    lambda L: L.as_strided_scatter(_x(L).requires_grad_().t(), L.ones(2, dtype=L.float64),
                                   (2,), (1,)),
])
def test_as_strided_against_torch(torch, fn):
    same_as_torch(torch, fn)


def test_as_strided_is_a_view_of_the_storage():
    x = _x(gk)
    v = gk.as_strided(x[1:], (2, 2), (1, 4), 0)  # reaches before the view x[1:]
    x[0, 1] = 100.0
    assert v[1, 0].item() == 100.0
    y = _x(gk)
    y.as_strided_((2,), (3,), 1)
    assert y.tolist() == [1.0, 4.0] and y.stride() == (3,) and y.storage_offset() == 1


@pytest.mark.parametrize("pre, size, stride, offset", [
    (lambda x: x, (3, 3), (1, 1), 0),                    # overlapping output
    (lambda x: x.t(), (2, 2), (1, 2), 1),                # a transposed input
    (lambda x: x[1:], (3, 2), (1, 1), 0),                # positions outside the input
    (lambda x: x[:, :1].expand(3, 4), (2, 3), (4, 0), 0),  # an overlapping input
])
def test_as_strided_gradients_match_torch(torch, pre, size, stride, offset):
    a = np.random.default_rng(0).standard_normal((3, 4))
    out = []
    for L in (gk, torch):
        x = L.tensor(a, requires_grad=True)
        y = L.as_strided(pre(x), size, stride, offset)
        w = L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))
        g, = L.autograd.grad((y * w).sum(), x, create_graph=True)
        g2, = L.autograd.grad((g * g * x).sum(), x)
        out.append((y.detach().numpy(), g.detach().numpy(), g2.numpy()))
    for p, q in zip(*out):
        np.testing.assert_allclose(p, q, atol=1e-12)


def test_as_strided_scatter_gradient_is_the_finite_difference():
    # (torch 2.13's own backward is wrong here: its gradcheck fails)
    a = np.random.default_rng(1).standard_normal((3, 4))
    s = np.random.default_rng(2).standard_normal((2, 2))
    x, src = gk.tensor(a, requires_grad=True), gk.tensor(s, requires_grad=True)
    w = np.cos(np.arange(12.0)).reshape(3, 4)
    (gk.as_strided_scatter(x, src, (2, 2), (1, 4), 1) * gk.tensor(w)).sum().backward()
    want = w.copy().reshape(-1)
    want[[1, 5, 2, 6]] = 0.0
    np.testing.assert_allclose(x.grad.numpy().reshape(-1), want)
    np.testing.assert_allclose(src.grad.numpy(), w.reshape(-1)[[1, 5, 2, 6]].reshape(2, 2))


@pytest.mark.parametrize("fn", [
    lambda L: L.empty_strided((2, 3), (1, 2)).stride(),
    lambda L: L.empty_strided((2, 3), (1, 2), dtype=L.int32).dtype,
    lambda L: L.empty_strided((2, 0), (1, 2)).shape,
    lambda L: L.empty_strided((), ()).shape,
    lambda L: L.empty_strided((2, 3), (-1, 2)),
    lambda L: L.empty_strided((2, 3), (1,)),
    lambda L: L.empty_permuted((2, 3, 4), (2, 0, 1)).stride(),
    lambda L: L.empty_permuted((2, 3, 4), (2, 0, 0)),
    lambda L: L.empty_permuted((2, 3, 4), (2, 0)),
    lambda L: L.ones(2, dtype=L.int16).new_empty_strided((2, 2), (1, 2)).stride(),
    lambda L: L.ones(2, dtype=L.int16).new_empty_strided((2, 2), (1, 2)).dtype,
])
def test_strided_empties_against_torch(torch, fn):
    def outcome(L):
        try:
            return str(fn(L)).replace("torch.", "").replace("gradkit.", "")
        except Exception as e:  # noqa: BLE001 - compared with PyTorch's
            return type(e).__name__
    assert outcome(gk) == outcome(torch)


@pytest.mark.parametrize("args, kwargs", [
    ((0, 3), {}), ((1, 2, 0.3), {}), ((3, 0, -1), {}), ((0, 1, 0.1), {}), ((1, 1), {}),
    ((0, 3), {"dtype": "int64"}), ((0.0, 2.5, 1), {"dtype": "int32"}),
    ((0, 3, 0), {}), ((3, 0), {}), ((0, float("inf")), {}),
])
def test_range_against_torch(torch, args, kwargs):
    def fn(L):
        kw = {k: getattr(L, v) for k, v in kwargs.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return L.range(*args, **kw)
    same_as_torch(torch, fn)


def test_range_warns_and_writes_out():
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        out = gk.empty(0)
        r = gk.range(0, 3, out=out)
    assert r is out and out.tolist() == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize("size", [(0, -1), (-1, 0), (2, 0, -3)])
def test_as_strided_refuses_a_negative_size_beside_a_zero_one(torch, size):
    # PyTorch returns a tensor of that size, refused by every later op with this RuntimeError;
    # gradkit raises it at once (it said "Storage size calculation overflowed")
    t = torch.arange(6.0).as_strided(size, (1,) * len(size))
    with pytest.raises(RuntimeError, match="negative dimension"):
        t.clone()
    for fn in (lambda m: m.arange(6.0).as_strided(size, (1,) * len(size)),
               lambda m: m.as_strided(m.arange(6.0), size, (1,) * len(size)),
               lambda m: m.arange(6.0).as_strided_(size, (1,) * len(size)),
               lambda m: m.empty_strided(size, (1,) * len(size))):
        with pytest.raises(RuntimeError, match="Trying to create tensor with negative dimension"):
            fn(gk)


def test_as_strided_scatter_of_a_view_with_an_offset_differentiates(torch):
    """The window addressed through the whole storage of a contiguous view (at its offset):
    the values are PyTorch's, the gradient is the derivative of them. (torch 2.13's backward
    takes the window's offset as relative to the view: for this call it passes the gradient
    to the overwritten elements 3 and 5 and gives src[0], which lands outside the view, 1.)"""
    a = np.arange(10.0)
    c = np.array([-1.0, -2.0, -3.0])
    w = np.cos(np.arange(6.0))
    base = gk.tensor(a, requires_grad=True)
    src = gk.tensor(c, requires_grad=True)
    y = gk.as_strided_scatter(base[2:8], src, (3,), (2,), 1)  # storage 1, 3, 5
    want = torch.as_strided_scatter(torch.tensor(a)[2:8], torch.tensor(c), (3,), (2,), 1)
    np.testing.assert_array_equal(y.detach().numpy(), want.numpy())
    gb, gs = gk.autograd.grad((y * gk.tensor(w)).sum(), (base, src))
    # view elements 1 and 3 (storage 3 and 5) overwritten by src[1:]; src[0] outside the view
    np.testing.assert_array_equal(gb.numpy(), [0, 0, w[0], 0, w[2], 0, w[4], w[5], 0, 0])
    np.testing.assert_array_equal(gs.numpy(), [0, w[1], w[3]])
