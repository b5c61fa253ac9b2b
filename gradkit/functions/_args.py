"""Argument handling shared by the function files: operands to Tensors, dims to axes, dtype
promotion of binary operands as PyTorch does it."""

from __future__ import annotations

import builtins as _builtins

import numpy as np

from .. import _dtype
from .._backend import namespace_of
from .._complex import is_host as _host
from .._int_range import check_int_scalar, int64_overflow
from .._tensor import torch_function as _tf
from .._tensor.record import apply1, apply2, apply_scalar, check_broadcast
from .._tensor.tensor import (
    Tensor,
    _int_value,
    _scalar_or_tensor,
    _shape_arg,
    _wrap_dim,
    as_tensor_arg,
    wrap,
)
from ..autograd.graph import present
from ..device import _to_namespace_of
from ..ops.elementwise import DIV as _DIV
from ..ops.elementwise import MUL as _MUL
from ..ops.elementwise import POW as _POW
from ._deferral import _deferring, _defers  # noqa: F401 - (imported from here too)

__all__ = [
    "NO_DIM", "NO_KEEPDIM", "NotATensorError", "_binary", "_check_bounds", "_check_fill_value",
    "_check_number", "_check_sub", "_defers", "_deferring", "_complex_bounds", "_number_bounds",
    "_const_like", "_dim_in", "_dim_keepdim", "_dims_tuple", "_div_operands",
    "_float_operand", "_half_number", "_in_opmath", "_int_arg", "_is_half", "_norm_axis",
    "_on_device_of", "_operands", "_promoted3", "_required_bound",
    "_raw", "_rbinary", "_result_type_of", "_same_device", "_scalar_or_tensor", "_shape_arg",
    "_missing_arg", "_not_implemented", "_t", "_tensor_attr_arg", "_tensor_operands",
    "_tensors_only", "_unsized_dims", "_axes", "_reduce_args", "_type_name", "_wrap_dim",
    "_check_int_exponent", "_repeated", "_int_list", "tensor_input_for_out",
    "_wrap_int_scalar", "_xp", "builtins_abs", "builtins_any", "builtins_max", "builtins_min",
    "builtins_sum",
]

builtins_sum, builtins_max, builtins_abs = _builtins.sum, _builtins.max, _builtins.abs
builtins_min = _builtins.min
builtins_any = _builtins.any
_ndarray = np.ndarray


_TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
                "int64": "Long", "float16": "Half", "float32": "Float", "float64": "Double",
                "bfloat16": "BFloat16", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


