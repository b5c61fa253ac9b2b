"""PyTorch's ordering of dims by stride (ATen's ``infer_dense_strides`` and TensorIterator's
``reorder_dimensions``): one insertion sort, shared by the layout of an op's output
(``functions/products.py``) and the memory order random fills follow (``random.py``)."""

from __future__ import annotations


def insertion_order(perm: list, cmp) -> list:
    """Sort ``perm`` (dims, innermost first) in place by ``cmp(a, b)``: ``> 0`` moves ``b``
    before ``a``, ``< 0`` stops, ``0`` (undecided, e.g. a stride 0) looks further out -- so a
    dim whose comparisons are all undecided keeps its place. Returns ``perm``."""
    for i in range(1, len(perm)):
        j = i
        for k in range(i - 1, -1, -1):
            c = cmp(perm[k], perm[j])
            if c > 0:
                perm[k], perm[j] = perm[j], perm[k]
                j = k
            elif c < 0:
                break
    return perm
