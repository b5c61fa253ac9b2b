"""``gradkit.testing``: ``assert_close`` and ``make_tensor``, as ``torch.testing``.

``assert_close(actual, expected)`` passes when ``|actual - expected| <= atol + rtol *
|expected|`` elementwise, with PyTorch's default tolerances per dtype (float16 ``rtol=1e-3,
atol=1e-5``, bfloat16 ``1.6e-2, 1e-5``, float32 ``1.3e-6, 1e-5``, float64 ``1e-7, 1e-7``;
complex32/64/128 as float16/32/64 on the moduli of the differences; integers and bool exact;
the larger of the two dtypes' when ``check_dtype=False`` lets them differ). Tensors, NumPy
arrays, Python numbers and (nested) sequences and mappings of them are compared; a failure
raises ``AssertionError`` with PyTorch's message layout (mismatched elements, greatest absolute
and relative difference and where, the item of a sequence).
"""

from __future__ import annotations

import collections.abc
import math
from typing import Any, Callable, Optional, Union

import numpy as np

__all__ = ["assert_close", "assert_allclose", "make_tensor"]

_TOLERANCES = {  # dtype name: (rtol, atol), as torch.testing._comparison
    "float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7), "complex32": (1e-3, 1e-5), "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}


def _tensor_cls():
    from ._tensor import Tensor

    return Tensor


def _dtype_key(dtype) -> str:
    return str(dtype).replace("gradkit.", "").replace("torch.", "")


def _default_tolerances(*dtypes):
    rtols, atols = zip(*(_TOLERANCES.get(_dtype_key(d), (0.0, 0.0)) for d in dtypes))
    return max(rtols), max(atols)


def _fmt(x) -> str:
    return repr(x.item() if isinstance(x, np.generic) else x)


class _Mismatch(AssertionError):
    pass


def _fail(message, msg, extra=""):
    text = message + extra
    if callable(msg):
        text = msg(text)
    elif msg is not None:
        text = msg
    raise AssertionError(text)


def _attr_mismatch(name, a, e):
    return f"The values for attribute '{name}' do not match: {a} != {e}."


