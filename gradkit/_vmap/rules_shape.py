"""Batching rules of the ops with dimensions: reductions, softmax, views and reshapes, indexing
with basic slices, joining, products (matmul family, linear, einsum), convolution and the
common losses. Each moves the logical dims of its arguments past the batch dimension."""

from __future__ import annotations

from .batched import BatchedTensor, batch_size, max_level, physical
from .table import RULES, _call, _is_tensor, _norm_dim, _padded, _reg

__all__: list = []


def _only_self(args, kwargs, level):
    """The physical value of ``args[0]`` where it is the only argument batched at ``level``."""
    if max_level(args[1:], kwargs) == level:
        return None
    v, b = physical(args[0], level)
    return v if b else None


def _get(args, kwargs, pos, name, default=None):
    if name in kwargs:
        return kwargs[name]
    if len(args) > pos:
        return args[pos]
    return default


def _put(args, kwargs, pos, name, value):
    args = list(args)
    kwargs = dict(kwargs)
    if name in kwargs or len(args) <= pos:
        kwargs[name] = value
    else:
        args[pos] = value
    return args, kwargs


# ------------------------------------------------------------------------ reductions
# name -> whether a call without dim reduces everything (and may do so through dim=1 of the
# flattened value: same result, one element per batch entry)
_REDUCTIONS = {"sum": True, "mean": True, "prod": True, "amax": True, "amin": True,
               "nansum": True, "nanmean": True, "all": True, "any": True, "std": True,
               "var": True, "logsumexp": False, "cumsum": False, "cumprod": False,
               "softmax": False, "log_softmax": False, "argmax": True, "argmin": True,
               "count_nonzero": True, "max": True, "min": True, "median": False,
               "cummax": False, "cummin": False, "norm": False, "std_mean": True,
               "var_mean": True, "logcumsumexp": False, "normalize": False}
_DIM_POS = {"norm": 2, "normalize": 2}


def _shift_dims(d, n):
    if isinstance(d, (tuple, list)):
        return type(d)(_norm_dim(x, n) + 1 for x in d)
    return _norm_dim(d, n) + 1


def _reduction(func, level, args, kwargs):
    name = func.__name__
    v = _only_self(args, kwargs, level)
    if v is None:
        return NotImplemented
    n = args[0].ndim
    pos = _DIM_POS.get(name, 1)
    d = _get(args, kwargs, pos, "dim")
    if isinstance(d, bool):  # std(x, True): the unbiased flag of the old overload
        d = None
    if d is None and name in ("softmax", "log_softmax"):
        return NotImplemented
    if d is None or (isinstance(d, (tuple, list)) and len(d) == 0 and name != "normalize"):
        if not _REDUCTIONS[name] or len(args) > pos + 1 or "keepdim" in kwargs \
                or name in ("max", "min") and (len(args) > 1 or kwargs):
            return NotImplemented
        if len(args) > 1 and isinstance(args[1], bool):
            return NotImplemented
        flat = v.reshape(v.shape[0], -1)
        if name in ("max", "min"):
            return BatchedTensor(getattr(flat, "a" + name)(1), level)
        a, k = _put(args, kwargs, pos, "dim", 1)
        a[0] = flat
        r = _call(func, *a, **k)
        return _wrap_tuple(r, level) if isinstance(r, tuple) else BatchedTensor(r, level)
    if n == 0:
        return NotImplemented
    a, k = _put(args, kwargs, pos, "dim", _shift_dims(d, n))
    a[0] = v
    r = _call(func, *a, **k)
    return _wrap_tuple(r, level) if isinstance(r, tuple) else BatchedTensor(r, level)


def _wrap_tuple(r, level):
    from .batched import wrap_level

    return wrap_level(r, level)


for _n in _REDUCTIONS:
    RULES[_n] = _reduction


# ------------------------------------------------------------------------ shapes and views
def _sizes(args, start):
    rest = args[start:]
    if len(rest) == 1 and isinstance(rest[0], (tuple, list)):
        return tuple(rest[0])
    return tuple(rest)


def _reshape(func, level, args, kwargs):
    v = _only_self(args, kwargs, level)
    if v is None or kwargs:
        return NotImplemented
    shape = _sizes(args, 1)
    if any(not isinstance(s, int) for s in shape):
        return NotImplemented
    return BatchedTensor(_call(func, v, (v.shape[0],) + shape), level)


