"""Shape and indexing primitives: reshape, permute, expand, cat, stack, flip, repeat, getitem,
index_add, gather, scatter_add.

``squeeze``/``unsqueeze``/``flatten``/``view`` are reshapes; ``split``/``chunk``/``index_select``
are getitems; ``masked_fill`` is a where. The Tensor layer builds them from these.
"""

from __future__ import annotations

import numpy as np

from .._stride_order import lay_out_index
from ..autograd.graph import SAVED_ARGUMENTS, Op, Shown, node_class

__all__ = ["RESHAPE", "PERMUTE", "EXPAND", "CAT", "STACK", "FLIP", "REPEAT", "GETITEM", "SETITEM",
           "INDEX_ADD", "GATHER", "SCATTER_ADD", "UNFOLD", "DIAGONAL", "SPLIT", "is_basic_index",
           "gather_index"]


def is_basic_index(index) -> bool:
    """True when ``index`` (a tuple) has only ints, slices, None and Ellipsis (no repeats)."""
    for part in index:
        t = type(part)
        if t is not slice and t is not int and part is not None and part is not Ellipsis:
            return False
    return True


def gather_index(xp, index, dim):
    """The full advanced-index tuple that ``take_along_axis(x, index, dim)`` reads."""
    nd = index.ndim
    parts = []
    for k in range(nd):
        if k == dim:
            parts.append(index)
        else:
            shape = [1] * nd
            shape[k] = index.shape[k]
            parts.append(xp.arange(index.shape[k]).reshape(shape))
    return tuple(parts)


def _reshape_f(xp, a, shape, in_shape):
    return xp.reshape(a, shape)


def _reshape_b(xp, g, ins, out, aux, needs):
    return (xp.reshape(g, aux[1]),)


def _permute_f(xp, a, axes, inverse):
    return xp.transpose(a, axes)


def _permute_b(xp, g, ins, out, aux, needs):
    return (xp.transpose(g, aux[1]),)


