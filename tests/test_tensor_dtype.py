"""dtypes, the default dtype, and PyTorch's type promotion, checked against torch."""

import itertools

import numpy as np
import pytest

import gradkit as gk

DTYPES = ["float16", "float32", "float64", "int32", "int64", "bool", "uint8", "int8"]
SCALARS = [2, 2.5, True]
OPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "sub": lambda a, b: a - b if not _is_bool(a, b) else a + b,
    "div": lambda a, b: a / b,
    "maximum": lambda a, b, m=None: None,
}


def _is_bool(a, b):
    return str(getattr(a, "dtype", "")).endswith("bool") and (
        str(getattr(b, "dtype", "")).endswith("bool") or isinstance(b, bool))


def _name(dt):
    return str(dt).replace("torch.", "").replace("gradkit.", "")


def _make(mod, dtype, zero_d):
    shape = () if zero_d else (2,)
    return mod.ones(shape, dtype=getattr(mod, dtype))


@pytest.fixture(autouse=True)
def _restore_default_dtype():
    yield
    gk.set_default_dtype(gk.float32)


@pytest.mark.parametrize("op", ["add", "mul", "div"])
@pytest.mark.parametrize("da,za,db,zb", [
    (da, za, db, zb) for da, db in itertools.product(DTYPES, DTYPES)
    for za, zb in ((False, False), (True, False), (False, True), (True, True))
])
def test_tensor_tensor_promotion(torch, op, da, za, db, zb):
    fn = OPS[op]
    ta, tb = _make(torch, da, za), _make(torch, db, zb)
    ga, gb = _make(gk, da, za), _make(gk, db, zb)
    expected = fn(ta, tb).dtype
    assert _name(fn(ga, gb).dtype) == _name(expected)
    assert _name(gk.result_type(ga, gb)) == _name(torch.result_type(ta, tb))
    assert _name(gk.promote_types(getattr(gk, da), getattr(gk, db))) == \
        _name(torch.promote_types(getattr(torch, da), getattr(torch, db)))