def _reshape_as(func, level, args, kwargs):
    if len(args) != 2:
        return NotImplemented
    base = "view" if func.__name__ == "view_as" else "reshape"
    return getattr(args[0], base)(tuple(args[1].shape))


def _flatten(func, level, args, kwargs):
    v = _only_self(args, kwargs, level)
    if v is None:
        return NotImplemented
    n = args[0].ndim
    start = _get(args, kwargs, 1, "start_dim", 0)
    end = _get(args, kwargs, 2, "end_dim", -1)
    if n == 0:
        return BatchedTensor(v.reshape(v.shape[0], 1), level)
    s, e = _norm_dim(start, n), _norm_dim(end, n)
    if s > e:
        return NotImplemented
    return BatchedTensor(v.flatten(s + 1, e + 1), level)


def _unsqueeze(func, level, args, kwargs):
    v = _only_self(args, kwargs, level)
    if v is None:
        return NotImplemented
    d = _norm_dim(_get(args, kwargs, 1, "dim"), args[0].ndim + 1)
    return BatchedTensor(v.unsqueeze(d + 1), level)


def _squeeze(func, level, args, kwargs):
    v = _only_self(args, kwargs, level)
    if v is None:
        return NotImplemented
    shape = tuple(args[0].shape)
    d = _get(args, kwargs, 1, "dim")
    if d is None:
        dims = [i for i, s in enumerate(shape) if s == 1]
    elif isinstance(d, (tuple, list)):
        dims = [_norm_dim(x, len(shape)) for x in d]
    else:
        dims = [_norm_dim(d, len(shape))]
    keep = [s for i, s in enumerate(shape) if not (i in dims and s == 1)]
    return BatchedTensor(v.reshape((v.shape[0],) + tuple(keep)) if len(keep) != len(shape)
                         else v, level) if func.__name__ == "squeeze" else NotImplemented


def _transpose(func, level, args, kwargs):
    v = _only_self(args, kwargs, level)
    if v is None:
        return NotImplemented
    n = args[0].ndim
    a = _norm_dim(_get(args, kwargs, 1, "dim0"), n)
    b = _norm_dim(_get(args, kwargs, 2, "dim1"), n)
    if n == 0:
        return args[0]
    return BatchedTensor(v.transpose(a + 1, b + 1), level)


def _t(func, level, args, kwargs):
    n = args[0].ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    return args[0] if n < 2 else _transpose(func, level, (args[0], 0, 1), {})


def _permute(func, level, args, kwargs):
    v = _only_self(args, kwargs, level)
    if v is None:
        return NotImplemented
    dims = kwargs.get("dims", None)
    dims = tuple(dims) if dims is not None else _sizes(args, 1)
    n = args[0].ndim
    if len(dims) != n:
        return NotImplemented
    return BatchedTensor(v.permute((0,) + tuple(_norm_dim(d, n) + 1 for d in dims)), level)


def _flip(func, level, args, kwargs):
    v = _only_self(args, kwargs, level)
    if v is None:
        return NotImplemented
    dims = _get(args, kwargs, 1, "dims")
    if len(args) > 2:  # x.flip(0, 1)
        dims = args[1:]
    if isinstance(dims, int):
        dims = (dims,)
    if not isinstance(dims, (tuple, list)):
        return NotImplemented
    n = args[0].ndim
    return BatchedTensor(v.flip(tuple(_norm_dim(d, n) + 1 for d in dims)), level)


_reg(("flip",), _flip)


def _movedim(func, level, args, kwargs):
    v = _only_self(args, kwargs, level)
    if v is None:
        return NotImplemented
    n = args[0].ndim
    src = _get(args, kwargs, 1, "source")
    dst = _get(args, kwargs, 2, "destination")
    return BatchedTensor(v.movedim(_shift_dims(src, n), _shift_dims(dst, n)), level)


def _self_and_sizes(args, kwargs, level):
    """``(physical self, sizes, logical ndim)`` of ``x.expand(*sizes)``/``x.repeat(*sizes)``
    with the sizes given positionally and at least one per dim; None otherwise."""
    v = _only_self(args, kwargs, level)
    if v is None or kwargs:
        return None
    sizes = _sizes(args, 1)
    n = args[0].ndim
    return None if len(sizes) < n else (v, sizes, n)