def _compare_arrays(a, e, rtol, atol, equal_nan, identifier, scalar):
    """The mismatch message of two same-shape arrays, or None when they are close."""
    exact = rtol == 0 and atol == 0
    # as torch: differences in the promoted dtype; relative ones in float32 for integers
    work = np.result_type(a.dtype, e.dtype)
    if work.kind == "b":
        work = np.dtype(np.int64)
    af, ef = a.astype(work), e.astype(work)
    inexact = work.kind in "fc"  # complex: |a - e| <= atol + rtol * |e| in moduli, as torch
    fwork = np.abs(np.zeros(0, work)).dtype if inexact else np.dtype(np.float32)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        ok = af == ef
        if inexact:
            diff = np.abs(af - ef)
            finite = np.isfinite(af) & np.isfinite(ef)
            ok = ok | (finite & (diff <= fwork.type(atol) + fwork.type(rtol) * np.abs(ef)))
            if equal_nan:
                ok = ok | (np.isnan(af) & np.isnan(ef))
    if ok.all():
        return None
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        absdiff = np.abs(af - ef)
        reldiff = absdiff.astype(fwork) / np.abs(ef).astype(fwork)
    tol_abs = "" if exact else f" (up to {atol} allowed)"
    tol_rel = "" if exact else f" (up to {rtol} allowed)"
    close = "equal" if exact else "close"
    if scalar:  # as torch: from the Python values (float64)
        wide = np.complex128 if work.kind == "c" else np.float64
        a64, e64 = (x.astype(wide).reshape(-1)[0] if inexact else
                    int(x.reshape(-1)[0]) for x in (af, ef))
        absdiff = np.abs(wide(a64) - wide(e64)).reshape(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            reldiff = absdiff / np.abs(wide(e64))
        return (f"{identifier} are not {close}!\n\nExpected {_fmt(ef.reshape(-1)[0])} but got "
                f"{_fmt(af.reshape(-1)[0])}.\nAbsolute difference: "
                f"{_fmt(absdiff.reshape(-1)[0])}{tol_abs}\nRelative difference: "
                f"{_fmt(reldiff.reshape(-1)[0])}{tol_rel}")
    bad = ~ok
    total = ok.size
    absdiff = absdiff.astype(np.float64) if inexact else absdiff
    nbad = int(bad.sum())

    def where(values):
        v = np.where(bad, np.nan_to_num(values.astype(np.float64), nan=np.inf), -np.inf)
        i = np.unravel_index(int(np.argmax(v)), values.shape)
        return values[i], tuple(int(j) for j in i)

    amax, ai = where(absdiff)
    rmax, ri = where(reldiff)
    return (f"{identifier} are not {close}!\n\nMismatched elements: {nbad} / {total} "
            f"({100.0 * nbad / total:.1f}%)\n"
            f"Greatest absolute difference: {_fmt(amax)} at index {ai}{tol_abs}\n"
            f"Greatest relative difference: {_fmt(rmax)} at index {ri}{tol_rel}")


def _strides(t):
    if hasattr(t, "stride"):
        return tuple(t.stride())
    data = t._data
    return tuple(int(st) // data.itemsize for st in data.strides)


def _leaf_kind(x):
    T = _tensor_cls()
    if isinstance(x, T):
        return "tensor"
    if isinstance(x, np.ndarray):
        return "array"
    if isinstance(x, (bool, int, float, np.number, np.bool_)):
        return "number"
    return None


def _pairs(actual, expected, path=""):
    """Yield ``(actual, expected, path)`` leaf pairs of nested sequences and mappings."""
    ka, ke = _leaf_kind(actual), _leaf_kind(expected)
    if ka is None and ke is None:
        str_like = (str, bytes)
        if (isinstance(actual, collections.abc.Sequence)
                and isinstance(expected, collections.abc.Sequence)
                and not isinstance(actual, str_like) and not isinstance(expected, str_like)):
            if len(actual) != len(expected):
                raise AssertionError(f"The length of the sequences mismatch: {len(actual)} != "
                                     f"{len(expected)}" + (f"\n\nThe failure occurred for item "
                                                           f"{path}" if path else ""))
            for i, (a, e) in enumerate(zip(actual, expected)):
                yield from _pairs(a, e, f"{path}[{i}]")
            return
        if (isinstance(actual, collections.abc.Mapping)
                and isinstance(expected, collections.abc.Mapping)):
            if set(actual) != set(expected):
                raise AssertionError(f"The keys of the mappings do not match:\nMissing keys in "
                                     f"the actual mapping: {sorted(set(expected) - set(actual))}"
                                     f"\nAdditional keys in the actual mapping: "
                                     f"{sorted(set(actual) - set(expected))}")
            for k in expected:
                yield from _pairs(actual[k], expected[k], f"{path}[{k!r}]")
            return
    if ka is None or ke is None or (ka == "number") != (ke == "number"):
        raise TypeError(f"No comparison pair was able to handle inputs of type "
                        f"{type(actual)} and {type(expected)}.")
    yield actual, expected, path


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True,
                 rtol: Optional[float] = None, atol: Optional[float] = None,
                 equal_nan: bool = False, check_device: bool = True, check_dtype: bool = True,
                 check_layout: bool = True, check_stride: bool = False,
                 msg: Union[str, Callable[[str], str], None] = None) -> None:
    """Assert that ``actual`` and ``expected`` are close (see the module docstring).

    Args:
        rtol, atol: tolerances; both or neither (then the defaults of the dtypes).
        equal_nan: NaNs in the same places compare equal.
        check_device, check_dtype, check_stride: also require the same device, dtype and
            strides (``check_stride`` off by default, as in PyTorch).
        check_layout, allow_subclasses: accepted for compatibility (gradkit has only strided
            Tensors and no subclasses to tell apart).
        msg: a message to raise instead, or a function from the generated message to one.

    Raises:
        AssertionError: the inputs are not close, or their shapes, dtypes, devices or strides
            differ.
        TypeError: the inputs are of kinds that cannot be compared (a Tensor and a float).
        ValueError: only one of ``rtol`` and ``atol`` is given.
    """
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {'rtol' if rtol is None else 'atol'}.")
    for a, e, path in list(_pairs(actual, expected)):
        extra = f"\n\nThe failure occurred for item {path}" if path else ""
        _compare_leaf(a, e, rtol, atol, equal_nan, check_device, check_dtype, check_stride, msg,
                      extra)


def _compare_leaf(a, e, rtol, atol, equal_nan, check_device, check_dtype, check_stride, msg,
                  extra):
    if _leaf_kind(a) == "number":
        if check_dtype and type(a) is not type(e) and not (
                isinstance(a, (int, float)) and isinstance(e, (int, float))
                and isinstance(a, bool) == isinstance(e, bool)
                and isinstance(a, float) == isinstance(e, float)):
            _fail(_attr_mismatch("type", type(a), type(e)), msg, extra)
        ad, ed = np.asarray(a), np.asarray(e)
        if rtol is None:
            rtol, atol = _default_tolerances(*("float64" if x.dtype.kind == "f" else x.dtype
                                               for x in (ad, ed)))
        m = _compare_arrays(ad, ed, rtol, atol, equal_nan, "Scalars", scalar=True)
        if m:
            _fail(m, msg, extra)
        return
    T = _tensor_cls()
    is_t = isinstance(a, T)
    ad = a.detach().numpy() if is_t and a.device.type == "cpu" else (
        np.asarray(a.detach().cpu().numpy()) if is_t else np.asarray(a))
    ed = e.detach().numpy() if isinstance(e, T) and e.device.type == "cpu" else (
        np.asarray(e.detach().cpu().numpy()) if isinstance(e, T) else np.asarray(e))
    if tuple(ad.shape) != tuple(ed.shape):
        sa = tuple(a.shape) if is_t else ad.shape
        se = tuple(e.shape) if isinstance(e, T) else ed.shape
        from ._tensor import Size  # (prints as torch.Size under gradkit run)

        _fail(_attr_mismatch("shape", repr(Size(sa)), repr(Size(se))), msg, extra)
    if check_device and is_t and isinstance(e, T) and str(a.device) != str(e.device):
        _fail(_attr_mismatch("device", a.device, e.device), msg, extra)
    da, de = (a.dtype if is_t else ad.dtype), (e.dtype if isinstance(e, T) else ed.dtype)
    if check_dtype and _dtype_key(da) != _dtype_key(de):
        from . import _dtype

        ns = _dtype._NAMESPACE[0]  # "torch" under gradkit run, as tensor reprs
        _fail(_attr_mismatch("dtype", f"{ns}.{_dtype_key(da)}", f"{ns}.{_dtype_key(de)}"),
              msg, extra)
    if check_stride and is_t and isinstance(e, T) and _strides(a) != _strides(e):
        _fail(_attr_mismatch("stride()", _strides(a), _strides(e)), msg, extra)
    if rtol is None:
        rtol, atol = _default_tolerances(da, de)
    m = _compare_arrays(ad, ed, rtol, atol, equal_nan, "Tensor-likes", scalar=ad.ndim == 0)
    if m:
        _fail(m.replace("Tensor-likes", "Scalars", 1) if ad.ndim == 0 else m, msg, extra)


# ------------------------------------------------------------------------------- make_tensor
_DEFAULT_RANGES = {"f": (-9.0, 9.0), "i": (-9, 10), "u": (0, 10)}


def make_tensor(*shape, dtype, device=None, low: Optional[float] = None,
                high: Optional[float] = None, requires_grad: bool = False,
                noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format=None):
    """A Tensor of ``shape`` filled with values drawn uniformly from ``[low, high)`` (floats:
    ``[-9, 9)`` by default; integers ``[-9, 10)``, unsigned ``[0, 10)``; bool at random),
    from gradkit's generator, as ``torch.testing.make_tensor``.

    ``noncontiguous`` returns a non-contiguous view with the same values; ``exclude_zero``
    replaces zeros by the dtype's tiny value (floats) or 1 (integers)."""
    import gradkit as gk

    if len(shape) == 1 and isinstance(shape[0], (tuple, list)) or (
            len(shape) == 1 and hasattr(shape[0], "__len__")):
        shape = tuple(shape[0])
    shape = tuple(int(s) for s in shape)
    np_dtype = gk._dtype.np_dtype(dtype)
    kind = "f" if dtype.is_floating_point else np_dtype.kind  # (bfloat16's NumPy kind is V)
    if requires_grad and kind not in "fc":
        raise ValueError("make_tensor: requires_grad=True is not supported for boolean or "
                         "integral dtypes")
    if low is not None and high is not None and low > high:
        raise ValueError(f"make_tensor: low must be less than or equal to high, got {low} and "
                         f"{high}")
    for v, name in ((low, "low"), (high, "high")):
        if v is not None and isinstance(v, float) and math.isnan(v):
            raise ValueError(f"make_tensor: {name} cannot be NaN")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    full = shape[:-1] + (shape[-1] * 2,) if noncontiguous else shape
    if kind == "b":
        t = gk.randint(0, 2, tuple(full)).to(dtype=gk.bool)  # (PyTorch's randint draws)
    else:
        lo, hi = _DEFAULT_RANGES[kind if kind in "iu" else "f"]
        lo = lo if low is None else max(low, lo if kind in "fc" else np.iinfo(np_dtype).min)
        hi = hi if high is None else high
        if kind in "fc":
            # PyTorch's uniform_ (a complex tensor's real and imaginary parts drawn pairwise)
            real = dtype if kind == "f" else (
                gk._dtype.float32 if np_dtype == np.complex64 else gk._dtype.float64)
            t = gk.empty(tuple(full) + ((2,) if kind == "c" else ()), dtype=real)
            if hi - lo >= gk.finfo(real).max:  # (uniform_ needs a representable width)
                t.uniform_(lo / 2, hi / 2).mul_(2)
            else:
                t.uniform_(lo, hi)
            if kind == "c":
                t = gk.view_as_complex(t.contiguous())
        else:
            lo_i = int(math.ceil(lo))
            hi_excl = max(int(math.ceil(hi)), lo_i + 1)
            t = gk.randint(lo_i, hi_excl, full).to(dtype=dtype)
        if exclude_zero:
            repl = np.finfo(np_dtype).tiny if kind in "fc" else 1
            t = gk.where(t == 0, gk.tensor(repl, dtype=dtype), t)
    if noncontiguous:
        t = t[..., 1::2]  # (PyTorch's view: offset by one as well)
    if device is not None:
        t = t.to(device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def assert_allclose(actual: Any, expected: Any, rtol: Optional[float] = None,
                    atol: Optional[float] = None, equal_nan: bool = True, msg: str = "") -> None:
    """PyTorch's deprecated ``assert_allclose``: ``assert_close`` on values converted to tensors,
    NaNs equal, dtypes free to differ (tolerances from the two dtypes); warns as PyTorch."""
    import warnings

    from .factories import as_tensor

    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be "
                  "removed in a future release. Please use `torch.testing.assert_close()` "
                  "instead. You can find detailed upgrade instructions in "
                  "https://github.com/pytorch/pytorch/issues/61844.", FutureWarning,
                  stacklevel=2)
    tensor = _tensor_cls()
    actual = actual if isinstance(actual, tensor) else as_tensor(actual)
    expected = expected if isinstance(expected, tensor) else as_tensor(expected,
                                                                       dtype=actual.dtype)
    if rtol is None and atol is None:
        rtol, atol = _default_tolerances(actual.dtype, expected.dtype)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_dtype=False, check_stride=False, msg=msg or None)
