"""How a Tensor prints: PyTorch's element style and layout (``tensor([1.5000, 2.0000])``)."""

from __future__ import annotations

import numpy as np

from .. import _dtype

__all__ = ["format_tensor"]

_ndarray = np.ndarray


def _to_host(a):
    if type(a) is _ndarray:
        return a
    return a.get()


def _element_formatter(arr):
    """PyTorch's element style: floats with 4 decimals ("1.5000"), whole floats as "1.",
    scientific notation for wide ranges; every element right-aligned to one width."""
    kind = arr.dtype.kind
    if kind == "b":
        def fmt(v):
            return "True" if v else "False"
    elif kind in "iu":
        fmt = str
    else:
        finite = np.abs(arr[np.isfinite(arr)]).astype(np.float64)
        nonzero = finite[finite != 0]
        lo = float(nonzero.min()) if nonzero.size else 0.0
        hi = float(nonzero.max()) if nonzero.size else 0.0
        wide = nonzero.size and (hi / lo > 1000.0 or hi > 1e8)
        if np.all(np.ceil(nonzero) == nonzero):
            spec = "{:.4e}" if wide else "{:.0f}."
        else:
            spec = "{:.4e}" if wide or (nonzero.size and lo < 1e-4) else "{:.4f}"

        def fmt(v):
            v = float(v)
            if v != v:
                return "nan"
            if v in (float("inf"), float("-inf")):
                return "inf" if v > 0 else "-inf"
            return spec.format(v)
    width = max((len(fmt(v)) for v in _shown(arr)), default=0)
    pad = {"bool": lambda v: fmt(v).rjust(width), "int_kind": lambda v: fmt(v).rjust(width),
           "float_kind": lambda v: fmt(v).rjust(width)}
    return pad


def _shown(arr):
    """The elements the repr prints (the corners of a summarised tensor)."""
    if arr.size <= 1000:
        return arr.reshape(-1)
    index = tuple(np.r_[0:min(3, n), max(n - 3, 3):n] for n in arr.shape)
    return arr[np.ix_(*index)].reshape(-1)


def format_tensor(t) -> str:
    arr = _to_host(t._data)
    prefix = "tensor("
    if arr.size == 0 and arr.ndim == 1:
        body = "[]"
    else:
        body = np.array2string(
            arr, separator=", ", prefix=prefix, threshold=1000, edgeitems=3,
            max_line_width=80, formatter=_element_formatter(arr),
        ).replace(", ...,", ",  ...,")
    extras = []
    if arr.size == 0 and arr.ndim != 1:
        extras.append(f"size={tuple(arr.shape)}")
    default_float = _dtype.get_default_dtype()
    if not (arr.dtype == default_float or arr.dtype == np.int64 or arr.dtype == np.bool_):
        extras.append(f"dtype=gradkit.{arr.dtype}")
    if type(t._data) is not _ndarray:
        extras.append(f"device='{t.device}'")
    if t.grad_fn is not None:
        extras.append(f"grad_fn={t.grad_fn!r}")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    if extras:
        return prefix + body + ", " + ", ".join(extras) + ")"
    return prefix + body + ")"

