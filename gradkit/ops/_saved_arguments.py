"""``grad_fn._saved_<argument>`` of the common view and reduction nodes, as PyTorch shows them
(``SliceBackward0._saved_start``, ``SumBackward1._saved_dim``, ...): read from the node's
``aux``. A negative start, end or index given to an indexing step reads as PyTorch's (its
int64 shown as an unsigned 64-bit value, ``-1`` as ``2**64 - 1``); an omitted end is int64's
maximum. Dims are the non-negative ones the node kept.

An attribute is registered per PyTorch node name, for the ops whose ``aux`` layout it knows;
another op shown under the same name raises AttributeError for it, as a node without it.

A public face that normalises its arguments before the kernel (a negative dim, ``'fro'``) keeps
what the user passed with ``remember``: PyTorch's node saves the arguments as given (``softmax(x,
-1)``'s ``_saved_dim`` reads ``2**64 - 1``), and those win over what ``aux`` holds."""

from __future__ import annotations

from ..autograd import graph as _graph
from . import elementwise as E
from . import reduction as R
from . import shape as S

_INT64_MAX = 2 ** 63 - 1


def _uint64(v: int) -> int:
    return v % 2 ** 64  # (PyTorch's binding shows a saved int64 through uint64)


def _steps(node):
    """PyTorch's basic-indexing steps of an ``Index`` node, in order: ``(kind, dim, args,
    sizes before the step)`` (select, slice; an unsqueeze moves the dims on)."""
    index, in_shape = node.aux
    shape = list(in_shape)
    steps = []
    d = 0
    for part in index:
        t = type(part)
        if t is int:
            steps.append(("select", d, (part,), tuple(shape)))
            shape.pop(d)
        elif t is slice:
            n = shape[d]
            if part.indices(n) != (0, n, 1):
                steps.append(("slice", d, (part.start, part.stop, part.step), tuple(shape)))
            shape[d] = len(range(*part.indices(n)))
            d += 1
        elif part is None:
            steps.append(("unsqueeze", d, (), tuple(shape)))
            shape.insert(d, 1)
            d += 1
        elif part is Ellipsis:
            d += len(in_shape) - sum(1 for p in index if p is not None and p is not Ellipsis)
    return steps


def _last_step(node, kind):
    if node.op is not S.GETITEM:
        raise AttributeError(f"'{type(node).__name__}' object has no saved {kind} arguments")
    steps = _steps(node)
    if not steps or steps[-1][0] != kind:
        raise AttributeError(f"'{type(node).__name__}' object has no saved {kind} arguments")
    return steps[-1]


def _slice_start(n):
    start = _last_step(n, "slice")[2][0]
    return 0 if start is None else _uint64(start)


def _slice_end(n):
    stop = _last_step(n, "slice")[2][1]
    return _INT64_MAX if stop is None else _uint64(stop)


def _slice_step(n):
    step = _last_step(n, "slice")[2][2]
    return 1 if step is None else step


def _of(op, read):
    """A property: ``read(node)`` on a node of ``op``; AttributeError on another op's node."""
    def get(node):
        if node.op is not op:
            raise AttributeError(f"'{type(node).__name__}' object has no such saved argument "
                                 f"(made by {node.op.name})")
        return read(node)
    return property(get)


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _one_dropped(longer, shorter) -> int:
    """The first position of a size-1 dim of ``longer`` whose removal gives ``shorter``."""
    longer, shorter = tuple(longer), tuple(shorter)
    for i, size in enumerate(longer):
        if size == 1 and longer[:i] + longer[i + 1:] == shorter:
            return i
    raise AttributeError("no single size-1 dim between the node's shapes")


def _unsqueeze_dim(n):
    if n.op is S.GETITEM:
        return _last_step(n, "unsqueeze")[1]
    if n.op is not S.RESHAPE:
        raise AttributeError(f"'{type(n).__name__}' object has no attribute '_saved_dim'")
    return _one_dropped(n.aux[0], n.aux[1])


def _swapped(perm):
    moved = [i for i, p in enumerate(perm) if p != i]
    return (moved[0], moved[1]) if len(moved) == 2 else (0, 0)


def _exponent(n):
    if n.op is E.SQUARE:
        return 2
    if n.op is E.POW and len(n.inputs) > 1 and not hasattr(n.inputs[1], "_data"):
        return n.inputs[1]
    raise AttributeError(f"'{type(n).__name__}' object has no attribute '_saved_exponent'")