class _Unset:
    """A default that tells an argument left out from one passed with the same value: PyTorch's
    reductions have a form without ``dim`` that takes no ``keepdim`` (``torch.sum(x,
    keepdim=True)`` raises TypeError, ``torch.sum(x, None, True)`` does not)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return repr(self.value)


NO_DIM = _Unset(None)
NO_KEEPDIM = _Unset(False)


def _dim_keepdim(fn, dim, keepdim, none_dim=True):
    """``(dim, keepdim)`` with the defaults filled in; TypeError, as PyTorch's argument parser,
    for a ``keepdim`` without ``dim``, and ``dim=None`` where it takes an int (``none_dim``)."""
    if dim is None and not none_dim:
        raise TypeError(
            f"{fn}() received an invalid combination of arguments - got dim=None: argument "
            f"'dim' must be int, not NoneType; leave dim out to reduce over all elements "
            f"(e.g. {fn}(x))")
    if dim is NO_DIM and keepdim is not NO_KEEPDIM:
        raise TypeError(
            f"{fn}() received an invalid combination of arguments - got keepdim={keepdim!r} "
            f"without dim: the form that reduces over all elements takes no keepdim; pass "
            f"dim too, e.g. {fn}(x, dim=0, keepdim={keepdim!r})")
    return (None if dim is NO_DIM else dim), (False if keepdim is NO_KEEPDIM else keepdim)


class NotATensorError(AttributeError, TypeError):
    """A list, tuple or Python number where PyTorch's Python-level functions (``torch.split``,
    ``torch.norm``, ``torch.tensordot``, in torch/functional.py) take a Tensor: PyTorch fails
    there with an AttributeError (``'list' object has no attribute 'split'``) and its ATen forms
    (``split_with_sizes``, ``unsafe_split``, ``tensordot(out=)``) with a TypeError, so gradkit's
    error is both types (an ``except`` of either catches it), with a message saying what to
    pass."""


def _tensor_attr_arg(x, fn, name="input"):
    """``x`` as a Tensor for the functions PyTorch writes in Python (see NotATensorError)."""
    if x.__class__ is not Tensor and not isinstance(x, (Tensor, np.ndarray, np.generic)):
        # (a number, a list, None, any object: no ``.dim()`` for PyTorch's Python code)
        raise NotATensorError(
            f"{fn}(): argument '{name}' must be a Tensor, not {type(x).__name__} (PyTorch "
            f"raises AttributeError here too); make one first, e.g. gradkit.tensor({name})")
    return _t(x, name)


def _type_name(x):
    """PyTorch's name of a tensor's (or a dtype's) scalar type: ``Long``, ``Half``, ``Bool``."""
    dt = x._data.dtype if isinstance(x, Tensor) else x
    name = str(dt).replace("gradkit.", "")
    return _TORCH_NAMES.get(name, name)


def _not_implemented(fn, x, what=""):
    """PyTorch's NotImplementedError of a kernel without ``x``'s dtype (``"bincount_cpu" not
    implemented for 'Float'``), with what the op takes."""
    raise NotImplementedError(f'"{fn}" not implemented for \'{_type_name(x)}\'' +
                              (f"; {what}" if what else ""))


def _check_fill_value(value, dt, fn, scalar=True):
    """A Python number written into a tensor of dtype ``dt`` (masked_fill, index_fill) must be
    representable, as PyTorch's checked conversion: integers in range (unsigned types also take
    an int down to ``-max``, which wraps), finite for integers; a float16 value within its
    range; a complex number only into a complex tensor. ``scalar``: the parameter is PyTorch's
    ``Scalar`` (an int beyond int64/uint64 raises OverflowError), not a ``float`` (F.pad's)."""
    if value.__class__ is int and not -2 ** 63 <= value < 2 ** 64:
        value = check_int_scalar(value, fn, "value") if scalar else float(value)
    if isinstance(value, (complex, np.complexfloating)):
        if np.dtype(dt).kind != "c":
            raise RuntimeError(f"{fn}(): value cannot be converted to type {np.dtype(dt)} "
                               f"without overflow (got the complex number {value!r} for a real "
                               f"tensor); make the tensor complex first, e.g. x.to(torch.cfloat)")
        return
    if not isinstance(value, (int, float, np.number)) or isinstance(value, (bool, np.bool_)):
        return
    dt = np.dtype(dt)
    if dt.kind == "b":
        return
    if dt.kind in "iu":
        info = np.iinfo(dt)
        # (an int wraps into an unsigned type down to -max; a float must lie in the range)
        lo = -int(info.max) if dt.kind == "u" and not isinstance(value, (float, np.floating)) \
            else int(info.min)
        ok = (isinstance(value, int) or np.isfinite(value)) and lo <= value <= int(info.max)
    elif dt.kind == "f":
        v = float(value) if isinstance(value, int) else value
        ok = not np.isfinite(v) or _builtins.abs(v) <= float(np.finfo(dt).max)
    else:
        ok = True
    if not ok:
        raise RuntimeError(f"{fn}(): value cannot be converted to type {dt} without overflow "
                           f"(got {value!r}); pass a value in the tensor's range")


def _check_bounds(min, max, fn="clamp", x=None):
    """clamp's bounds: numbers or Tensors (PyTorch's TypeError for a list, a type, ...); with
    the input ``x``, the bounds returned (a complex number's real part, where PyTorch takes
    it)."""
    for name, b in (("min", min), ("max", max)):
        if b is not None and not isinstance(b, (Tensor, int, float, complex, np.number)):
            raise TypeError(f"{fn}(): argument '{name}' must be a Number or a Tensor, not "
                            f"{type(b).__name__}")
        check_int_scalar(b, fn, name)
    if x is not None and (min.__class__ is complex or max.__class__ is complex):
        return _complex_bounds(x, min, max, fn)
    return min, max


def _required_bound(fn, name, b):
    """clamp_min/clamp_max's bound: clamp takes a None bound, these do not (PyTorch's
    TypeError); a complex number: PyTorch's NotImplementedError, whatever the input."""
    if b is None:
        raise TypeError(f"{fn}(): argument '{name}' must be a Number or a Tensor, not NoneType")
    if b.__class__ is complex:
        raise NotImplementedError(f"{fn}(): clamp is not supported for complex types (got "
                                  f"{name}={b!r}); pass a real bound")


def _complex_bounds(x, min, max, fn="clamp"):
    """clamp's complex number bounds as PyTorch takes them: NotImplementedError for a
    non-floating tensor, RuntimeError for an imaginary part; a real one's real part."""
    if fn == "clamp_" and not x.dtype.is_floating_point and not x.dtype.is_complex:
        raise RuntimeError(f"clamp_(): result type ComplexFloat can't be cast to the desired "
                           f"output type {x.dtype} (a complex bound); pass real bounds")
    if not x.dtype.is_floating_point:
        raise NotImplementedError(f"{fn}(): clamp is not supported for complex types (got a "
                                  f"complex bound for a {x.dtype} tensor); pass real bounds")
    for b in (min, max):
        if isinstance(b, complex) and b.imag:
            raise RuntimeError(f"{fn}(): value cannot be converted to type double without "
                               f"overflow (got the complex bound {b!r}); pass real bounds")
    return tuple(b.real if isinstance(b, complex) else b for b in (min, max))


def _number_bounds(x, min, max, fn="clamp"):
    """Number bounds converted to ``x``'s dtype as PyTorch does first: RuntimeError where one
    overflows it, a negative int wrapped into an unsigned type (-1 is 255 for uint8)."""
    for b in (min, max):
        if b is not None:
            _check_fill_value(b, x._data.dtype, fn)
    if x._data.dtype.kind == "u":
        top = int(np.iinfo(x._data.dtype).max) + 1
        min, max = ((b % top if isinstance(b, (int, np.integer)) and b < 0 else b)
                    for b in (min, max))
    return min, max


def _not_bool():
    raise RuntimeError(
        "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
        "to invert a mask, use the `~` or `logical_not()` operator instead."
    )


def _check_sub(a, b):
    """PyTorch refuses ``-`` on bool tensors (NumPy's "boolean subtract" would leak), after its
    argument parser's refusal of a list or tuple (TypeError)."""
    if isinstance(b, (list, tuple)) or isinstance(a, (list, tuple)):
        _scalar_or_tensor(b if isinstance(b, (list, tuple)) else a)  # (raises TypeError)
    check_int_scalar(a, "sub")
    check_int_scalar(b, "sub")
    ab = a.dtype.kind == "b" if isinstance(a, Tensor) else isinstance(a, (bool, np.bool_))
    bb = b.dtype.kind == "b" if isinstance(b, Tensor) else isinstance(b, (bool, np.bool_))
    if ab and bb and isinstance(a, Tensor) and isinstance(b, Tensor):
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead."
        )
    if ab or bb:  # a Python bool counts too (``x - True``), as in PyTorch
        _not_bool()


def _t(x, name="input"):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (list, tuple)):
        # PyTorch's functions take Tensors, not nested sequences (torch.exp([1.0]) raises)
        raise TypeError(f"argument '{name}' must be Tensor, not {type(x).__name__}; make one "
                        f"first, e.g. gradkit.tensor({name})")
    return as_tensor_arg(x, name=name)


