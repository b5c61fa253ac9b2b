"""How a Tensor prints: PyTorch's element style and layout (``tensor([1.5000, 2.0000])``)."""

from __future__ import annotations

import sys

import numpy as np

from .. import _dtype
from .._complex import CArray as _CArray
from .._meta import MetaArray as _MetaArray
from .._typenames import is_own

__all__ = ["format_tensor", "set_printoptions", "get_printoptions", "set_namespace_name"]

_ndarray = np.ndarray

# PyTorch's print options (``torch.set_printoptions``); "namespace" is the module name that
# reprs show in ``dtype=...``: "torch" under ``gradkit run``
_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_PROFILES = {"default": dict(_DEFAULTS), "short": {**_DEFAULTS, "precision": 2, "edgeitems": 2},
             "full": {**_DEFAULTS, "threshold": float("inf")}}
_OPTIONS = dict(_DEFAULTS)
_NAMESPACE = ["gradkit"]


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """PyTorch's ``torch.set_printoptions``: how tensors print.

    Args:
        precision: digits after the decimal point (default 4).
        threshold: print a summary (``...``) above this many elements (default 1000).
        edgeitems: items shown at each end of a summarised dimension (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``"default"``, ``"short"`` (precision 2, 2 edge items) or ``"full"`` (never
            summarise); the other arguments override it.
        sci_mode: True always scientific, False never, None (default) chosen per tensor.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}; use one of "
                             f"{sorted(_PROFILES)}")
        _OPTIONS.update(_PROFILES[profile])
    for key, value in (("precision", precision), ("threshold", threshold),
                       ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            _OPTIONS[key] = value
    _OPTIONS["sci_mode"] = sci_mode


def get_printoptions() -> dict:
    """The current print options (a copy)."""
    return dict(_OPTIONS)


def set_namespace_name(name: str) -> None:
    """The module name reprs show for dtypes: "gradkit", or "torch" under ``gradkit run``."""
    _NAMESPACE[0] = name
    _dtype._NAMESPACE[0] = name


def _to_host(a):
    if type(a) is _ndarray:
        return a
    if type(a) is _CArray:  # complex data (gradkit/_complex.py)
        return a.view(_ndarray)
    return a.get()


def _complex_formatter(arr):
    """PyTorch's complex style: the real and imaginary parts each formatted as a real tensor
    of them, ``1.0000+2.0000j`` (``_scalar_str``/``_val_formatter`` of torch/_tensor_str.py)."""
    fr, wr = _element_formatter(np.ascontiguousarray(arr.real))
    fi, wi = _element_formatter(np.ascontiguousarray(arr.imag))

    def fmt(v):
        im = (fi(v.imag) + "j").lstrip()
        return fr(v.real) + (im if im[0] in "+-" else "+" + im)
    return fmt, wr + wi + 1


def _element_formatter(arr):
    """PyTorch's element style: floats with 4 decimals ("1.5000"), whole floats as "1.",
    scientific notation for wide ranges; every element right-aligned to one width."""
    kind = arr.dtype.kind
    shown = _shown(arr)  # as PyTorch: the style is chosen from the elements printed
    if kind == "b":
        def fmt(v):
            return "True" if v else "False"
    elif kind in "iu":
        fmt = str
    else:
        finite = np.abs(shown[np.isfinite(shown)]).astype(np.float64)
        nonzero = finite[finite != 0]
        lo = float(nonzero.min()) if nonzero.size else 0.0
        hi = float(nonzero.max()) if nonzero.size else 0.0
        wide = nonzero.size and (hi / lo > 1000.0 or hi > 1e8)
        digits, sci = _OPTIONS["precision"], _OPTIONS["sci_mode"]
        if not nonzero.size:  # PyTorch: no nonzero finite value, whole style (sci_mode ignored)
            spec = "{:.0f}."
        elif np.all(np.ceil(nonzero) == nonzero):
            wide = wide if sci is None else sci
            spec = f"{{:.{digits}e}}" if wide else "{:.0f}."
        else:
            if sci is None:
                sci = wide or (nonzero.size and lo < 1e-4)
            spec = f"{{:.{digits}e}}" if sci else f"{{:.{digits}f}}"

        def fmt(v):
            v = float(v)
            if v != v:
                return "nan"
            if v in (float("inf"), float("-inf")):
                return "inf" if v > 0 else "-inf"
            return spec.format(v)
    if kind == "f":  # as PyTorch: the width of the nonzero finite values (inf, nan and -0.
        shown = shown[np.isfinite(shown) & (shown != 0)]  # may stick out)
    width = max((len(fmt(v)) for v in shown), default=1)
    return (lambda v: fmt(v).rjust(width)), width


def _vector_str(arr, indent, summarize, fmt, width):
    """One row as PyTorch prints it: ``floor((linewidth - indent) / (width + 2))`` elements per
    line, continuation lines indented under the first element."""
    per_line = max(1, (_OPTIONS["linewidth"] - indent) // (width + 2))
    k = _OPTIONS["edgeitems"]
    if summarize and not k:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * k:
        data = [fmt(v) for v in arr[:k]] + [" ..."] + [fmt(v) for v in arr[-k:]]
    else:
        data = [fmt(v) for v in arr]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str(arr, indent, summarize, fmt, width):
    """PyTorch's ``_tensor_str_with_formatter``: nested rows, ``...`` for summarised dims."""
    if arr.ndim == 0:
        return fmt(arr[()])
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, fmt, width)
    k = _OPTIONS["edgeitems"]
    n = arr.shape[0]
    if summarize and n > 2 * k:
        rows = [_tensor_str(arr[i], indent + 1, summarize, fmt, width) for i in range(k)]
        rows += ["..."]
        rows += [_tensor_str(arr[i], indent + 1, summarize, fmt, width) for i in range(n - k, n)]
    else:
        rows = [_tensor_str(arr[i], indent + 1, summarize, fmt, width) for i in range(n)]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _shown(arr):
    """The elements the repr prints (the corners of a summarised tensor)."""
    if arr.size <= _OPTIONS["threshold"]:
        return arr.reshape(-1)
    k = _OPTIONS["edgeitems"]
    index = tuple(np.r_[0:min(k, n), max(n - k, k):n] for n in arr.shape)
    return arr[np.ix_(*index)].reshape(-1)