def _expand(func, level, args, kwargs):
    got = _self_and_sizes(args, kwargs, level)
    if got is None:
        return NotImplemented
    v, sizes, n = got
    v = _padded(v, n, len(sizes))
    return BatchedTensor(v.expand((v.shape[0],) + tuple(sizes)), level)


def _expand_as(func, level, args, kwargs):
    return args[0].expand(tuple(args[1].shape))


# where the dim goes: ``x.chunk(chunks, dim=0)``, ``x.split(size, dim=0)`` take it second
_SPLIT_DIM_POS = {"split": 2, "chunk": 2, "tensor_split": 2}
_DIM_DEFAULTS_0 = frozenset(("split", "chunk", "tensor_split", "unbind"))


def _narrow_select(func, level, args, kwargs):
    v = _only_self(args, kwargs, level)
    if v is None:
        return NotImplemented
    n = args[0].ndim
    pos = _SPLIT_DIM_POS.get(func.__name__, 1)
    d = _get(args, kwargs, pos, "dim", 0 if func.__name__ in _DIM_DEFAULTS_0 else None)
    a, k = _put(args, kwargs, pos, "dim", _norm_dim(d, n) + 1)
    a[0] = v
    r = _call(func, *a, **k)
    return _wrap_tuple(r, level) if isinstance(r, (tuple, list)) else BatchedTensor(r, level)


def _repeat(func, level, args, kwargs):
    got = _self_and_sizes(args, kwargs, level)
    if got is None:
        return NotImplemented
    v, sizes, n = got
    return BatchedTensor(_padded(v, n, len(sizes)).repeat((1,) + tuple(sizes)), level)


_reg(("view", "reshape"), _reshape)
_reg(("view_as", "reshape_as"), _reshape_as)
_reg(("flatten",), _flatten)
_reg(("unsqueeze",), _unsqueeze)
_reg(("squeeze",), _squeeze)
_reg(("transpose", "swapaxes", "swapdims"), _transpose)
_reg(("t",), _t)
_reg(("permute",), _permute)
_reg(("movedim", "moveaxis"), _movedim)
_reg(("expand",), _expand)
_reg(("expand_as",), _expand_as)
_reg(("narrow", "select", "split", "chunk", "unbind", "tensor_split", "unflatten"),
     _narrow_select)
_reg(("repeat",), _repeat)


# ------------------------------------------------------------------------ indexing
def _basic_index(idx):
    if not isinstance(idx, tuple):
        idx = (idx,)
    for i in idx:
        if not (i is None or i is Ellipsis or isinstance(i, slice)
                or (isinstance(i, int) and not isinstance(i, bool))):
            return None
        if isinstance(i, slice) and not all(x is None or (isinstance(x, int) and
                                                          not isinstance(x, bool))
                                            for x in (i.start, i.stop, i.step)):
            return None
    return (slice(None),) + idx


def _getitem(func, level, args, kwargs):
    v = _only_self(args, kwargs, level)
    if v is None or len(args) != 2:
        return NotImplemented
    idx = _basic_index(args[1])
    if idx is None:
        return NotImplemented
    return BatchedTensor(v[idx], level)


def _setitem(func, level, args, kwargs):
    self, index, value = args
    v, b = physical(self, level)
    if not b:
        return NotImplemented
    idx = _basic_index(index)
    if idx is None:
        return NotImplemented
    region = v[idx]
    w, wb = physical(value, level)
    if wb:
        w = _padded(w, value.ndim, region.ndim - 1)
    v[idx] = w
    return None


_reg(("__getitem__",), _getitem)
_reg(("__setitem__",), _setitem)


# ------------------------------------------------------------------------ joining
def _join(func, level, args, kwargs):
    tensors = _get(args, kwargs, 0, "tensors")
    if not isinstance(tensors, (list, tuple)) or not tensors or max_level(args[1:], kwargs) \
            == level and "out" in kwargs:
        return NotImplemented
    if "out" in kwargs:
        return NotImplemented
    n = batch_size(level)
    d = _get(args, kwargs, 1, "dim", 0)
    ranks = {t.ndim for t in tensors}
    if len(ranks) != 1:
        return NotImplemented
    rank = ranks.pop()
    stack = func.__name__ == "stack"
    d = _norm_dim(d, rank + 1 if stack else rank) + 1
    if not stack and rank == 0:
        return NotImplemented
    phys = []
    for t in tensors:
        v, b = physical(t, level)
        phys.append(v if b else v.unsqueeze(0).expand((n,) + tuple(v.shape)))
    return BatchedTensor(_call(func, phys, d), level)


