"""arange/linspace/logspace/range give PyTorch's exact values (its CPU kernels' arithmetic:
fused multiply-adds, the midpoint rule of linspace, arange's vector blocks), in every dtype."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32"]


def _np(t):
    return t.float().numpy() if t.dtype in (torch.bfloat16, gk.bfloat16) else t.numpy()


def _same(ours, theirs, name, ulps=0):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], name
    a, b = _np(ours), _np(theirs)
    assert a.shape == b.shape, (name, a.shape, b.shape)
    if ulps:
        bad = ~np.isclose(a, b, rtol=ulps * 2.0 ** -8, atol=0)
    else:
        bad = a != b
    assert not bad.any(), (name, np.nonzero(bad)[0][:5], a[bad][:5], b[bad][:5])


def _cases(seed, n):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        a, b = (float(x) for x in rng.normal(0, 10, 2))
        yield a, b, int(rng.integers(0, 300)), rng


@pytest.mark.parametrize("dtype", DTYPES)
def test_linspace_equals_pytorch_bit_for_bit(dtype):
    for a, b, n, _ in _cases(0, 120):
        _same(gk.linspace(a, b, n, dtype=getattr(gk, dtype)),
              torch.linspace(a, b, n, dtype=getattr(torch, dtype)), (a, b, n))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
@pytest.mark.parametrize("base", [10.0, 2.0, 0.5])
def test_logspace_equals_pytorch_bit_for_bit(dtype, base):
    for a, b, n, _ in _cases(1, 80):
        a, b = a / 10, b / 10
        _same(gk.logspace(a, b, n, base, dtype=getattr(gk, dtype)),
              torch.logspace(a, b, n, base, dtype=getattr(torch, dtype)), (a, b, n, base))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_logspace_in_16_bit_floats_within_one_rounding(dtype):
    # PyTorch rounds to the 16-bit type after each operation; rare cases differ by an ulp
    for a, b, n, _ in _cases(2, 80):
        _same(gk.logspace(a / 10, b / 10, n, dtype=getattr(gk, dtype)),
              torch.logspace(a / 10, b / 10, n, dtype=getattr(torch, dtype)), (a, b, n),
              ulps=1 if dtype == "float16" else 2)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_arange_with_a_float_step_equals_pytorch_bit_for_bit(dtype):
    for a, _, _, rng in _cases(3, 150):
        step = float(rng.uniform(0.01, 2)) * (1 if rng.random() < 0.7 else -1)
        end = a + step * int(rng.integers(1, 600)) + step / 3
        _same(gk.arange(a, end, step, dtype=getattr(gk, dtype)),
              torch.arange(a, end, step, dtype=getattr(torch, dtype)), (a, end, step))


def test_arange_common_spellings():
    for args in [(10,), (0, 1, 0.1), (1, 2.5, 0.25), (-3, 3), (0.5, 100.5), (5, -5, -0.7)]:
        _same(gk.arange(*args), torch.arange(*args), args)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_deprecated_range_equals_pytorch(dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for a, _, _, rng in _cases(4, 100):
            step = float(rng.uniform(0.01, 2))
            end = a + step * int(rng.integers(1, 300)) + step / 3
            _same(gk.range(a, end, step, dtype=getattr(gk, dtype)),
                  torch.range(a, end, step, dtype=getattr(torch, dtype)), (a, end, step))


def test_linspace_casts_integer_bounds_first_as_pytorch():
    # the bounds truncate to the integer type, then the step is taken in double
    _same(gk.linspace(-3.7, 9.2, 7, dtype=gk.int32), torch.linspace(-3.7, 9.2, 7,
                                                                    dtype=torch.int32), "int")
    assert gk.linspace(-3.7, 9.2, 7, dtype=gk.int32).tolist() == [-3, -1, 1, 3, 5, 7, 9]


def test_linspace_edge_cases_and_errors():
    assert gk.linspace(1.0, 2.0, 1).tolist() == [1.0]
    assert gk.linspace(1.0, 2.0, 0).shape == (0,)
    assert gk.linspace(gk.tensor(0.0), gk.tensor(1.0), 3).tolist() == [0.0, 0.5, 1.0]
    assert gk.logspace(2.0, 3.0, 1).tolist() == [100.0]
    with pytest.raises(RuntimeError, match="number of steps must be non-negative"):
        gk.linspace(0, 1, -1)
    with pytest.raises(TypeError, match="'steps' must be int, not float"):
        gk.linspace(0, 1, 2.5)
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        gk.linspace(0, 1, 3, dtype=gk.bool)
    x = gk.linspace(0, 1, 4, requires_grad=True)
    assert x.requires_grad and x.is_leaf


def test_positional_encoding_idiom_matches_pytorch():
    # the transformer tutorial's sinusoidal table: arange + exp + sin/cos
    d, n = 16, 50

    def table(m):
        position = m.arange(0, n, dtype=m.float32).unsqueeze(1)
        div = m.exp(m.arange(0, d, 2).float() * (-math.log(10000.0) / d))
        pe = m.zeros(n, d)
        pe[:, 0::2] = m.sin(position * div)
        pe[:, 1::2] = m.cos(position * div)
        return pe

    np.testing.assert_allclose(table(gk).numpy(), table(torch).numpy(), rtol=0, atol=2e-7)


@pytest.mark.parametrize("args", [(-2, 4), (3, -4), (0, 0)])
def test_eye_negative_sizes_raise_as_torch(args):
    # NumPy's ValueError (negative dimensions are not allowed) reached the user
    try:
        want = tuple(torch.eye(*args).shape)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="eye"):
            gk.eye(*args)
        return
    assert tuple(gk.eye(*args).shape) == want


@pytest.mark.parametrize("start, end, steps", [(1e10, 2.0, 5), (2.0, 1e10, 5), (1e10, 1.0, 1),
                                               (400.0, -400.0, 3)])
def test_logspace_overflow_is_inf_as_torch(start, end, steps):
    # Python's math.pow raised OverflowError (math range error) where C's pow gives inf
    np.testing.assert_array_equal(gk.logspace(start, end, steps).numpy(),
                                  torch.logspace(start, end, steps).numpy())


@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64", "float16", "float32", "bool"])
@pytest.mark.parametrize("value", [1e10, 300, -1, -300, float("inf"), float("nan"), 70000.0,
                                   2.5, True, 2 ** 40])
@pytest.mark.parametrize("like", [False, True])
def test_full_checks_and_wraps_the_fill_value_as_torch(dtype, value, like):
    # full/full_like wrote any value through NumPy's unsafe cast (uint8 1e10, int32 inf) or
    # raised NumPy's OverflowError (uint8 -1, which PyTorch wraps to 255)
    import warnings

    def outcome(m):
        dt = getattr(m, dtype)
        try:
            out = m.full_like(m.ones(2, dtype=dt), value) if like else m.full((2,), value,
                                                                              dtype=dt)
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            return type(e).__name__
        return str(out.tolist())

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert outcome(gk) == outcome(torch)


@pytest.mark.parametrize("dtype", ["complex64", "complex128", None])
def test_complex_linspace_equals_pytorch_bit_for_bit(dtype):
    # complex bounds: a complex result (complex64 by default), each part PyTorch's real
    # linspace of that part (gradkit raised a raw TypeError from float())
    rng = np.random.default_rng(3)
    for a, b, n, _ in _cases(4, 60):
        lo = complex(a, rng.normal(0, 10))
        hi = complex(rng.normal(0, 10), b) if n % 3 else b  # a real end beside a complex start
        kw = {} if dtype is None else {"dtype": getattr(gk, dtype)}
        tkw = {} if dtype is None else {"dtype": getattr(torch, dtype)}
        ours, theirs = gk.linspace(lo, hi, n, **kw), torch.linspace(lo, hi, n, **tkw)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(gk.linspace(gk.tensor(1j), 2, 3).numpy(),
                                  torch.linspace(torch.tensor(1j), 2, 3).numpy())
    np.testing.assert_array_equal(gk.linspace(0, 1, 4, dtype=gk.complex64).numpy(),
                                  torch.linspace(0, 1, 4, dtype=torch.complex64).numpy())


@pytest.mark.parametrize("dtype,rtol", [("complex64", 2e-5), ("complex128", 1e-12)])
def test_complex_logspace_within_rounding_of_pytorch(dtype, rtol):
    # base ** z of the complex linspace: PyTorch's pow in the result type loses a few digits of
    # the phase for large exponents; gradkit's is exact in double, then rounded
    for a, b, n, rng in _cases(5, 40):
        lo, hi = complex(a / 5, rng.normal(0, 2)), complex(b / 5, rng.normal(0, 2))
        ours = gk.logspace(lo, hi, n, 2.0, dtype=getattr(gk, dtype))
        theirs = torch.logspace(lo, hi, n, 2.0, dtype=getattr(torch, dtype))
        assert ours.dtype == getattr(gk, dtype)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=rtol, atol=0)


def test_complex_bounds_with_a_real_dtype_raise_as_torch():
    for fn in ("linspace", "logspace"):
        with pytest.raises(RuntimeError) as theirs:
            getattr(torch, fn)(0, 1j, 3, dtype=torch.float32)
        with pytest.raises(type(theirs.value), match="complex dtype"):
            getattr(gk, fn)(0, 1j, 3, dtype=gk.float32)
    old = gk.get_default_dtype()
    gk.set_default_dtype(gk.float64)
    try:
        assert gk.linspace(0, 1j, 2).dtype == gk.complex128
    finally:
        gk.set_default_dtype(old)


@pytest.mark.parametrize("args", [(None,), (None, 5), (0, 5, None), (None, None)])
def test_arange_refuses_a_none_bound_or_step_as_torch(args):
    # a raw TypeError from math.isfinite(None) before
    with pytest.raises(TypeError):
        torch.arange(*args)
    with pytest.raises(TypeError, match=r"arange\(\): argument '(start|end|step)' must be Number"):
        gk.arange(*args)


@pytest.mark.parametrize("name", ["linspace", "logspace"])
@pytest.mark.parametrize("start, end", [((1,), ()), ((), (1,)), ((), (2,)), ((1, 1), (1,))])
def test_space_bounds_with_dims_raise_as_torch(name, start, end):
    # PyTorch takes 0-d start/end tensors only (gradkit took any one-element tensor)
    def bounds(m):
        return m.zeros(start), m.ones(end)

    with pytest.raises(RuntimeError) as te:
        getattr(torch, name)(*bounds(torch), 3)
    with pytest.raises(RuntimeError) as ge:
        getattr(gk, name)(*bounds(gk), 3)
    assert str(te.value).split(".")[0] in str(ge.value)


@pytest.mark.parametrize("call", [
    lambda L: L.arange(np.float64(1.5)), lambda L: L.arange(np.float16(2.5)),
    lambda L: L.arange(0, np.float64(2.5)), lambda L: L.arange(0, 3, np.float64(0.5)),
    lambda L: L.arange(np.int32(3)), lambda L: L.arange(np.bool_(True)),
    lambda L: L.full((2,), np.float64(1.25)), lambda L: L.full((2,), np.float16(1)),
    lambda L: L.full((2,), np.int8(3)), lambda L: L.full((2,), np.bool_(True)),
    lambda L: L.full((2,), np.complex128(1 + 2j)),
])
def test_numpy_scalar_bounds_take_the_default_dtypes(call):
    # PyTorch reads a NumPy scalar given as a Scalar argument as the Python number: a float is
    # the default dtype, an int int64 (gradkit kept np.float64's and np.float16's own dtype;
    # arg fuzzer seed 34)
    t, g = call(torch), call(gk)
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_array_equal(g.numpy(), t.numpy())
