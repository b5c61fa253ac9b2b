"""The layout a view op gives a meta tensor (strides and storage offset, as PyTorch's), computed
from the op and its input's layout: meta arrays have no memory whose strides could say it.
Only meta tensors reach here (``_tensor/record.py`` calls it for a view op's meta result)."""

from __future__ import annotations

from ._meta import geometry
from .ops import shape as S
from .ops.shape import is_basic_index

__all__ = ["set_view_geometry"]


def set_view_geometry(op, aux, parent, out):
    """Record on meta array ``out`` (``op(parent, *aux)``) its strides and storage offset; a
    result that PyTorch would copy (reshape without a view, advanced indexing) stays fresh
    (contiguous)."""
    st, off, _ = geometry(parent)
    g = _geometry(op, aux, parent.shape, list(st), off, out.shape)
    if g is not None:
        out._meta_geom = g


def _geometry(op, aux, shape, st, off, out_shape):
    if op is S.PERMUTE:
        return tuple(st[a] for a in aux[0]), off
    if op is S.EXPAND:
        lead = len(out_shape) - len(shape)
        new = [0] * lead + [0 if n == 1 and m != 1 else s
                            for n, m, s in zip(shape, out_shape[lead:], st)]
        return tuple(new), off
    if op is S.RESHAPE:
        from .functions._views import view_strides  # (functions imports the recording)

        new = view_strides(tuple(shape), tuple(st), tuple(out_shape))
        return None if new is None else (tuple(new), off)
    if op is S.GETITEM:
        return _index_geometry(aux[0], shape, st, off)
    if op is S.DIAGONAL:
        offset, d1, d2 = aux[0], aux[1], aux[2]
        new = [s for d, s in enumerate(st) if d != d1 and d != d2] + [st[d1] + st[d2]]
        if out_shape[-1]:
            off += offset * st[d2] if offset >= 0 else -offset * st[d1]
        return tuple(new), off
    if op is S.UNFOLD:
        d, step = aux[0], aux[2]
        new = list(st)
        new[d] = st[d] * step
        return tuple(new) + (st[d],), off
    return None


def _index_geometry(index, shape, st, off):
    if not is_basic_index(index):
        return None
    used = sum(1 for p in index if p is not None and p is not Ellipsis)
    new, d = [], 0
    for part in index:
        if part is Ellipsis:
            for _ in range(len(shape) - used):
                new.append(st[d])
                d += 1
        elif part is None:  # a new dim of size 1 (PyTorch's unsqueeze stride)
            new.append(st[d] * shape[d] if d < len(shape) else 1)
        elif type(part) is int:
            off += (part % shape[d]) * st[d]
            d += 1
        else:
            start, _, step = part.indices(shape[d])
            if len(range(*part.indices(shape[d]))):
                off += start * st[d]
            new.append(st[d] * step)
            d += 1
    new.extend(st[d:])
    return tuple(new), off