def _threshold():
    t = _OPTIONS["threshold"]
    return sys.maxsize if t == float("inf") else int(t)


def format_tensor(t) -> str:
    if type(t._data) is _MetaArray:
        return _format_meta(t)
    arr = _to_host(t._data)
    dtype = arr.dtype
    if dtype.kind == "V":  # bfloat16: its values print as float32's do, as in PyTorch
        arr = arr.astype(np.float32)
    # a user's Tensor subclass prints its class name, as PyTorch's (``LoggingTensor([...])``)
    prefix = "tensor(" if is_own(type(t).__module__) else type(t).__name__ + "("
    if arr.size == 0:
        body = "[]"
    else:
        fmt, width = (_complex_formatter if dtype.kind == "c" else _element_formatter)(arr)
        body = _tensor_str(arr, len(prefix), arr.size > _threshold(), fmt, width)
    extras = []
    if (arr.size == 0 and arr.ndim != 1) or (arr.size and not _OPTIONS["edgeitems"]):
        extras.append(f"size={tuple(arr.shape)}")  # (PyTorch's rule: no values shown)
    default_float = _dtype.get_default_dtype()
    # int64 and bool are read from the printed values, except in an empty tensor (PyTorch's rule)
    if not (dtype == default_float or arr.size and (dtype == np.int64 or dtype == np.bool_)
            or dtype == default_float.to_complex()):
        extras.append(f"dtype={_dtype.of(dtype)!r}")
    if type(t._data) is not _ndarray and type(t._data) is not _CArray:
        extras.append(f"device='{t.device}'")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return _add_suffixes(prefix + body, extras, len(prefix))


def _format_meta(t) -> str:
    """PyTorch's ``tensor(..., device='meta', size=(3, 4))``: no values to show."""
    dtype = t._data.dtype
    extras = ["device='meta'", f"size={tuple(t._data.shape)}"]
    if dtype != _dtype.get_default_dtype():
        extras.append(f"dtype={_dtype.of(dtype)!r}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return _add_suffixes("tensor(...", extras, len("tensor("))


def _add_suffixes(text, suffixes, indent):
    """``text, suffix, ...)``; a suffix that would pass the line width starts a new line
    indented under the data, as PyTorch's printing does (``grad_fn=<...>`` of a wide tensor)."""
    width = _OPTIONS["linewidth"]
    parts = [text]
    last = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last + len(suffix) + 2 > width:
            parts.append(",\n" + " " * indent + suffix)
            last = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last += len(suffix) + 2
    parts.append(")")
    return "".join(parts)

