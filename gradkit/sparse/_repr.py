"""How a sparse tensor prints: PyTorch's ``tensor(indices=..., values=..., size=..., nnz=...,
layout=torch.sparse_coo)`` and, for the compressed layouts, ``tensor(crow_indices=...,
col_indices=..., values=..., size=..., nnz=..., layout=torch.sparse_csr)``."""

from __future__ import annotations

import re

import numpy as np

from .. import _dtype
from .._tensor import repr as _r
from .._tensor.repr import format_tensor
from .._tensor.tensor import wrap
from ._coo import sparse_coo

__all__ = ["format_sparse"]

_DTYPE = re.compile(r", dtype=([^,()]+)\)$")


def _inner(arr, indent):
    """The repr of a dense part, its dtype suffix taken off (the sparse repr prints it once)."""
    text = format_tensor(wrap(arr))
    m = _DTYPE.search(text)
    dtype = None
    if m:
        dtype = m.group(1)
        text = text[:m.start()] + ")"
    if arr.size == 0 and arr.ndim == 1:  # PyTorch names the size of empty parts here
        text = text[:-1] + ", size=(0,))"
    pad = " " * indent
    lines = text.split("\n")
    return "\n".join([lines[0]] + [pad + ln if ln else ln for ln in lines[1:]]), dtype


def _part(arr, prefix):
    """``prefix`` + one dense part, wrapped at PyTorch's indent (after the prefix)."""
    text = prefix + _body(arr, len(prefix))
    if arr.size == 0:
        text += f", size={tuple(arr.shape)}"
    return text + ")"


def format_sparse(t) -> str:
    s = t._data
    if getattr(type(s), "_is_sparse_compressed", False):
        return _format_compressed(t)
    head = "tensor(indices="
    _, dtype = _inner(s.values, len("       values="))
    idx = _part(s.indices, "tensor(indices=tensor(")[len(head):]
    vals = _part(s.values, "       values=tensor(")[len("       values="):]
    extras = [f"size={s.shape}", f"nnz={s.nnz}"]
    if dtype is not None:
        extras.append(f"dtype={dtype}")
    extras.append(f"layout={sparse_coo!r}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return f"{head}{idx},\n       values={vals},\n       {', '.join(extras)})"


def _body(arr, indent):
    """The data of one part (indices or values) as PyTorch's ``_tensor_str`` prints it at
    ``indent``."""
    if arr.size == 0:
        return "[]"
    if arr.dtype.kind == "V":  # bfloat16 values print as float32's
        arr = arr.astype(np.float32)
    fmt, width = _r._element_formatter(arr)
    return _r._tensor_str(arr, indent, arr.size > _r._threshold(), fmt, width)


def _format_compressed(t) -> str:
    s = t._data
    indent = len("tensor(")
    row = s.sparse_layout._name in ("sparse_csr", "sparse_bsr")
    names = ("crow_indices", "col_indices") if row else ("ccol_indices", "row_indices")
    parts = []
    for name, arr in zip(names + ("values",), (s.compressed, s.plain, s.values)):
        prefix = f"{name}=tensor("
        text = prefix + _body(arr, indent + len(prefix))
        if arr.size == 0:
            text += f", size={tuple(arr.shape)}"
        parts.append(text + ")")
    text = "tensor(" + (",\n" + " " * indent).join(parts)
    suffixes = [f"size={s.shape}", f"nnz={s.nnz}"]
    dt = s.values.dtype
    if not (dt == _dtype.get_default_dtype() or dt == np.int64 or dt == np.bool_):
        suffixes.append(f"dtype={_dtype.of(dt)!r}")
    suffixes.append(f"layout={s.sparse_layout!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _r._add_suffixes(text, suffixes, indent)