def _prod(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _expand_f(xp, a, shape, in_shape):
    if a.size == _prod(shape) and a.size:
        # nothing repeats (only size-1 dimensions added): a writable view, as PyTorch's, which
        # lets programs copy_ into buffers built as arange(n).expand((1, -1))
        return a.reshape(shape)
    return xp.broadcast_to(a, shape)


def _expand_b(xp, g, ins, out, aux, needs):
    return (xp.sum_to(g, aux[1]),)


def _cat_f(xp, *args):
    *arrays, axis, sizes = args
    if type(arrays[0]) is np.ndarray and not all(a.flags.c_contiguous for a in arrays):
        return _cat_laid_out(xp, arrays, axis)
    return xp.concatenate(arrays, axis=axis)


def _cat_laid_out(xp, arrays, axis):
    """``cat`` of arrays not all row-major, laid out as PyTorch lays out its output: in the
    inputs' common suggested memory format (channels-last where every 4-D/5-D input is so),
    else row-major. NumPy would keep any order of strides the inputs share (a transposed
    input gave a transposed result, whose ``stride()`` and ``view``s differ from PyTorch's)."""
    from .._memory_format import contiguous_format, empty_in, suggest

    fmts = {suggest(a) for a in arrays}
    fmt = fmts.pop() if len(fmts) == 1 else contiguous_format
    shape = list(arrays[0].shape)
    shape[axis] = sum(a.shape[axis] for a in arrays)
    out = empty_in(xp, tuple(shape), np.result_type(*arrays), fmt)
    return xp.concatenate(arrays, axis=axis, out=out)


def _cat_b(xp, g, ins, out, aux, needs):
    axis, sizes = aux
    grads = []
    start = 0
    lead = (slice(None),) * axis
    for i, n in enumerate(sizes):
        grads.append(g[lead + (slice(start, start + n),)] if needs[i] else None)
        start += n
    return grads


def _stack_f(xp, *args):
    *arrays, axis = args
    a = arrays[0]
    if a.ndim < 3 and type(a) is np.ndarray and not all(x.flags.c_contiguous for x in arrays):
        # (PyTorch's stack is a cat of the unsqueezed inputs: row-major below 4-D, where NumPy
        # would keep the inputs' order of strides)
        shape = a.shape[:axis] + (len(arrays),) + a.shape[axis:]
        return xp.stack(arrays, axis=axis, out=np.empty(shape, np.result_type(*arrays)))
    return xp.stack(arrays, axis=axis)


def _stack_b(xp, g, ins, out, aux, needs):
    (axis,) = aux
    lead = (slice(None),) * axis
    return [g[lead + (i,)] if n else None for i, n in enumerate(needs)]


def _flip_f(xp, a, axes):
    # a copy, as PyTorch's flip: NumPy's view (negative strides) would share the input's memory
    return xp.ascontiguousarray(xp.flip(a, axes))


def _flip_b(xp, g, ins, out, aux, needs):
    return (xp.flip(g, aux[0]),)


def _repeat_f(xp, a, reps, in_shape):
    return xp.tile(a, reps)


def _repeat_b(xp, g, ins, out, aux, needs):
    reps, in_shape = aux
    shape = (1,) * (len(reps) - len(in_shape)) + tuple(in_shape)
    split = []
    for r, s in zip(reps, shape):
        split += [r, s]
    g = xp.reshape(g, tuple(split))
    g = xp.sum(g, axis=tuple(range(0, 2 * len(shape), 2)))
    return (xp.reshape(g, in_shape),)


_ndarray = np.ndarray


def _is_view_of(out, a):
    """Whether ``out`` is a view of ``a`` (basic indexing), not a copy (advanced indexing)."""
    owner = out.base
    return owner is not None and (owner is a or owner is a.base)


def _getitem_f(xp, a, index, in_shape):
    out = a[index]
    if type(out) is not type(a):
        # NumPy gives a scalar (a copy) for a full integer index; PyTorch a 0-d view, so that
        # x[0, 1].zero_() writes into x
        out = a[index + (Ellipsis,)]
    elif out.ndim > 1 and type(out) is _ndarray and type(a) is _ndarray \
            and type(index) is tuple and not _is_view_of(out, a):
        out = lay_out_index(a, index, out)  # PyTorch's layout, not NumPy's (x[:, idx])
    return out


def _getitem_b(xp, g, ins, out, aux, needs):
    index, in_shape = aux
    return (xp.index_add(in_shape, index, g),)


def _index_add_f(xp, g, shape, index):
    return xp.index_add(shape, index, g)


def _index_add_b(xp, g, ins, out, aux, needs):
    return (g[aux[1]],)


def _gather_f(xp, a, dim, index, full, in_shape):
    # the full index, not take_along_axis: an index smaller than the input outside ``dim``
    # reads that corner (take_along_axis would broadcast it), as PyTorch
    return a[full]


def _gather_b(xp, g, ins, out, aux, needs):
    dim, index, full, in_shape = aux
    return (xp.index_add(in_shape, full, g),)


def _scatter_add_f(xp, a, src, dim, index, full, src_shape):
    out = a.copy()
    xp.add.at(out, full, src[tuple(slice(0, n) for n in index.shape)])
    return out


def _scatter_add_b(xp, g, ins, out, aux, needs):
    dim, index, full, src_shape = aux
    ga = g if needs[0] else None
    gs = None
    if needs[1]:
        picked = g[full]
        if tuple(picked.shape) != tuple(src_shape):
            pad = [(0, s - p) for s, p in zip(src_shape, picked.shape)]
            picked = xp.pad(picked, pad)
        gs = picked
    return ga, gs


def _basic_steps(node):
    """PyTorch's names for the steps of a basic index, in the order it applies them
    (``x[0, 1:3]`` is a select, then a slice); None for an advanced index (``IndexBackward0``).
    """
    index, in_shape = node.aux
    steps = []
    pos = 0
    for part in index:
        t = type(part)
        if t is int:
            steps.append("SelectBackward0")
            pos += 1
        elif t is slice:
            n = in_shape[pos] if pos < len(in_shape) else 0
            if part.indices(n) != (0, n, 1):
                steps.append("SliceBackward0")
            pos += 1
        elif part is None:
            steps.append("UnsqueezeBackward0")
        elif part is Ellipsis:
            pos += len(in_shape) - sum(1 for p in index if p is not None and p is not Ellipsis)
        else:
            return None
    return steps


_STEP_CLASSES = {}


def _getitem_name(node):
    """The class of PyTorch's last step (``_basic_steps``); one loop, no list (per-op path)."""
    index, in_shape = node.aux
    last = None
    pos = 0
    for part in index:
        t = type(part)
        if t is int:
            last = "SelectBackward0"
            pos += 1
        elif t is slice:
            if part.start is not None or part.stop is not None or part.step not in (None, 1):
                n = in_shape[pos] if pos < len(in_shape) else 0
                if part.indices(n) != (0, n, 1):
                    last = "SliceBackward0"
            pos += 1
        elif part is None:
            last = "UnsqueezeBackward0"
        elif part is Ellipsis:
            pos += len(in_shape) - sum(1 for p in index if p is not None and p is not Ellipsis)
        else:
            return None  # advanced: the op's own IndexBackward0
    last = last or "AliasBackward0"
    cls = _STEP_CLASSES.get(last)
    if cls is None:
        cls = _STEP_CLASSES[last] = node_class(last)
    return cls


def _getitem_shown(node):
    steps = _basic_steps(node)
    nxt = node.next
    if steps:
        for name in steps[:-1]:
            nxt = (Shown(name, nxt),)
    return nxt


# ``view``/``reshape``/``flatten`` read as ViewBackward0; squeeze/unsqueeze/transpose/t faces
# rename theirs (graph.rename) as PyTorch's
RESHAPE = Op("Reshape", _reshape_f, _reshape_b, saves=0, grad_name="ViewBackward0")
PERMUTE = Op("Permute", _permute_f, _permute_b, saves=0)
EXPAND = Op("Expand", _expand_f, _expand_b, saves=0)
def _split_f(xp, a, d, unbind, idxs):
    """The pieces of ``split``/``chunk``/``unbind`` (views of ``a``): ``idxs`` index each one
    (an unbind index ends with ``...`` so that NumPy gives a 0-d view, not a scalar copy)."""
    return tuple(a[i] for i in idxs), ((d, unbind, a.shape, idxs), None)


def _split_b(xp, g, ins, out, aux, needs):
    """One node for every piece, as PyTorch's SplitBackward0/UnbindBackward0: the pieces'
    gradients joined (exact), or written into one input-sized array when some got none; never
    an input-sized array per piece."""
    d, unbind, in_shape, idxs = aux
    if xp.name == "tensor" or all(x is not None for x in g):  # (create_graph: zeros filled in)
        return ((xp.stack if unbind else xp.concatenate)(g, axis=d),)
    first = next(x for x in g if x is not None)
    total = xp.zeros(in_shape, dtype=first.dtype)
    for i, x in zip(idxs, g):
        if x is not None:
            total[i] = x
    return (total,)


CAT = Op("Cat", _cat_f, _cat_b, saves=0)
STACK = Op("Stack", _stack_f, _stack_b, saves=0)
SPLIT = Op("Split", _split_f, _split_b, saves=0, returns_aux=True, none_grads=True)


def _split_aux(node):
    """``(dim, unbind, input shape, piece indices)`` of a split node, or of the node that
    selects one piece from it (what a piece's ``grad_fn`` is)."""
    return (node if node.op is SPLIT else node.next[0]).aux


def _split_sizes(node):
    d, _, _, idxs = _split_aux(node)
    return tuple(i[d].stop - i[d].start for i in idxs)


_SPLIT_DIM = {"_saved_dim": property(lambda n: _split_aux(n)[0]),
              "_saved_self_sym_sizes": property(lambda n: tuple(_split_aux(n)[2]))}
SAVED_ARGUMENTS["SplitWithSizesBackward0"] = {
    **_SPLIT_DIM, "_saved_split_sizes": property(_split_sizes)}
SAVED_ARGUMENTS["SplitBackward0"] = {  # (split(n) and chunk: every piece but the last is n)
    **_SPLIT_DIM, "_saved_split_size": property(lambda n: _split_sizes(n)[0])}
SAVED_ARGUMENTS["UnbindBackward0"] = {"_saved_dim": property(lambda n: _split_aux(n)[0])}
FLIP = Op("Flip", _flip_f, _flip_b, saves=0)
REPEAT = Op("Repeat", _repeat_f, _repeat_b, saves=0)
GETITEM = Op("Index", _getitem_f, _getitem_b, saves=0, aux_namer=_getitem_name,
             shown=_getitem_shown)
INDEX_ADD = Op("IndexAdd", _index_add_f, _index_add_b, saves=0)
GATHER = Op("Gather", _gather_f, _gather_b, saves=0)
SCATTER_ADD = Op("ScatterAdd", _scatter_add_f, _scatter_add_b, saves=0, broadcasts=False)


def _setitem_f(xp, a, v, index, scalar=False):
    out = a.copy()
    out[index] = v
    mask = xp.zeros(a.shape, dtype=bool)
    mask[index] = True
    return out, (index, mask, scalar)


def _setitem_b(xp, g, ins, out, aux, needs):
    index, mask, _ = aux
    ga = xp.where(mask, 0.0, g) if needs[0] else None
    gv = g[index] if needs[1] else None
    return ga, gv


# ``x[index] = value`` under autograd: the value's gradient is the indexed part of g; the old
# tensor's is g with the written part zeroed
def _setitem_name(node):
    """PyTorch's node for ``x[index] = value``: ``CopySlices`` when the index has a basic part
    that narrows (an int, a narrowing slice, None: PyTorch writes into that view), a copy or fill
    of the whole tensor for ``x[:]``/``x[...]``, ``IndexPutBackward0`` for tensor indices."""
    index, _, scalar = node.aux
    advanced = False
    for part in index:
        t = type(part)
        if t is int or part is None:
            return _step_class("CopySlices")
        if t is slice:
            if part != slice(None):
                return _step_class("CopySlices")
        elif part is not Ellipsis:
            advanced = True
    if advanced:
        return None
    return _step_class("FillBackward3" if scalar else "CopyBackwards")


def _step_class(name):
    cls = _STEP_CLASSES.get(name)
    if cls is None:
        cls = _STEP_CLASSES[name] = node_class(name)
    return cls


SETITEM = Op("IndexPut", _setitem_f, _setitem_b, saves=0, broadcasts=True, returns_aux=True,
             aux_namer=_setitem_name)



def _unfold_f(xp, a, dim, size, step, full):
    n = (a.shape[dim] - size) // step + 1
    if type(a) is np.ndarray:  # a view of ``a``'s memory (windows overlap when step < size)
        shape = a.shape[:dim] + (n,) + a.shape[dim + 1:] + (size,)
        strides = (a.strides[:dim] + (a.strides[dim] * step,) + a.strides[dim + 1:]
                   + (a.strides[dim],))
        return np.lib.stride_tricks.as_strided(a, shape, strides)
    return a[full]


def _unfold_b(xp, g, ins, out, aux, needs):
    dim, size, step, full, in_shape = aux
    return (xp.index_add(in_shape, full, g),)


# Tensor.unfold: sliding windows along ``dim``, a strided view; the gradient sums the windows
# back (IndexAdd, whose own rule is a gather: second order for free)
UNFOLD = Op("Unfold", lambda xp, a, dim, size, step, full, in_shape:
            _unfold_f(xp, a, dim, size, step, full), _unfold_b, saves=0)


def _diagonal_f(xp, a, offset, d1, d2, full, in_shape):
    if isinstance(a, np.ndarray):  # a view of ``a``'s memory, writeable as PyTorch's
        r = np.diagonal(a, offset, d1, d2)
        if a.flags.writeable and not r.flags.writeable:
            r.flags.writeable = True  # (NumPy returns its diagonal view read-only)
        return r
    return a[full]  # Tensors (create_graph, forward AD) and device arrays: the same elements


def _diagonal_b(xp, g, ins, out, aux, needs):
    return (xp.index_add(aux[4], aux[3], g),)


# Tensor.diagonal: the diagonal over two dims as a last dimension, a strided view; ``full`` is
# the advanced index that reads the same elements (None when nothing needs it: no gradient, host
# memory); the gradient puts g back on the diagonal (IndexAdd: second order for free)
DIAGONAL = Op("Diagonal", _diagonal_f, _diagonal_b, saves=0)
