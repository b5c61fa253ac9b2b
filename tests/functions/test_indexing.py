"""Indexing against PyTorch: dimension placement, 0-d masks, empty lists, slice steps."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

A = np.random.RandomState(0).randn(3, 4, 5, 2)


def _both(index_fn):
    """Values and gradients of ``x[index]`` in gradkit and in PyTorch (float64)."""
    out = []
    for T in (gk, torch):
        x = T.tensor(A, requires_grad=True)
        y = x[index_fn(T)]
        w = np.random.RandomState(1).randn(*tuple(y.shape))
        (y * T.tensor(w)).sum().backward()
        out.append((y.detach().numpy().copy(), x.grad.numpy().copy()))
    return out


PLACEMENT = {
    "int_slice_tensor": lambda T: (1, slice(None), T.tensor([0, 1, 1])),
    "0d_tensor_slice_tensor": lambda T: (T.tensor(1), slice(None), T.tensor([0, 1, 1])),
    "tensor_slice_int": lambda T: (T.tensor([[0, 2], [1, 1]]), slice(1, 3), slice(None), 1),
    "slice_tensor_slice_int": lambda T: (slice(None), T.tensor([0, 3]), slice(None, None, 2), 0),
    "none_int_slice_tensor": lambda T: (None, 2, slice(None), None, T.tensor([4, 0])),
    "ellipsis": lambda T: (0, Ellipsis, T.tensor([1, 0, 1])),
    "int_slice_mask": lambda T: (2, slice(None), T.tensor(A[0, 0] > 0)),
    "two_tensors_int_between": lambda T: (T.tensor([0, 2]), 1, T.tensor([3, 4]), slice(None)),
    "slice_tensor_int_tensor": lambda T: (slice(None), T.tensor([0, 1]), 1, T.tensor([1, 0])),
}


@pytest.mark.parametrize("name", sorted(PLACEMENT))
def test_getitem_integer_and_tensor_index_place_dims_as_torch(name):
    (yg, gg), (yt, gt) = _both(PLACEMENT[name])
    assert yg.shape == yt.shape
    np.testing.assert_allclose(yg, yt)
    np.testing.assert_allclose(gg, gt)


@pytest.mark.parametrize("name", sorted(PLACEMENT))
def test_setitem_integer_and_tensor_index_place_dims_as_torch(name):
    res = []
    for T in (gk, torch):
        x0 = T.tensor(A, requires_grad=True)
        shape = tuple(T.tensor(A)[PLACEMENT[name](T)].shape)
        v = T.tensor(np.random.RandomState(2).randn(*shape), requires_grad=True)
        x = x0 * 1
        x[PLACEMENT[name](T)] = v
        w = np.random.RandomState(1).randn(*A.shape)
        (x * T.tensor(w)).sum().backward()
        res.append((x.detach().numpy().copy(), x0.grad.numpy().copy(), v.grad.numpy().copy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b)


@pytest.mark.parametrize("flag", [True, False])
def test_getitem_0d_bool_tensor_adds_a_dim(flag):
    (yg, gg), (yt, gt) = _both(lambda T: T.tensor(flag))
    assert yg.shape == yt.shape == ((1,) if flag else (0,)) + A.shape
    np.testing.assert_allclose(gg, gt)


def test_setitem_0d_bool_tensor():
    x = gk.zeros(2, 3)
    x[gk.tensor(True)] = 5.0
    assert (x.numpy() == 5.0).all()
    x[gk.tensor(False)] = 7.0
    assert (x.numpy() == 5.0).all()


def test_empty_list_index_selects_nothing():
    (yg, gg), (yt, gt) = _both(lambda T: [])
    assert yg.shape == yt.shape == (0,) + A.shape[1:]
    np.testing.assert_allclose(gg, gt)
    x = gk.zeros(3)
    x[[]] = 1.0
    assert (x.numpy() == 0).all()


def test_list_with_slice_is_a_tuple_index():
    (yg, gg), (yt, gt) = _both(lambda T: [1, slice(None), 0])
    assert yg.shape == yt.shape
    np.testing.assert_allclose(yg, yt)
    np.testing.assert_allclose(gg, gt)


def test_uint8_tensor_index_is_a_mask():
    m = (A[:, 0, 0, 0] > 0).astype(np.uint8)
    (yg, gg), (yt, gt) = _both(lambda T: T.tensor(m))
    assert yg.shape == yt.shape
    np.testing.assert_allclose(yg, yt)
    np.testing.assert_allclose(gg, gt)


@pytest.mark.parametrize("step", [-1, -2, 0])
def test_slice_step_must_be_positive(step):
    x = gk.tensor(A)
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::step]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[:, 1:3:step]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::step] = 0.0


def test_setitem_on_a_view_of_a_tensor_that_requires_grad_raises():
    """The README's promise: writing into a view would change the base behind autograd's back
    (the base's gradient came out wrong, silently); it raises and says what to do instead."""
    x = gk.tensor(np.ones((3, 4)), requires_grad=True) * 1
    v = x[1]
    with pytest.raises(RuntimeError, match=r"view.*x\[i, j\] = v"):
        v[0] = 3.0
    np.testing.assert_array_equal(x.detach().numpy(), np.ones((3, 4)))   # nothing written


def test_setitem_on_an_advanced_index_copy_stays_differentiable(torch):
    x0 = np.arange(12.0).reshape(3, 4)
    gx = gk.tensor(x0, requires_grad=True)
    tx = torch.tensor(x0, requires_grad=True)
    outs = []
    for x in (gx, tx):
        y = x[[0, 2]]             # advanced indexing copies: writing into it leaves x alone
        y[0, 1] = 5.0
        (y * y).sum().backward()
        outs.append(y.detach().numpy())
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(gx.grad.numpy(), tx.grad.numpy())