SAVED = {
    "PowBackward0": {"_saved_exponent": property(_exponent)},
    "ClampBackward1": {"_saved_min": _of(E.CLAMP, lambda n: n.aux[0]),
                       "_saved_max": _of(E.CLAMP, lambda n: n.aux[1])},
    "ClampMinBackward0": {"_saved_min": _of(E.CLAMP, lambda n: n.aux[0])},
    "ClampMaxBackward0": {"_saved_max": _of(E.CLAMP, lambda n: n.aux[1])},
    "SliceBackward0": {
        "_saved_dim": property(lambda n: _last_step(n, "slice")[1]),
        "_saved_start": property(_slice_start),
        "_saved_end": property(_slice_end),
        "_saved_step": property(_slice_step),
        "_saved_self_sym_sizes": property(lambda n: _last_step(n, "slice")[3]),
    },
    "SelectBackward0": {
        "_saved_dim": property(lambda n: _last_step(n, "select")[1]),
        "_saved_index": property(lambda n: _uint64(_last_step(n, "select")[2][0])),
        "_saved_self_sym_sizes": property(lambda n: _last_step(n, "select")[3]),
    },
    "UnsqueezeBackward0": {"_saved_dim": property(_unsqueeze_dim)},
    "SqueezeBackward1": {
        "_saved_dim": _of(S.RESHAPE, lambda n: _one_dropped(n.aux[1], n.aux[0])),
        "_saved_self_sym_sizes": _of(S.RESHAPE, lambda n: tuple(n.aux[1]))},
    "ViewBackward0": {"_saved_self_sym_sizes": _of(S.RESHAPE, lambda n: tuple(n.aux[1]))},
    "ExpandBackward0": {"_saved_self_sym_sizes": _of(S.EXPAND, lambda n: tuple(n.aux[1]))},
    "PermuteBackward0": {"_saved_dims": _of(S.PERMUTE, lambda n: tuple(n.aux[0]))},
    "TransposeBackward0": {"_saved_dim0": _of(S.PERMUTE, lambda n: _swapped(n.aux[0])[0]),
                           "_saved_dim1": _of(S.PERMUTE, lambda n: _swapped(n.aux[0])[1])},
    "CatBackward0": {"_saved_dim": _of(S.CAT, lambda n: n.aux[0])},
    "SumBackward1": {"_saved_dim": _of(R.SUM, lambda n: tuple(n.aux[0])),
                     "_saved_keepdim": _of(R.SUM, lambda n: n.aux[1]),
                     "_saved_self_sym_sizes": _of(R.SUM, lambda n: tuple(n.aux[2]))},
    "MeanBackward1": {"_saved_dim": _of(R.MEAN, lambda n: tuple(n.aux[0])),
                      "_saved_keepdim": _of(R.MEAN, lambda n: n.aux[1]),
                      "_saved_self_sym_sizes": _of(R.MEAN, lambda n: tuple(n.aux[2])),
                      "_saved_self_sym_numel": _of(R.MEAN, lambda n: _numel(n.aux[2]))},
}


def remember(t, source=None, **arguments):
    """Keep ``arguments`` (``_saved_<name>=value``, as the user passed them) on the node that
    made ``t``, for ``grad_fn._saved_<name>``; nothing when no node was recorded or ``t`` is
    ``source`` (a face that returned its input). Returns ``t``."""
    node = t._grad_fn
    if node is None or t is source:
        return t
    if node.op is _graph.SELECT:  # (an output of a multi-output node reads as that node)
        node = node.next[0]
    if node.meta is None:
        node.meta = {}
    node.meta["arguments"] = arguments
    return t


def dims_given(dim, none=None):
    """A reduction's ``dim`` as PyTorch's node saves it: a tuple (``none`` where no dim was
    given: None or a face's no-dim marker)."""
    if isinstance(dim, (tuple, list)):
        return tuple(dim)
    return (dim,) if hasattr(dim, "__index__") and not hasattr(dim, "_data") else none


def _shown(v):
    """A saved argument as PyTorch's binding shows it: ints (in tuples too) through uint64."""
    t = type(v)
    if t is int:
        return _uint64(v)
    if t is tuple or t is list:
        return tuple(_shown(x) for x in v)
    if hasattr(v, "__index__") and t is not bool and not hasattr(v, "_data"):
        return _uint64(int(v))  # (a NumPy integer)
    return v