def _on_device_of(x, r, dtype=None):
    """A reduction's result as an array on ``x``'s device: NumPy returns scalars for 0-d
    results (and ``np.asarray`` of a CuPy array would fail, so only scalars are converted)."""
    if isinstance(r, (np.generic, int, float, bool)):
        if type(x._data) is np.ndarray:
            return np.asarray(r, dtype=dtype)
        return _xp(x).asarray(r, dtype=dtype)
    return r if dtype is None or r.dtype == dtype else r.astype(dtype)


# Composites of the primitives above unless a comment says why not, so autograd (and higher
# order) come for free. Index arithmetic runs on the host with NumPy.
def _const_like(x, arr):
    """A host constant (mask, index) on ``x``'s device."""
    return arr if type(x._data) is np.ndarray else _xp(x).asarray(arr)


def _int_arg(value, fn, name, one_element=False):
    """``value`` as a Python int where PyTorch takes it for an int (``_int_value``: a 0-d
    integer tensor too; any one-element integer tensor with ``one_element``, PyTorch's
    ``SymInt``); PyTorch's TypeError otherwise."""
    v = value if value.__class__ is int else _int_value(value, one_element)
    if v is not None and not -9223372036854775808 <= v < 9223372036854775808:
        int64_overflow(v, fn, name)  # (PyTorch reads an int as a C long long)
    if v is None:
        hint = ("; an integer tensor is taken only with one element" if isinstance(value, Tensor)
                and value._data.dtype.kind in "iu" and one_element else
                "; a 0-d integer tensor is taken too" if isinstance(value, Tensor) else "")
        raise TypeError(f"{fn}(): argument '{name}' must be int, not {type(value).__name__}"
                        f"{hint}; pass an int, e.g. {name}=1")
    return v


def _unpack_overflow(value, i, fn, name):
    """PyTorch's TypeError for an element of an int list beyond int64."""
    raise TypeError(f"{fn}(): argument '{name}' failed to unpack the object at pos {i + 1} with "
                    f"error \"Overflow when unpacking long long\" ({value}); pass ints in "
                    f"[-2**63, 2**63)")


def _dims_tuple(dims, fn, name, one_element=True):
    """An int or a sequence of ints (PyTorch's ``int[1]``) as a tuple of ints: its elements
    may be integer tensors of one element, and the whole may be a 0-d integer tensor (or, with
    ``one_element``, an integer tensor of one element)."""
    if isinstance(dims, (tuple, list)):
        out = tuple(_int_arg(d, fn, name, True) if d.__class__ is not int
                    or -9223372036854775808 <= d < 9223372036854775808
                    else _unpack_overflow(d, i, fn, name) for i, d in enumerate(dims))
        return out
    v = _int_value(dims, one_element)
    if v is not None:
        if not -9223372036854775808 <= v < 9223372036854775808:
            int64_overflow(v, fn, name)  # (a lone int: PyTorch's ValueError)
        return (v,)
    raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, not "
                    f"{type(dims).__name__}; pass an int or a tuple of ints, e.g. {name}=(0,)")


def _unsized_dims(dim, fn):
    """PyTorch's TypeError for a tensor of one element (or more) as a ``dim`` declared ``int`` or
    an unsized ``int[]`` (prod, all, any, squeeze): only its sized lists (``int[1]``, sum's
    dim) take a lone element; a 0-d integer tensor is an int everywhere."""
    if isinstance(dim, Tensor) and dim._data.ndim:
        raise TypeError(f"{fn}(): argument 'dim' must be int or tuple of ints, not Tensor of "
                        f"shape {tuple(dim.shape)}; pass ints, e.g. dim=tuple(dim.tolist())")


def _dim_in(d, ndim, fn):
    """``_wrap_dim`` with the function's name in the message."""
    try:
        return _wrap_dim(d, ndim)
    except IndexError as e:
        raise IndexError(f"{fn}(): {e}") from None
    except TypeError as e:
        raise TypeError(f"{fn}(): {e}") from None


def _xp(x):
    return namespace_of(x._data)


def _binary(op, a, b, opname):
    """Promote dtypes as PyTorch does, then apply ``op`` to ``a`` (Tensor) and ``b``."""
    tb = type(b)
    if (tb is float or tb is int) and a._data.dtype.kind == "f":
        return apply_scalar(op, a, b)
    if tb is not Tensor:
        try:
            b = _scalar_or_tensor(b)
        except TypeError:
            r = _tf.dispatch_operand(opname, (a, b))
            if r is _tf.NOT_DISPATCHED:
                raise
            return r
    if type(b) is Tensor or isinstance(b, Tensor):
        if type(a._data) is not type(b._data):
            a, b = _same_device(a, b, opname)
        da, db = a._data.dtype, b._data.dtype
        if da is not db and da != db:
            if (op is _MUL or op is _DIV) and (da.itemsize == 2 or db.itemsize == 2):
                r = _half_by_0d(op, a, b)
                if r is not None:
                    return r
            rt = _dtype.result_type(da, a._data.ndim, db, b._data.ndim)
            if da != rt:
                a = a.to(rt)
            if db != rt:
                b = b.to(rt)
        try:
            return apply2(op, a, b)
        except ValueError:
            check_broadcast(a, b, opname)
            raise
    if a._data.dtype.kind != "f" or type(b) is complex:  # (a real tensor and 1j: complex)
        rt = _dtype.scalar_result_dtype(a._data.dtype, b)
        if rt != a._data.dtype:
            a = a.to(rt)
        if op is _POW:
            _check_int_exponent(b, rt)
        else:
            b = _wrap_int_scalar(b, rt)
    return apply2(op, a, b)