@pytest.mark.parametrize("op", ["add", "mul", "div", "radd", "rmul", "rdiv", "rsub", "pow",
                                "rpow"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("zero_d", [False, True])
@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
def test_tensor_scalar_promotion(torch, op, dtype, zero_d, scalar):
    if dtype == "bool" and op in ("rsub",) and isinstance(scalar, bool):
        pytest.skip("torch refuses bool - bool")
    fns = {"add": lambda t, s: t + s, "mul": lambda t, s: t * s, "div": lambda t, s: t / s,
           "radd": lambda t, s: s + t, "rmul": lambda t, s: s * t, "rdiv": lambda t, s: s / t,
           "rsub": lambda t, s: s - t, "pow": lambda t, s: t ** s, "rpow": lambda t, s: s ** t}
    fn = fns[op]
    try:
        expected = fn(_make(torch, dtype, zero_d), scalar).dtype
    except RuntimeError:
        pytest.skip("torch refuses this combination")
    got = fn(_make(gk, dtype, zero_d), scalar).dtype
    assert _name(got) == _name(expected)
    assert _name(gk.result_type(_make(gk, dtype, zero_d), scalar)) == _name(
        torch.result_type(_make(torch, dtype, zero_d), scalar))


def test_python_float_never_widens_float32():
    x = gk.ones(3)
    for out in (x * 0.1, x + 1e-300 * 0, 2.5 - x, x / 3.0, x ** 2.0, 2.0 ** x, x.clamp(0.1, 0.5),
                gk.where(x > 0, x, 0.5), x.masked_fill(x > 0, 1.5), x.mean() * 1.5):
        assert out.dtype == gk.float32


def test_int_tensor_division_gives_default_float():
    x = gk.tensor([1, 2, 3])
    assert x.dtype == gk.int64
    assert (x / 2).dtype == gk.float32
    assert (x / x).dtype == gk.float32
    assert (2 / x).dtype == gk.float32
    assert gk.exp(x).dtype == gk.float32
    assert (x * 2).dtype == gk.int64
    assert (x * 2.0).dtype == gk.float32
    gk.set_default_dtype(gk.float64)
    assert (x / 2).dtype == gk.float64
    assert gk.tensor([1.5]).dtype == gk.float64


def test_default_dtype(torch):
    assert gk.get_default_dtype() == gk.float32
    assert gk.tensor(1.0).dtype == gk.float32
    assert gk.tensor([1, 2]).dtype == gk.int64
    assert gk.tensor([True]).dtype == gk.bool
    assert gk.zeros(2).dtype == gk.float32
    assert gk.arange(3).dtype == gk.int64
    assert gk.arange(3.0).dtype == gk.float32
    gk.set_default_dtype(gk.float64)
    assert gk.get_default_dtype() == gk.float64
    assert gk.zeros(2).dtype == gk.float64
    assert gk.tensor([1.0]).dtype == gk.float64
    assert gk.randn(2).dtype == gk.float64
    gk.set_default_dtype(gk.float16)
    assert gk.ones(1).dtype == gk.float16
    with pytest.raises(TypeError, match="floating"):
        gk.set_default_dtype(gk.int64)


@pytest.mark.parametrize("data", [1.5, 2, True, [1, 2.5], [[1, 2], [3, 4]], [True, False],
                                  [True, 2], np.float64(1.5), np.int32(3), [np.float64(1.0), 2],
                                  [np.int32(2), np.float32(1.0)], np.array([1, 2], np.int16),
                                  np.array(2.5), []], ids=repr)
def test_tensor_infers_dtype_like_torch(torch, data):
    assert _name(gk.tensor(data).dtype) == _name(torch.tensor(data).dtype)
    assert gk.tensor(data).shape == tuple(torch.tensor(data).shape)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_conversions(torch, dtype):
    x = gk.tensor([0.0, 1.5, -2.0])
    y = x.to(getattr(gk, dtype))
    ty = torch.tensor([0.0, 1.5, -2.0]).to(getattr(torch, dtype))
    assert _name(y.dtype) == _name(ty.dtype)
    assert y.tolist() == ty.tolist()
    assert x.to(dtype=dtype).dtype == y.dtype  # (a dtype's name by keyword; positional: device)
    with pytest.raises(RuntimeError, match=f"device string: '{dtype}'.*gradkit.{dtype} or dtype="):
        x.to(dtype)  # as PyTorch's x.to("float32"), with the fix named


def test_dtype_aliases_and_methods():
    x = gk.ones(2)
    assert x.double().dtype == gk.float64 == gk.double
    assert x.half().dtype == gk.float16 == gk.half
    assert x.long().dtype == gk.int64 == gk.long
    assert x.int().dtype == gk.int32 == gk.int
    assert x.bool().dtype == gk.bool
    assert x.float().dtype == gk.float32 == gk.float
    assert x.to(gk.float64).to(x).dtype == gk.float32
    assert x.is_floating_point() and not x.long().is_floating_point()


def test_cast_is_differentiable():
    x = gk.tensor([1.0, 2.0], requires_grad=True)
    y = (x.double() * 3).float().sum()
    y.backward()
    assert x.grad.dtype == gk.float32
    assert x.grad.tolist() == [3.0, 3.0]
    # a cast to an integer dtype leaves the graph
    assert not x.long().requires_grad


def test_requires_grad_on_integer_raises(torch):
    with pytest.raises(RuntimeError, match="floating point.*int64"):
        gk.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point.*bool"):
        gk.ones(2, dtype=gk.bool).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        gk.zeros(2, dtype=gk.int32, requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor([1, 2], requires_grad=True)


UNARY_NAMES = ["exp", "log", "sqrt", "sin", "tanh", "sigmoid", "abs", "neg", "square",
               "reciprocal", "erf", "floor", "ceil", "round", "trunc", "sign", "log1p", "expm1",
               "rsqrt", "cos", "tan", "log2"]
EXPRS = ["x.sum()", "x.sum(0)", "x.prod()", "x.cumsum(0)", "x.amax()", "x.max()",
         "m.maximum(x, x)", "m.where(x > 0, x, 2)", "m.where(x > 0, x, 2.5)",
         "m.where(x > 1, 2.5, x)", "x.clamp(0, 1)", "x.clamp(0.5)", "x * True", "x + x", "x // 2",
         "x % 2", "x ** 2", "x ** 0.5", "2 ** x", "m.cat([x, x.double()])",
         "m.stack([x, x.int()])", "-x"]


@pytest.mark.parametrize("dtype", ["float16", "float64", "int32", "int64", "bool", "uint8",
                                   "bfloat16"])
def test_result_dtypes_of_ops_match_torch(torch, dtype):
    if dtype == "bfloat16":
        pytest.importorskip("ml_dtypes")
    mismatches = []
    for expr in [f"m.{n}(x)" for n in UNARY_NAMES] + EXPRS:
        got = []
        for m in (gk, torch):
            x = m.tensor([1, 2, 3]).to(getattr(m, dtype))
            try:
                got.append(_name(eval(expr, {"m": m, "x": x}).dtype))
            except (RuntimeError, NotImplementedError, TypeError):
                got.append(None)
        if got[1] is not None and got[0] != got[1]:
            mismatches.append((expr, got))
    assert not mismatches


# ------------------------------------------------------------------ the dtype objects
ALL_DTYPES = ["float16", "float32", "float64", "bfloat16", "int8", "int16", "int32", "int64",
              "uint8", "bool", "complex64", "complex128"]


@pytest.mark.parametrize("name", ALL_DTYPES)
def test_dtype_objects_read_like_torch(torch, name):
    if name == "bfloat16":
        pytest.importorskip("ml_dtypes")
    d, t = getattr(gk, name), getattr(torch, name)
    assert isinstance(d, gk.dtype)
    assert repr(d) == str(d) == repr(t).replace("torch.", "gradkit.")
    for attr in ("is_floating_point", "is_complex", "is_signed", "itemsize"):
        assert getattr(d, attr) == getattr(t, attr), attr
    if t.is_complex or t in (torch.float32, torch.float64):
        assert repr(d.to_real()) == repr(t.to_real()).replace("torch.", "gradkit.")
        assert repr(d.to_complex()) == repr(t.to_complex()).replace("torch.", "gradkit.")
    x = gk.zeros(2, dtype=d)
    assert x.dtype is d and str(x.dtype) == str(torch.zeros(2, dtype=t).dtype).replace(
        "torch.", "gradkit.")


def test_dtype_objects_print_as_torch_under_gradkit_run():
    from gradkit.compat.runner import torch_style

    torch_style(True)
    try:
        assert repr(gk.float64) == "torch.float64"
        assert repr(gk.ones(2, dtype=gk.float64)) == "tensor([1., 1.], dtype=torch.float64)"
        assert repr(gk.ones(2, 3).shape) == "torch.Size([2, 3])"
    finally:
        torch_style(False)
    assert repr(gk.float64) == "gradkit.float64"
    assert repr(gk.ones(2, dtype=gk.float64)) == "tensor([1., 1.], dtype=gradkit.float64)"
    assert repr(gk.ones(2, 3).shape) == "gradkit.Size([2, 3])"


@pytest.mark.parametrize("name", ["float16", "float32", "float64", "int8", "int32", "int64",
                                  "uint8", "bool", "complex64"])
def test_dtype_objects_work_as_numpy_dtypes(name):
    import copy
    import pickle
    import warnings

    d, nd = getattr(gk, name), np.dtype(name if name != "bool" else np.bool_)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DeprecationWarning from NumPy's dtype protocol
        assert np.dtype(d) == nd and type(np.dtype(d)) is type(nd)
        assert np.arange(3).astype(d).dtype == nd
        assert np.zeros(2, dtype=d).dtype == nd and np.array([1], dtype=d).dtype == nd
        assert np.empty((1,), d).dtype == nd and np.full(2, 1, d).dtype == nd
    assert d == nd and nd == d and d == nd.type and nd.type == d and not d != nd
    assert d == name and d != (gk.float64 if name != "float64" else gk.float32)
    assert hash(d) == hash(nd)
    assert {nd: 1}[d] == 1 and {d: 2}[nd] == 2
    assert (d.kind, d.itemsize, d.name, d.char, d.type, d.str) == (
        nd.kind, nd.itemsize, nd.name, nd.char, nd.type, nd.str)
    assert pickle.loads(pickle.dumps(d)) is d
    assert copy.copy(d) is d and copy.deepcopy({"d": d})["d"] is d
    assert gk.tensor([1, 0]).to(nd).dtype is d and gk.tensor([1, 0]).to(nd.type).dtype is d


def test_every_dtype_argument_form_is_accepted():
    for form in (gk.float64, np.float64, np.dtype("float64"), "float64", "torch.float64"):
        assert gk.zeros(2, dtype=form).dtype is gk.float64
        if not isinstance(form, str):  # (a string passed positionally is a device)
            assert gk.ones(2).to(form).dtype is gk.float64
        assert gk.tensor([1]).to(dtype=form).dtype is gk.float64
    # Python's float is torch.float64 as a dtype argument, whatever the default dtype
    assert gk.zeros(2, dtype=float).dtype is gk.float64
    assert gk.ones(2).to(float).dtype is gk.float64
    assert gk.tensor([1], dtype=float).dtype is gk.float64
    assert gk.zeros(2, dtype=complex).dtype is gk.complex128
    assert gk.zeros(2, dtype=int).dtype is gk.int64
    assert gk.zeros(2, dtype=bool).dtype is gk.bool
    assert gk.promote_types(np.float16, gk.int32) is gk.float16
    assert gk.ones(2, dtype=gk.int8).sum(dtype=np.int16).dtype is gk.int16


# ---------------------------------- PyTorch's dtypes gradkit names but keeps no tensors of
NAMED_ONLY = [f"uint{b}" for b in range(1, 8)] + [f"int{b}" for b in range(1, 8)] + [
    "bits1x8", "bits2x4", "bits4x2", "bits8", "bits16", "qint8", "quint8", "qint32", "quint4x2",
    "quint2x4", "complex32", "chalf", "bit", "float4_e2m1fn_x2"]


@pytest.mark.parametrize("name", NAMED_ONLY)
def test_named_only_dtypes_read_compare_and_pickle_as_torch(torch, name):
    import pickle

    d, t = getattr(gk, name), getattr(torch, name)
    assert isinstance(d, gk.dtype)
    assert repr(d) == repr(t).replace("torch.", "gradkit.")  # (bit and chalf: their targets')
    for attr in ("is_floating_point", "is_complex", "itemsize"):
        assert getattr(d, attr) == getattr(t, attr), attr
    assert pickle.loads(pickle.dumps(d)) is d
    others = [getattr(gk, n) for n in ("uint8", "int8", "float16", "complex64")]
    assert all(d != o and o != d for o in others)  # not the NumPy dtype stored alike
    assert {d: 1}[getattr(gk, repr(t).split(".")[1])] == 1  # aliases are the same object


@pytest.mark.parametrize("name", ["uint1", "int4", "qint8", "complex32", "float4_e2m1fn_x2"])
def test_tensors_of_named_only_dtypes_raise_saying_what_to_use(name):
    d = getattr(gk, name)
    for make in (lambda: gk.zeros(2, dtype=d), lambda: gk.ones(3).to(d),
                 lambda: gk.empty(1, dtype=name)):
        with pytest.raises(NotImplementedError, match=f"no tensors of dtype gradkit.{name}.*"
                                                      f"use uint8"):
            make()


def test_dtype_compares_unequal_to_legacy_tensor_types():
    """``dtype in (torch.float16, torch.bfloat16)`` with a legacy type (torchinfo's check of its
    ``dtypes=[torch.FloatTensor]``) is False, as in PyTorch, not a ValueError."""
    from gradkit.compat import _api

    assert (gk.float16 == _api.FloatTensor) is False and gk.float32 != _api.FloatTensor
    assert _api.LongTensor not in (gk.float16, gk.bfloat16)