def _argument(attr, fallback=None):
    """A property: the argument ``remember`` kept under ``attr``, else ``fallback``'s value
    (an ``aux``-reading property), else AttributeError."""
    def get(node):
        meta = node.meta
        if meta is not None:
            kept = meta.get("arguments")
            if kept is not None and attr in kept:
                return _shown(kept[attr])
        if fallback is not None:
            return fallback.__get__(node)
        raise AttributeError(f"'{type(node).__name__}' object has no attribute '{attr}'")
    return property(get)


# node name -> the arguments its public face keeps with ``remember`` (PyTorch's names)
REMEMBERED = {
    "SoftmaxBackward0": ("_saved_dim",),
    "LogSoftmaxBackward0": ("_saved_dim",),
    "MaxBackward0": ("_saved_dim", "_saved_keepdim", "_saved_indices", "_saved_self_sym_sizes"),
    "MinBackward0": ("_saved_dim", "_saved_keepdim", "_saved_indices", "_saved_self_sym_sizes"),
    "CumsumBackward0": ("_saved_dim",),
    "CumprodBackward0": ("_saved_dim",),
    "LogcumsumexpBackward0": ("_saved_dim",),
    "GatherBackward0": ("_saved_dim", "_saved_index", "_saved_sparse_grad"),
    "ScatterBackward0": ("_saved_dim", "_saved_index"),
    "ScatterBackward1": ("_saved_dim", "_saved_index"),
    "IndexSelectBackward0": ("_saved_dim", "_saved_index", "_saved_self_sym_sizes"),
    "LinalgVectorNormBackward0": ("_saved_dim", "_saved_keepdim", "_saved_ord"),
    "SumBackward1": ("_saved_dim",),
    "MeanBackward1": ("_saved_dim",),
    "ProdBackward1": ("_saved_dim", "_saved_keepdim"),
    "AmaxBackward0": ("_saved_dim", "_saved_keepdim"),
    "AminBackward0": ("_saved_dim", "_saved_keepdim"),
    "LogsumexpBackward0": ("_saved_dim", "_saved_keepdim"),
    "VarBackward0": ("_saved_correction", "_saved_dim", "_saved_keepdim"),
    "StdBackward0": ("_saved_correction", "_saved_dim", "_saved_keepdim"),
    "SqueezeBackward1": ("_saved_dim",),
    "UnsqueezeBackward0": ("_saved_dim",),
    "TransposeBackward0": ("_saved_dim0", "_saved_dim1"),
    "CatBackward0": ("_saved_dim",),
    "StackBackward0": ("_saved_dim",),
    "SelectBackward0": ("_saved_dim",),
    "SliceBackward0": ("_saved_dim",),
    "SplitBackward0": ("_saved_dim",),
    "SplitWithSizesBackward0": ("_saved_dim",),
    "UnbindBackward0": ("_saved_dim",),
    "FlipBackward0": ("_saved_dims",),
    "RollBackward0": ("_saved_dims", "_saved_shifts"),
    "SortBackward0": ("_saved_dim", "_saved_indices", "_saved_self_sym_sizes"),
    "TopkBackward0": ("_saved_dim", "_saved_indices", "_saved_self_sym_sizes"),
    "LeakyReluBackward0": ("_saved_negative_slope",),
    "EluBackward0": ("_saved_alpha", "_saved_input_scale", "_saved_scale"),
    "GeluBackward0": ("_saved_approximate",),
    "SoftplusBackward0": ("_saved_beta", "_saved_threshold"),
    "HardtanhBackward0": ("_saved_max_val", "_saved_min_val"),
    "ThresholdBackward0": ("_saved_threshold",),
}


def _register():
    from . import shape  # noqa: F401 (its split/unbind attributes, wrapped below)

    for name, attrs in REMEMBERED.items():
        have = SAVED.setdefault(name, {})
        known = _graph.SAVED_ARGUMENTS.get(name, {})
        for attr in attrs:
            have[attr] = _argument(attr, have.get(attr) or known.get(attr))
    for name, attrs in SAVED.items():
        _graph.SAVED_ARGUMENTS.setdefault(name, {}).update(attrs)
        for (cls_name, *_), cls in _graph._CLASSES.items():  # (classes made before now)
            if cls_name == name:
                for attr, prop in attrs.items():
                    setattr(cls, attr, prop)


_register()