def _check_int_exponent(b, dt):
    """An integer tensor to a Python int power, as PyTorch: a negative exponent is an error,
    and the exponent must fit the tensor's dtype (it is not wrapped as ``uint8 + 300`` is); a
    float16 tensor's finite exponent must fit float16 (``x.half() ** 1e30``)."""
    if type(b) is float and np.dtype(dt) == np.float16 or type(b) is int and dt == np.float16:
        if abs(b) > 65504 and b - b == 0:  # (finite: inf is a float16)
            raise RuntimeError(f"pow(): value cannot be converted to type Half without "
                               f"overflow (the exponent {b}); convert the base first, e.g. "
                               f"x.float() ** {b}")
        return
    if type(b) is not int or np.dtype(dt).kind not in "iu":
        return
    if b < 0:
        raise RuntimeError(f"pow(): Integers to negative integer powers are not allowed (an "
                           f"integer tensor to the power {b}); convert the base first, e.g. "
                           f"x.float() ** {b}")
    info = np.iinfo(dt)
    if b > info.max:
        raise RuntimeError(f"pow(): value cannot be converted to type {np.dtype(dt)} without "
                           f"overflow (the exponent {b}); convert the base first, e.g. "
                           f"x.long() ** {b}")


def _half_by_0d(op, a, b):
    """A float16/bfloat16 tensor times (or divided by) a 0-d float tensor of another dtype:
    PyTorch reads a second 0-d CPU operand as a scalar, in float32 without rounding it to half
    first, as a Python number (``record.apply_scalar``'s float16 path; a first 0-d operand,
    ``s * x``, it rounds to half as NumPy does); None for any other pair. A 0-d operand that
    requires grad is widened instead (same values, its gradient kept)."""
    if b._data.ndim or not a._data.ndim or not _is_half(a) or type(b._data) is not _ndarray \
            or b._data.dtype.kind != "f" or _is_half(b):
        return None
    if not b.requires_grad:
        return apply_scalar(op, a, float(b._data))
    f32 = _dtype.float32
    return present(apply2(op, a.to(f32), b.to(f32)).to(a.dtype),
                   "MulBackward0" if op is _MUL else "DivBackward0", (a, b))


def _result_type_of(tensors):
    """PyTorch's result type of several tensors: 0-d tensors count only when of a higher
    category (bool < integer < floating) than the dimensioned ones."""
    dt = None
    for group in ([x.dtype for x in tensors if x.ndim], [x.dtype for x in tensors if not x.ndim]):
        g = group[0] if group else None
        for d in group[1:]:
            g = _dtype.promote_types(g, d)
        dt = g if dt is None else (dt if g is None else _dtype.result_type(dt, 1, g, 0))
    return dt


# x left out (a constant spacing), told apart from a None passed, which PyTorch refuses
_NO_X = type("_NoX", (), {"__slots__": (), "__repr__": lambda self: "no sample points"})()


def _x_given(x, name):
    """``x``, or None where it was left out; PyTorch's TypeError for a None passed."""
    if x is None:
        raise TypeError(f"{name}(): argument 'x' must be Tensor, not NoneType; leave it out "
                        f"(or give dx=) for a constant spacing")
    return None if x is _NO_X else x


def _decimal_scale(x, decimals):
    """round(decimals=)'s checks and ``(decimals, 10 ** |decimals|)``, the power in ``x``'s
    precision as PyTorch's kernel (float32 for float32 and half: inf past 3.4e38, so the
    result is NaN there, as PyTorch's; decimals beyond int64 are its ValueError)."""
    decimals = _int_arg(decimals, "round", "decimals")
    if not -2 ** 63 <= decimals < 2 ** 63:
        raise ValueError(f"round(): decimals={decimals} does not fit an int64 (Overflow when "
                         f"unpacking long long)")
    if decimals and x._data.dtype.kind in "iub":
        _not_implemented("round_cpu", x, "round(decimals=) takes floating tensors")
    with np.errstate(over="ignore"):
        scale = np.float64(10.0) ** builtins_abs(decimals) if decimals else 1.0
    return decimals, float(scale) if x._data.dtype == np.float64 else float(np.float32(scale))


def _norm_p(p):
    """torch.norm's ``p``: a number, 'fro' or 'nuc' (a 0-d tensor is its number, as PyTorch's
    parser reads it); PyTorch's TypeError for anything else (a list, a tensor of dims)."""
    if isinstance(p, Tensor) and p.ndim == 0:
        return p.item()
    if not isinstance(p, (str, int, float, np.number)):
        raise TypeError(f"norm(): argument 'p' must be a number, 'fro' or 'nuc', not "
                        f"{type(p).__name__}")
    return p


def _spread_dims(fn, dims, dim, left_out):
    """``dim`` from a method's spread dims (``x.squeeze(0, 2)``): one int, or the tuple of them;
    PyTorch's TypeError where ``dim=`` is given too."""
    if not dims:
        return dim
    if dim is not left_out:
        raise TypeError(f"{fn}() received an invalid combination of arguments: dims {dims} by "
                        f"position and dim={dim!r}; give them one way")
    return dims[0] if len(dims) == 1 else dims


def _no_dims(dim):
    """Whether ``dim`` is an empty list of dims: any/all then reduce nothing, as PyTorch (sum
    and the others reduce every dim)."""
    return isinstance(dim, (list, tuple)) and not len(dim)


def _no_identity(x, ord, axis, name):
    """PyTorch's RuntimeError for a vector norm without an identity (``ord`` negative or
    infinite: a min, a max, 1 / sum |x|^ord) over an empty dim of ``x`` (every dim for None)."""
    if x._data.size or not (ord < 0 or ord == np.inf):
        return
    shown = int(ord) if float(ord).is_integer() else ord
    if axis is None:
        raise RuntimeError(f"{name} cannot compute the {shown} norm on an empty tensor because "
                           f"the operation does not have an identity")
    for d in axis:
        if x.shape[d] == 0:
            raise RuntimeError(f"{name} cannot compute the {shown} norm on the dimension {d} "
                               f"because this dimension is empty and the operation does not "
                               f"have an identity")