_reg(("cat", "concat", "concatenate", "stack"), _join)


# ------------------------------------------------------------------------ products
def _matmul_phys(a, b, level):
    """The logical ``a @ b`` where at least one of the two is batched at ``level``."""
    va, ba = physical(a, level)
    vb, bb = physical(b, level)
    na, nb = a.ndim, b.ndim
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    squeeze = []
    if na == 1:
        va = va.unsqueeze(-2)
        squeeze.append(-2)
        na = 2
    if nb == 1:
        vb = vb.unsqueeze(-1)
        squeeze.append(-1)
        nb = 2
    rank = max(na, nb)
    if ba:
        va = _padded(va, na, rank)
    if bb:
        vb = _padded(vb, nb, rank)
    out = va.matmul(vb)
    for s in sorted(squeeze):
        out = out.squeeze(s)
    return BatchedTensor(out, level)


def _matmul(func, level, args, kwargs):
    if len(args) != 2 or kwargs:
        return NotImplemented
    a, b = args
    name = func.__name__
    if name == "__rmatmul__":
        a, b = b, a
    if not (_is_tensor(a) and _is_tensor(b)):
        return NotImplemented
    if name == "mm" and (a.ndim != 2 or b.ndim != 2):
        raise RuntimeError(f"mm: expected 2D tensors, got {a.ndim}D and {b.ndim}D")
    if name == "bmm" and (a.ndim != 3 or b.ndim != 3):
        raise RuntimeError(f"bmm: expected 3D tensors, got {a.ndim}D and {b.ndim}D")
    if name == "mv" and (a.ndim != 2 or b.ndim != 1):
        raise RuntimeError(f"mv: expected a 2D matrix and a 1D vector, got {a.ndim}D and "
                           f"{b.ndim}D")
    if name in ("dot", "inner", "vdot") and (a.ndim != 1 or b.ndim != 1):
        return NotImplemented
    if name == "vdot" and a.is_complex():
        return NotImplemented
    return _matmul_phys(a, b, level)


_reg(("matmul", "__matmul__", "__rmatmul__", "mm", "bmm", "mv", "dot", "vdot"), _matmul)


def _linear(func, level, args, kwargs):
    x = _get(args, kwargs, 0, "input")
    w = _get(args, kwargs, 1, "weight")
    bias = _get(args, kwargs, 2, "bias")
    vw, bw = physical(w, level)
    vb, bb = physical(bias, level) if bias is not None else (None, False)
    if not bw and not bb:
        vx, bx = physical(x, level)
        if x.ndim == 0:
            return NotImplemented
        return BatchedTensor(_call(func, vx, vw, vb), level)
    out = x @ w.transpose(-1, -2) if w.ndim == 2 else x @ w
    return out + bias if bias is not None else out


_reg(("linear",), _linear)


def _einsum(func, level, args, kwargs):
    if kwargs or not args or not isinstance(args[0], str):
        return NotImplemented
    eq = args[0].replace(" ", "")
    ops = args[1:]
    if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
        ops = tuple(ops[0])
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ops):
        return NotImplemented
    used = set(eq)
    free = [c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjihgfedcba" if c not in used]
    if not free:
        return NotImplemented
    z = free[0]
    if not arrow:
        letters = [c for c in lhs if c.isalpha()]
        rhs = ("..." if "..." in lhs else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1))
    new_terms, phys = [], []
    for t, o in zip(terms, ops):
        v, b = physical(o, level)
        new_terms.append(z + t if b else t)
        phys.append(v)
    return BatchedTensor(_call(func, ",".join(new_terms) + "->" + z + rhs, *phys), level)


_reg(("einsum",), _einsum)


