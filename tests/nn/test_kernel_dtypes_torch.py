"""The exception types PyTorch raises for the dtypes of the normalisations, convolutions and
cdist (which kernel has which dtype, which check comes first), and batch_norm of an empty
input; each case is compared with torch."""

import itertools

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _outcome(lib, fn):
    try:
        r = fn(lib)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e)
    return np.asarray(r.detach().float().numpy())


def _same(fn):
    g, t = _outcome(gk, fn), _outcome(torch, fn)
    if isinstance(t, type):
        assert g is t, f"gradkit {g}, torch {t}"
    else:
        assert not isinstance(g, type), f"gradkit raised {g}"
        np.testing.assert_allclose(g, t, rtol=1e-3, atol=1e-3)


def _mk(L, dt, *shape):
    return None if dt is None else L.ones(*shape, dtype=getattr(L, dt))


PARAMS = [("float16", "float32"), ("float32", "float16"), ("float32", None), (None, "float32"),
          ("float64", "float32"), ("float16", "float16"), ("float32", "float32"),
          ("int32", "float32"), ("float32", "int32"), ("int32", "int32"), ("int32", "float64")]


@pytest.mark.parametrize("dx", ["float16", "float32", "int32", "bool"])
@pytest.mark.parametrize("dw,db", PARAMS)
def test_normalisation_parameter_dtypes_as_torch(dx, dw, db):
    # PyTorch's is_mixed_type: the first parameter given decides; an integer input with
    # parameters of its own dtype reaches the kernel (NotImplementedError)
    F = "nn.functional"

    def f(L):
        return _attr(L, F)

    _same(lambda L: f(L).layer_norm(_mk(L, dx, 2, 4), [4], _mk(L, dw, 4), _mk(L, db, 4)))
    _same(lambda L: f(L).group_norm(_mk(L, dx, 2, 4), 2, _mk(L, dw, 4), _mk(L, db, 4)))
    _same(lambda L: f(L).batch_norm(_mk(L, dx, 2, 4), None, None, _mk(L, dw, 4), _mk(L, db, 4),
                                    True))
    _same(lambda L: f(L).instance_norm(_mk(L, dx, 2, 4, 3), None, None, _mk(L, dw, 4),
                                       _mk(L, db, 4), True))


def _attr(L, path):
    for p in path.split("."):
        L = getattr(L, p)
    return L


@pytest.mark.parametrize("dx", ["float32", "int64", "int32", "int16", "uint8", "bool"])
@pytest.mark.parametrize("dilation,groups", [(1, 1), (2, 1), (2, 2)])
def test_convolution_kernel_dtypes_as_torch(dx, dilation, groups):
    # the dilated kernel (slow_conv_dilated) has floating and int64 only, checked before the
    # weight's dtype
    for dw in ("float32", "int64", "int32", "bool"):
        def conv(L, op, *shape, dw=dw):
            w = _mk(L, dw, 4, 4 // groups, *(3,) * (len(shape) - 2))
            x = _mk(L, dx, *shape)
            if op == "conv_transpose2d":
                return L.nn.functional.conv_transpose2d(x, w, None, 1, 0, 0, groups, dilation)
            return getattr(L.nn.functional, op)(x, w, None, 1, 0, dilation, groups)
        _same(lambda L: conv(L, "conv2d", 1, 4, 5, 5))
        _same(lambda L: conv(L, "conv1d", 1, 4, 5))
        _same(lambda L: conv(L, "conv_transpose2d", 1, 4, 5, 5))


@pytest.mark.parametrize("da,db", list(itertools.product(
    ["float16", "bfloat16", "float32", "float64"], repeat=2)))
def test_cdist_dispatches_on_x1s_dtype_first(da, db):
    _same(lambda L: L.cdist(_mk(L, da, 3, 4), _mk(L, db, 5, 4)))


BN_EMPTY = [((0, 3), (3,), (), (3,), (3,)), ((0, 3), (3,), (3,), (), (3,)),
            ((0, 3), (3,), (3,), (3,), ()), ((0, 3), (3,), (3,), (3,), (0,)),
            ((0, 3), (3,), (3,), (0,), (3,)), ((0, 3), (3,), (3,), (5,), (4,)),
            ((0, 3), None, None, (3,), (3,)), ((4, 3, 0), (3,), (0,), (3,), (3,)),
            ((0,), None, None, (3,), (2,))]


@pytest.mark.parametrize("shapes", BN_EMPTY)
@pytest.mark.parametrize("training", [False, True])
def test_batch_norm_of_an_empty_input_as_torch(shapes, training):
    # no check of the channel parameters: input.clone() * weight[0] + bias[0]
    def f(L):
        t = [None if s is None else L.ones(s, dtype=L.float64) for s in shapes]
        return L.nn.functional.batch_norm(t[0], t[1], t[2], t[3], t[4], training, 0.1, 1e-5)
    _same(f)


def test_batch_norm_of_an_empty_input_keeps_weight_and_bias_in_the_graph():
    w = gk.ones(3, dtype=gk.float64, requires_grad=True)
    b = gk.ones(3, dtype=gk.float64, requires_grad=True)
    y = gk.nn.functional.batch_norm(gk.ones(0, 3, dtype=gk.float64), None, None, w, b, True)
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros(3))
    np.testing.assert_array_equal(b.grad.numpy(), np.zeros(3))


@pytest.mark.parametrize("op,shape", [
    (op, s) for op in ("adaptive_max_pool1d", "adaptive_avg_pool1d")
    for s in ((2, 0, 8), (0, 3, 8), (2, 3, 0), (0, 8), (3, 0), (0, 0, 8))] + [
    (op, s) for op in ("adaptive_max_pool2d", "adaptive_avg_pool2d")
    for s in ((2, 0, 8, 4), (0, 3, 8, 4), (2, 3, 0, 4), (0, 8, 4), (3, 0, 4))] + [
    (op, s) for op in ("adaptive_max_pool3d", "adaptive_avg_pool3d")
    for s in ((2, 0, 8, 4, 4), (0, 3, 8, 4, 4), (0, 8, 4, 4), (3, 0, 4, 4))])
def test_adaptive_pooling_of_empty_dimensions_as_torch(op, shape):
    # adaptive max pooling (and 3-D average pooling) refuse an empty dimension after the first
    _same(lambda L: getattr(L.nn.functional, op)(L.ones(*shape, dtype=L.float64), 3))