def _times_value(p, x, value):
    """``p * value`` (``p`` itself for 1) added to ``x`` by addcmul/addcdiv: a non-finite value
    scales ``p`` broadcast to the output's shape first, as PyTorch's kernel, so the gradients
    of a broadcast operand sum terms of +-inf per output element (NaN, as PyTorch's) rather
    than scaling their finite sum (inf)."""
    if value == 1:
        return p
    if isinstance(value, float) and not np.isfinite(value) and tuple(p.shape) != tuple(x.shape):
        try:  # (shapes that do not broadcast: x + p raises PyTorch's size mismatch)
            p = p.expand(np.broadcast_shapes(tuple(p.shape), tuple(x.shape)))
        except ValueError:
            pass
    return p * value


def _tensors_only(fn, *named, optional=()):
    """PyTorch's TypeError for a non-Tensor where a function takes a Tensor: ``named`` are
    ``(position, name, value)``; None passes only for the names in ``optional`` (a bias, a
    weight, a running statistic), as PyTorch's ``Tensor?``."""
    for pos, name, v in named:
        if not isinstance(v, Tensor) and (v is not None or name not in optional):
            raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not "
                            f"{type(v).__name__}")


def tensor_input_for_out(fn):
    """An ``out=`` check (``declare(out=("cast", ...))``): PyTorch's TypeError for a number as
    ``input``: its number-first overload (``remainder(3, t)``) has no ``out=``."""
    def before(out, args):
        _tensors_only(fn, (1, "input", args["input"]))
    return before


def _wrap_int_scalar(b, dt):
    """A Python int operand of an integer tensor outside its dtype's range (``uint8 % -2``)
    wrapped into it, as PyTorch casts the scalar to the tensor's dtype (NumPy would raise)."""
    if type(b) is int and dt.kind in "iu":
        info = np.iinfo(dt)
        if not info.min <= b <= info.max and -2 ** 63 <= b < 2 ** 64:
            return int(np.asarray(b % 2 ** 64, dtype=np.uint64).astype(dt))
    return b


_REFLECTED_METHODS = {"sub": "__rsub__", "div": "__rtruediv__", "pow": "__rpow__",
                      "remainder": "__rmod__"}


def _rbinary(op, a, b, opname):
    """``b op a`` where ``b`` is the non-Tensor left operand."""
    try:
        b = _scalar_or_tensor(b)
    except TypeError:  # a tensor-like: ``Tensor.__rsub__`` to its handler (``add``/``mul`` commute)
        r = _tf.dispatch_operand(_REFLECTED_METHODS.get(opname, opname), (a, b))
        if r is _tf.NOT_DISPATCHED:
            raise
        return r
    if isinstance(b, Tensor):
        return _binary_tensors_reversed(op, a, b, opname)
    if (type(b) is float or type(b) is int) and (a._data.dtype.kind == "f"
                                                 or a.dtype.is_floating_point):  # (bfloat16)
        if op is _MUL:  # number * x as x * number (float16: in float32, see HALF_SCALAR)
            return apply_scalar(op, a, b)
        if op.name == "Div":  # PyTorch's ``number / x``: the reciprocal, rounded to x's dtype,
            # times the number (its graph too: MulBackward0 over ReciprocalBackward0)
            return apply_scalar(_MUL, a.reciprocal(), b)
    if a._data.dtype.kind != "f" or type(b) is complex:  # (a real tensor and 1j: complex)
        rt = _dtype.scalar_result_dtype(a._data.dtype, b)
        if rt != a._data.dtype:
            a = a.to(rt)
        b = _wrap_int_scalar(b, rt)
    return apply2(op, b, a)


def _same_device(a, b, opname):
    """Operands on different devices: a 0-d CPU tensor follows the other (as in PyTorch);
    anything else is an error naming both devices."""
    if _host(a._data) and _host(b._data):  # a complex operand (gradkit/_complex.py)
        return a, b
    if b.ndim == 0 and type(b._data) is _ndarray:
        return a, b.to(a.device)
    if a.ndim == 0 and type(a._data) is _ndarray:
        return a.to(b.device), b
    if a.is_sparse or b.is_sparse or a.layout is not b.layout:
        return a, b  # a sparse (COO or compressed) and a dense operand: the op decides
    raise RuntimeError(
        f"{opname}: expected all tensors to be on the same device, but found at least two "
        f"devices, {a.device} and {b.device}! Move one with .to(device) (e.g. x.to('{a.device}'))."
    )


def _where_devices(cond, c, a, b):
    """Put where()'s operands on one device: a 0-d CPU tensor follows the others (as in
    PyTorch); anything else on another device is an error naming both."""
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if _host(c) and (not ta or _host(a._data)) and (not tb or _host(b._data)):
        # host arrays, one complex (gradkit/_complex.py)
        return a, b, c
    if ta and tb and type(a._data) is not type(b._data):
        a, b = _same_device(a, b, "where")
    t = a if ta else b if tb else None
    if t is not None and type(c) is not type(t._data):
        if c.ndim == 0 and type(c) is np.ndarray:
            c = _to_namespace_of(c, t._data)
        elif t.ndim == 0 and type(t._data) is np.ndarray:
            a = a.to(cond.device) if ta else a
            b = b.to(cond.device) if tb else b
        else:
            raise RuntimeError(
                f"where: expected condition, input and other on the same device, but condition "
                f"is on {cond.device} and the values on {t.device}; move them with .to()"
            )
    return a, b, c


def _binary_tensors_reversed(op, a, b, opname):
    if type(a._data) is not type(b._data):
        a, b = _same_device(a, b, opname)
    da, db = a._data.dtype, b._data.dtype
    if da != db:
        rt = _dtype.result_type(da, a._data.ndim, db, b._data.ndim)
        a = a.to(rt) if da != rt else a
        b = b.to(rt) if db != rt else b
    try:
        return apply2(op, b, a)
    except ValueError:
        check_broadcast(b, a, opname)
        raise