# ------------------------------------------------------------------------ convolution
def _conv(func, level, args, kwargs):
    x = _get(args, kwargs, 0, "input")
    w = _get(args, kwargs, 1, "weight")
    bias = _get(args, kwargs, 2, "bias")
    rest = {k: v for k, v in kwargs.items() if k not in ("input", "weight", "bias")}
    extra = tuple(args[3:])
    names = ("stride", "padding", "dilation", "groups")
    for nm, val in zip(names, extra):
        rest[nm] = val
    if isinstance(rest.get("padding"), str) and rest.get("padding") not in ("valid", "same"):
        return NotImplemented
    vx, bx = physical(x, level)
    vw, bw = physical(w, level)
    vb, bb = physical(bias, level) if bias is not None else (None, False)
    spatial = w.ndim - 2
    if x.ndim not in (spatial + 1, spatial + 2):
        return NotImplemented
    n = batch_size(level)
    unbatched_input = x.ndim == spatial + 1
    if not bw and not bb:
        # the batch folds into the convolution's own batch dimension
        if unbatched_input:
            out = _call(func, vx, vw, vb, **rest)
        else:
            s = tuple(vx.shape)
            out = _call(func, vx.reshape((s[0] * s[1],) + s[2:]), vw, vb, **rest)
            out = out.reshape(s[:2] + tuple(out.shape[1:]))
        return BatchedTensor(out, level)
    # per-entry weights: the batch folds into the channels, one group block per entry
    groups = rest.pop("groups", 1)
    if not bx:
        vx = vx.unsqueeze(0).expand((n,) + tuple(vx.shape))
    if not bw:
        vw = vw.unsqueeze(0).expand((n,) + tuple(vw.shape))
    if bias is not None and not bb:
        vb = vb.unsqueeze(0).expand((n,) + tuple(vb.shape))
    if unbatched_input:
        vx = vx.unsqueeze(1)
    s = tuple(vx.shape)  # (B, N, C, *spatial)
    xs = vx.transpose(0, 1).reshape((s[1], s[0] * s[2]) + s[3:])
    ws = tuple(vw.shape)
    wf = vw.reshape((ws[0] * ws[1],) + ws[2:])
    bf = vb.reshape(-1) if vb is not None else None
    out = _call(func, xs, wf, bf, groups=groups * n, **rest)
    o = tuple(out.shape)
    out = out.reshape((o[0], n, ws[1]) + o[2:]).transpose(0, 1)
    if unbatched_input:
        out = out.squeeze(1)
    return BatchedTensor(out, level)


_reg(("conv1d", "conv2d", "conv3d"), _conv)


# ------------------------------------------------------------------------ losses
def _loss_reduce(per, reduction, level):
    if reduction == "none":
        return BatchedTensor(per, level)
    flat = per.reshape(per.shape[0], -1)
    if reduction == "sum":
        return BatchedTensor(flat.sum(1), level)
    if reduction == "mean":
        return BatchedTensor(flat.mean(1), level)
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _mse(func, level, args, kwargs):
    a = _get(args, kwargs, 0, "input")
    b = _get(args, kwargs, 1, "target")
    if len(args) > 2 or any(k not in ("input", "target", "reduction") for k in kwargs):
        return NotImplemented
    reduction = kwargs.get("reduction", "mean")
    if tuple(a.shape) != tuple(b.shape):
        return NotImplemented  # (the fallback warns about broadcasting as PyTorch does)
    va, ba = physical(a, level)
    vb, bb = physical(b, level)
    n = batch_size(level)
    if not ba:
        va = va.unsqueeze(0).expand((n,) + tuple(va.shape))
    if not bb:
        vb = vb.unsqueeze(0).expand((n,) + tuple(vb.shape))
    per = _call(func, va, vb, reduction="none")
    return _loss_reduce(per, reduction, level)


def _cross_entropy(func, level, args, kwargs):
    x = _get(args, kwargs, 0, "input")
    y = _get(args, kwargs, 1, "target")
    if len(args) > 2 or any(k not in ("input", "target", "reduction") for k in kwargs):
        return NotImplemented
    reduction = kwargs.get("reduction", "mean")
    if y.is_floating_point() or x.ndim not in (1, 2) or y.ndim != x.ndim - 1:
        return NotImplemented
    n = batch_size(level)
    vx, bx = physical(x, level)
    vy, by = physical(y, level)
    if not bx:
        vx = vx.unsqueeze(0).expand((n,) + tuple(vx.shape))
    if not by:
        vy = vy.unsqueeze(0).expand((n,) + tuple(vy.shape))
    c = x.shape[-1]
    per = _call(func, vx.reshape(-1, c), vy.reshape(-1), reduction="none").reshape(n, -1)
    if reduction == "none" and x.ndim == 1:
        return BatchedTensor(per.reshape(n), level)
    return _loss_reduce(per, reduction, level)


_reg(("mse_loss",), _mse)
_reg(("cross_entropy",), _cross_entropy)
