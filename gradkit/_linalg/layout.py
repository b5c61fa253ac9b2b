"""The results of one factorization laid out as PyTorch's. gradkit's factorizations return
their results packed into one array (see ``gradkit/ops/linalg.py``); sliced apart, they would be
views of it with its batch strides (qr's Q of a ``(2, 3, 4, 4)`` batch strided ``(96, 32, 4,
1)``). PyTorch's are separate tensors: a matrix column-major per batch entry (``(48, 16, 1,
4)``), a vector or number contiguous. Each result is copied once into that layout; its node
shows as the factorization's (``LinalgQrBackward0`` over ``A``)."""

from __future__ import annotations

from .._tensor.record import apply1
from ..autograd.graph import present
from ..ops import linalg as L


def laid_out(results, kinds, name, inputs):
    """``results`` (Tensors, None kept) each in PyTorch's layout, ``kinds`` telling each one's:
    ``"m"`` (a batch of) matrices, ``"v"`` vectors or numbers; their nodes shown as ``name`` over
    ``inputs``."""
    out = []
    for t, kind in zip(results, kinds):
        if t is not None:
            t = present(apply1(L.TORCH_LAYOUT, t, (kind == "m",)), name, inputs)
        out.append(t)
    return tuple(out)