def _div_operands(a, b):
    """True division of a non-float Tensor ``a``: promote both operands as PyTorch does (so
    int32 / float16 stays float16), then go to the default float if the result is integral."""
    if a.dtype.is_floating_point:  # (bfloat16: its NumPy kind is "V")
        return a, b
    b = _scalar_or_tensor(b)
    bt = isinstance(b, Tensor)
    if bt:
        rt = _dtype.result_type(a._data.dtype, a._data.ndim, b._data.dtype, b._data.ndim)
    else:
        rt = _dtype.scalar_result_dtype(a._data.dtype, b)
    if not rt.is_floating_point and not rt.is_complex:
        rt = _dtype.get_default_dtype()
    if bt and b._data.dtype != rt:
        b = b.to(rt)
    return (a.to(rt) if a._data.dtype != rt else a), b


def _float_operand(a):
    """True division and transcendental ops promote integers to the default float dtype."""
    if a._data.dtype.kind != "f" and not a.dtype.is_floating_point and a._data.dtype.kind != "c":
        return a.to(_dtype.get_default_dtype())
    return a



def _is_half(x):
    """Whether a Tensor (or a dtype) is float16 or bfloat16, the dtypes PyTorch's CPU kernels
    compute in float32 ("opmath") and round once at the end. One attribute test for the other
    dtypes (bfloat16 is ml_dtypes' kind ``V``, 2 bytes)."""
    dt = x._data.dtype if isinstance(x, Tensor) else _dtype.np_dtype(x)
    return dt.itemsize == 2 and dt.kind in "fV"


def _in_opmath(fn, x, *others):
    """``fn(x, *others)`` as PyTorch's kernels compute it: a float16/bfloat16 ``x`` (and every
    Tensor of ``others`` of its dtype) in float32, the result rounded once to ``x``'s dtype (a
    composite in half would round after every step); any other dtype as it is."""
    if not _is_half(x):
        return fn(x, *others)
    dt = x.dtype
    f32 = _dtype.float32
    others = [o.to(f32) if isinstance(o, Tensor) and o.dtype == dt else o for o in others]
    out = fn(x.to(f32), *others)
    if isinstance(out, tuple):
        return type(out)(o.to(dt) if isinstance(o, Tensor) and o.dtype == f32 else o
                         for o in out)
    return out.to(dt) if out.dtype == f32 else out


def _half_number(value, dt):
    """A Python number rounded to a float16/bfloat16 ``dt`` (through float32, as c10's
    conversion), as a Python float: PyTorch's add/sub ``alpha`` and the number operand of
    add/sub/remainder/fmod/pow are cast to the tensor's dtype before the float32 arithmetic."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return value
    with np.errstate(over="ignore"):
        return float(np.asarray(np.float32(value)).astype(_dtype.np_dtype(dt)))


def _norm_axis(dim, ndim):
    """``dim`` (int, tuple or None) as a sorted tuple of non-negative axes, or None."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return None
        return tuple(sorted(_wrap_dim(d, ndim) for d in dim))
    if isinstance(dim, Tensor) and dim._data.ndim:
        # an integer tensor of one element is a list of one dim (PyTorch's ``int[1]? dim``)
        v = _int_value(dim, True)
        if v is None:
            raise TypeError(f"argument 'dim' must be tuple of ints, not Tensor of shape "
                            f"{tuple(dim.shape)}; pass ints, e.g. dim=tuple(dim.tolist())")
        return (_wrap_dim(v, ndim),)
    return (_wrap_dim(dim, ndim),)




def _axes(x, dim, name="reduction"):
    """``dim`` as sorted axes (None: all); a dim out of range or given twice raises as
    PyTorch, naming the op."""
    if isinstance(dim, (list, tuple)) and len(dim) > 1:
        axes = [_dim_in(d, x.ndim, name) for d in dim]
        for i, a in enumerate(axes):
            if a in axes[:i]:
                raise RuntimeError(f"{name}(): dim {a} appears multiple times in the list of dims "
                                   f"{tuple(dim)} (tensor of shape {tuple(x.shape)}); give each "
                                   f"dim once")
    try:
        return _norm_axis(dim, x.ndim)
    except IndexError as e:
        raise IndexError(f"{name}(): {e}") from None


def _reduce_args(x, dim, name="reduction", int_dim=False):
    """The axes of a reduction; ``int_dim``: PyTorch's ``dim`` is an int there (prod, all, any),
    so a tensor of one element that its int lists take is refused (a 0-d one is an int)."""
    if int_dim:
        _unsized_dims(dim, name)
    axis = _axes(x, dim, name)
    # a 0-d tensor accepts dim 0 / -1 (as in PyTorch): reducing over it reduces over everything
    return None if x.ndim == 0 else axis


def _int_list(sizes, name, arg):
    if isinstance(sizes, Tensor) or not isinstance(sizes, (list, tuple)) or not all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in sizes):
        raise TypeError(f"{name}(): argument '{arg}' (position 2) must be tuple of ints, not "
                        f"{type(sizes).__name__}")
    return [int(s) for s in sizes]


def _repeated(axes):
    seen = set()
    for a in axes:
        if a in seen:
            return a
        seen.add(a)
    return None


def _raw(x):
    if isinstance(x, Tensor):
        d = x._data
        if type(d) is _ndarray and d.ndim == 0:
            # a 0-d CPU tensor acts as a scalar (as in PyTorch): a NumPy scalar, which CuPy
            # accepts beside a device array (a 0-d NumPy array it refuses); same result in NumPy
            return d[()]
        return d
    return x


def _operands(input, other, name):
    """Both operands as Tensors of PyTorch's promoted dtype, on one device, checked to
    broadcast; either may be a number (it becomes a 0-d constant of that dtype)."""
    if isinstance(input, Tensor) or not isinstance(other, Tensor):
        a, b = _t(input), _scalar_or_tensor(other)
        if isinstance(b, Tensor):
            if type(a._data) is not type(b._data):
                a, b = _same_device(a, b, name)
            rt = _dtype.result_type(a.dtype, a.ndim, b.dtype, b.ndim)
        else:
            if b.__class__ is not complex:  # (a complex number: a complex result, refused by
                _check_number(b, name, "other")  # the ops that have no complex kernel)
            rt = _dtype.scalar_result_dtype(a.dtype, b)
            b = wrap(_const_like(a, np.asarray(_wrap_int_scalar(b, rt), dtype=rt)))
    else:
        b, a = other, _scalar_or_tensor(input)
        if a.__class__ is not complex:
            _check_number(a, name, "input")
        rt = _dtype.scalar_result_dtype(b.dtype, a)
        a = wrap(_const_like(b, np.asarray(_wrap_int_scalar(a, rt), dtype=rt)))
    a = a.to(rt) if a.dtype != rt else a
    b = b.to(rt) if b.dtype != rt else b
    check_broadcast(a, b, name)
    return a, b


