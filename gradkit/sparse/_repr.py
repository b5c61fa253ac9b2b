"""How a sparse COO tensor prints (PyTorch's ``tensor(indices=..., values=..., size=...,
nnz=..., layout=torch.sparse_coo)``)."""

from __future__ import annotations

import re

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


def format_sparse(t) -> str:
    s = t._data
    head = "tensor(indices="
    idx, _ = _inner(s.indices, len(head))
    vals, dtype = _inner(s.values, len("       values="))
    extras = [f"size={s.shape}", f"nnz={s.nnz}"]
    if dtype is not None:
        extras.append(f"dtype={dtype}")
    extras.append(f"layout={sparse_coo!r}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn={t.grad_fn!r}")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return f"{head}{idx},\n       values={vals},\n       {', '.join(extras)})"
