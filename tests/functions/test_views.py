"""In-place changes through views and of the base of existing views, against PyTorch's values and
gradients: ``x[0][1] = v`` writes through and rebases the base's history (CopySlices); views
made before an in-place change of their base see the new values and get a node of the base's new
history, as PyTorch regenerates a view's ``grad_fn`` from its base's version."""

import numpy as np
import pytest

import gradkit as gk


def _setitem(t, index, value):
    t[index] = value
    return t


def _run(lib, prog):
    w = lib.tensor(np.arange(1.0, 13.0).reshape(3, 4), requires_grad=True)
    v = lib.tensor(np.array([5.0, 7.0, 11.0, 13.0]), requires_grad=True)
    out = prog(lib, w, v)
    g = lib.tensor(np.linspace(-1.0, 2.0, int(np.prod(tuple(out.shape)))).reshape(
        tuple(out.shape)))
    out.backward(g)
    return out.detach().numpy(), w.grad.numpy(), None if v.grad is None else v.grad.numpy()


def _view_of_view_setitem(lib, w, v):
    x = w * 1
    x[0][1] = v[0] * 2
    return x * x


def _named_view_setitem(lib, w, v):
    x = w * 2
    y = x[0]
    y[1] = v[1]
    return y * x[0] + x.sum(0)


def _slice_of_row_setitem(lib, w, v):
    x = w * 1
    x[0][1:3] = v[:2]
    return x * 3


def _transposed_view_setitem(lib, w, v):
    x = w.sin()
    t = x.t()
    t[1][2] = v[3]
    return x.sum(1) * v[0]


def _base_changed_views_before(lib, w, v):
    x = w * 1
    a, b = x[0], x[:, 1]
    x.mul_(v.reshape(1, 4))
    return a.sum() * b + x[2, :3]


def _sibling_view_changed(lib, w, v):
    x = w * 2
    a, b = x[0], x[:, 1]
    a.mul_(v[0])
    return b * 1 + a.sum()


def _view_of_view_after_base_add(lib, w, v):
    x = w * 1
    c = x[1][1:]
    x.add_(v)
    return c * c


def _transposed_view_after_row_mul(lib, w, v):
    x = w.sin()
    t = x.t()
    x[1].mul_(v[2])
    return t.sum(0) * v[3]


def _reshaped_view_after_div(lib, w, v):
    x = w + 1
    r = x.reshape(12)
    x.div_(v[1])
    return r * r


def _view_of_plain_tensor_then_grad(lib, w, v):
    x = lib.zeros(3, 4, dtype=lib.float64)
    a = x[1]
    x.add_(w)
    return a * v[0]


def _view_after_setitem_of_base(lib, w, v):
    x = w * 1
    a = x[0]
    x[0, :] = v
    return a * a


def _two_steps(lib, w, v):
    x = w * 1
    a = x[2]
    x[0][0] = v[0]
    a.mul_(v[1])
    x.t()[3].add_(v[:3])
    return x * a


PROGRAMS = [_view_of_view_setitem, _named_view_setitem, _slice_of_row_setitem,
            _transposed_view_setitem, _base_changed_views_before, _sibling_view_changed,
            _view_of_view_after_base_add, _transposed_view_after_row_mul,
            _reshaped_view_after_div, _view_of_plain_tensor_then_grad,
            _view_after_setitem_of_base, _two_steps]


@pytest.mark.parametrize("prog", PROGRAMS, ids=lambda p: p.__name__.strip("_"))
def test_values_and_gradients_as_torch(torch, prog):
    want = _run(torch, prog)
    got = _run(gk, prog)
    for g, t in zip(got, want):
        if t is None:
            assert g is None
        else:
            np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-12)


def test_setitem_into_a_view_of_a_leaf_raises_as_torch(torch):
    for lib in (torch, gk):
        w = lib.ones(2, 3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable"):
            w[0][1] = 5.0


def test_writing_a_saved_output_through_a_view_raises_at_backward_as_torch(torch):
    for lib in (torch, gk):
        w = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        x = w.exp()
        x.t()[1][0] = 2.0
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            x.sum().backward()


def test_old_view_sees_the_new_values():
    x = gk.arange(6.0).reshape(2, 3) * 1
    a = x[1]
    x.mul_(10)
    assert a.tolist() == [30.0, 40.0, 50.0]