def _check_number(x, name, arg):
    if not isinstance(x, (bool, int, float, np.number, np.bool_)):
        raise TypeError(f"{name}(): argument '{arg}' must be a Tensor or a number, got "
                        f"{type(x).__name__}")
    check_int_scalar(x, name, arg)


def _tensor_operands(fn, *named):
    """PyTorch's TypeError for a number, list, None, ... where a function takes a Tensor (a
    NumPy array is taken, made one): ``named`` are ``(position, name, value)``; the values."""
    for pos, name, v in named:
        if not isinstance(v, (Tensor, np.ndarray)):
            raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not "
                            f"{type(v).__name__}")
    return tuple(v if isinstance(v, Tensor) else as_tensor_arg(v, name=n) for _, n, v in named)


def _promoted3(input, tensor1, tensor2, value, name):
    """addcmul/addcdiv's operands in PyTorch's result type of the three tensors."""
    if tensor1.__class__ is not Tensor or tensor2.__class__ is not Tensor:
        _tensor_operands(name, (2, "tensor1", tensor1), (3, "tensor2", tensor2))
    ts = [_t(input), _t(tensor1, "tensor1"), _t(tensor2, "tensor2")]
    rt = _result_type_of(ts)
    if isinstance(value, (complex, np.complexfloating)) and rt.kind not in "cb" and value.imag:
        raise RuntimeError(f"{name}(): value cannot be converted to type {rt} without overflow "
                           f"(got the complex value={value!r} for real tensors); pass a real "
                           f"value, or make the tensors complex, e.g. x.to(torch.cfloat)")
    return [t if t.dtype == rt else t.to(rt) for t in ts]


# ------------------------------------------------------------------ add/sub/addcdiv helpers
def _bool_alpha(input, other, alpha, name):
    """PyTorch's RuntimeError for a bool ``alpha`` of add/sub/rsub whose result is not bool
    (``alpha=True`` equals 1 to Python, so it would pass every ``alpha == 1`` shortcut); and
    its RuntimeError for a complex ``alpha`` where neither operand is complex."""
    if isinstance(alpha, (complex, np.complexfloating)):
        kinds = [v.dtype.kind if isinstance(v, Tensor) else
                 "c" if isinstance(v, (complex, np.complexfloating)) else
                 "f" if isinstance(v, (float, np.floating)) else "i" for v in (input, other)]
        if "c" in kinds:
            return
        if "f" in kinds:
            raise RuntimeError(f"{name}(): for non-complex input tensors, argument alpha must "
                               f"not be a complex number (got alpha={alpha!r}); pass a real "
                               f"alpha, or make the tensors complex, e.g. x.to(torch.cfloat)")
        raise RuntimeError(f"{name}(): for integral input tensors, argument alpha must not be "
                           f"a floating point number (got the complex alpha={alpha!r}); pass "
                           f"an int alpha")
    if alpha.__class__ is not bool and not isinstance(alpha, np.bool_):
        return
    for v in (input, other):
        if (v.dtype.kind if isinstance(v, Tensor) else
                "b" if isinstance(v, (bool, np.bool_)) else "") != "b":
            raise RuntimeError(f"{name}(): Boolean alpha only supported for Boolean results "
                               f"(got alpha={alpha} with a non-bool operand); pass a number, "
                               f"e.g. alpha=1")


def _times_alpha(input, other, alpha, name):
    """``alpha * other`` for add/sub: ``other`` first in the dtype that ``input`` and ``other``
    promote to (so a float alpha does not promote float16 + uint8 to float32), and a float
    alpha refused for integral results (a bool one for non-bool results), as PyTorch."""
    if alpha.__class__ is not int:
        _bool_alpha(input, other, alpha, name)
    if alpha == 1:
        return other
    if isinstance(other, Tensor):
        x = _t(input)
        rt = _dtype.result_type(x.dtype, x.ndim, other.dtype, other.ndim)
        if rt.kind in "iub" and isinstance(alpha, float):
            raise RuntimeError(f"{name}: for integral input tensors, argument alpha must not be "
                               f"a floating point number (got alpha={alpha})")
        if other.dtype != rt:
            other = other.to(rt)
        if other._data.shape != x._data.shape:
            other = _broadcast_other(x, other, name)
    return other * alpha


_NUMBER_TYPES = (bool, int, float, complex, np.number, np.bool_)


def _number_pair(input, other):
    """``input`` as a 0-d Tensor where both operands are numbers: PyTorch's add, sub, mul, div
    and floor_divide take two (``torch.mul(*kernel_size)``, in kornia's tests) and return a 0-d
    tensor, the first number's dtype being PyTorch's (int64, the default float, bool,
    complex); ``input`` unchanged otherwise."""
    if not isinstance(input, _NUMBER_TYPES) or not isinstance(other, _NUMBER_TYPES):
        return input
    if isinstance(input, np.generic):
        return wrap(np.asarray(input))
    if isinstance(input, bool):
        return wrap(np.asarray(input, dtype=np.bool_))
    if isinstance(input, int):
        return wrap(np.asarray(input, dtype=np.int64))
    real = np.dtype(_dtype.to_dtype(_dtype.get_default_dtype()))
    if isinstance(input, complex):
        return wrap(np.asarray(input, dtype=np.result_type(real, np.complex64)))
    return wrap(np.asarray(input, dtype=real))


def _number_first(input, other):
    """add/sub of a Python number and a Tensor (``torch.sub(3, t)``)."""
    return isinstance(other, Tensor) and not isinstance(input, Tensor) and \
        isinstance(input, (bool, int, float, np.number, np.bool_))


def _scaled_other(other, number, alpha, name):
    """``alpha * other`` in the dtype ``other`` promotes to beside the number ``input`` (a
    float alpha refused for an integral result, as PyTorch)."""
    if alpha == 1:
        return other
    rt = _dtype.scalar_result_dtype(other.dtype, number)
    if rt.kind in "iub" and isinstance(alpha, float):
        raise RuntimeError(f"{name}: for integral input tensors, argument alpha must not be a "
                           f"floating point number (got alpha={alpha})")
    return (other.to(rt) if other.dtype != rt else other) * alpha


def _broadcast_other(x, other, name):
    """``other`` expanded to the shape it broadcasts to with ``x``: PyTorch's add/sub backward
    scales the gradient by ``alpha`` element by element before summing it to ``other``'s shape
    (``sum(g * inf)`` is NaN where a ``g`` is 0; ``sum(g) * inf`` would not be)."""
    if other._data.shape == x._data.shape:
        return other
    check_broadcast(x, other, name)
    shape = np.broadcast_shapes(tuple(x.shape), tuple(other.shape))
    return other if shape == tuple(other.shape) else other.expand(shape)


def _half_alpha(input, other, alpha, sign, name):
    """``input + sign * alpha * other`` where the result is float16/bfloat16, as PyTorch's
    kernel: ``alpha`` (and a number ``other``) rounded to that dtype, the arithmetic in float32,
    the result rounded once; None for any other result dtype (the caller's ordinary path)."""
    if not isinstance(input, Tensor) or isinstance(alpha, (bool, np.bool_)):
        return None
    if input._data.dtype.itemsize > 2 and (type(other) is not Tensor
                                           or other._data.dtype.itemsize > 2):
        return None  # (float32/float64 and wider: the ordinary path, no promotion worked out)
    o = _scalar_or_tensor(other)
    if isinstance(o, Tensor):
        rt = _dtype.result_type(input.dtype, input.ndim, o.dtype, o.ndim)
    elif isinstance(o, (int, float)) and not isinstance(o, bool):
        rt = _dtype.scalar_result_dtype(input.dtype, o)
    else:
        return None
    if not _is_half(rt):
        return None
    f32 = _dtype.float32
    a = np.float32(_half_number(alpha, rt))
    # (an operand of another dtype, a 0-d float64 beside a float16 tensor, is cast to the
    # result's dtype first, as PyTorch's TensorIterator does)
    x = input.to(rt).to(f32) if input.dtype != rt else input.to(f32)
    if isinstance(o, Tensor) and input.ndim == 0 and o.ndim:
        out = _half_alpha_scalar_self(x, o, float(a), sign, rt)
    elif isinstance(o, Tensor):
        ot = _broadcast_other(input, o.to(rt).to(f32) if o.dtype != rt else o.to(f32), name)
        out = x + ot * float(a) if sign > 0 else x - ot * float(a)
    else:
        with np.errstate(all="ignore"):
            b = float(np.float32(_half_number(o, rt)) * a)
        out = x + b if sign > 0 else x - b
    return out.to(rt)


def _half_alpha_scalar_self(x, o, a, sign, rt):
    """``x + sign * a * o`` for a 0-d ``x`` (float32, already rounded to the half type ``rt``)
    and a half tensor ``o``, as PyTorch's kernel of a CPU-scalar self: its vector lanes in
    float32 (rounded once), its scalar tail (the last ``n % width`` elements in memory order)
    in the half type, ``a * o`` rounded to it before the sum."""
    from .._activation_float32 import _vector_width  # (two float32 vectors per step)

    f32 = _dtype.float32
    ot = (o.to(rt) if o.dtype != rt else o).to(f32)
    n = o.numel()
    width = 2 * _vector_width()  # (half elements per step: two vectors of twice as many)
    cut = n - n % width if width else 0
    vec = (x + ot * a if sign > 0 else x - ot * a) if cut else None
    if cut == n:
        return vec
    prod = (ot * a).to(rt).to(f32)
    tail = x + prod if sign > 0 else x - prod
    if not cut:
        return tail
    late = wrap(np.arange(n).reshape(tuple(o.shape)) >= cut)
    return tail.where(late, vec)


def _integral_unary(op, x):
    """``op`` of an integer or bool tensor: promoted to the default float dtype; for float32
    computed in float64 and rounded, as close to PyTorch's float32 kernels (correctly rounded
    exp of small integers) as NumPy's float32 loops are not (``exp(1)`` one unit off in the
    last place). An integer input has no gradient, so the detour costs no graph."""
    if op.name in _WIDE_ON_INTEGERS and x._data.dtype.kind in "biu" and \
            _dtype.get_default_dtype() == _dtype.float32:
        return apply1(op, x.to(_dtype.float64)).to(_dtype.float32)
    return apply1(op, _float_operand(x))


def _check_addcdiv(t1, t2):
    """PyTorch refuses integral tensor1 and tensor2 (its historic integer division), in place
    too."""
    if t1.dtype.kind in "iub" and t2.dtype.kind in "iub":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a "
                           "future release addcdiv will perform a true division of tensor1 and "
                           "tensor2. Use addcdiv with floating tensors (e.g. .float()).")


# the ops whose float32 result on integers is nearer PyTorch's through float64 (measured on
# -50..120 against torch 2.13: exp 51 -> 0 elements differ, sin 26 -> 5, cos 23 -> 15,
# expm1 7 -> 1, log1p 3 -> 0, atan 63 -> 0); rsqrt and log are nearer as they are
_WIDE_ON_INTEGERS = frozenset({"Exp", "Expm1", "Sin", "Cos", "Log1p", "Atan"})


def _missing_arg(name, arg, how):
    """PyTorch's TypeError for a call without its required argument ``arg``."""
    raise TypeError(f'{name}() missing 1 required positional arguments: "{arg}"; {how}')
