"""Running ``func`` once on batched tensors (``vmap``'s batched mode), and the function
transforms' side of it: gradients taken inside ``vmap`` are taken of the physical values,
one backward pass for the whole batch.

Per-entry independence makes that exact: no batching rule mixes batch entries, so the
gradient of the sum over the batch of the outputs, with respect to a physical input, holds
each entry's own gradient in that entry's slice. Inputs a gradient transform watches inside
``vmap`` are first made batched at every running level (``lift``), so a gradient with respect
to a tensor shared by all entries (a model's parameters) is per entry too.
"""

from __future__ import annotations

import itertools

from .._tensor import torch_function as _tf
from ..autograd.graph import _hooks as _graph_hooks
from .backward_ns import batched_ns
from .batched import LEVELS, BatchedTensor, VmapFallback, batch_size, lift
from .randomness import RANDOMNESS

__all__ = ["MODE", "STATS", "grads_of", "innermost", "rewrap", "run_batched", "watch"]

_COUNTER = itertools.count(1)
# how many vmap calls ran batched and how many ran entry by entry, and how many backward passes
# with batched cotangents ran entry by entry (tests read it)
STATS = {"batched": 0, "loop": 0, "backward_loop": 0}
# "batched" (the default: batched, entry by entry where that fails), "loop" (always entry by
# entry) or "strict" (batched, errors raised: for tests of the batching rules)
MODE = ["batched"]


def innermost(x):
    """``(physical tensor, [levels, outermost wrapper first])`` of ``x``."""
    chain = []
    while type(x) is BatchedTensor:
        chain.append(x.level)
        x = x.value
    return x, chain


def rewrap(v, chain):
    for lv in reversed(chain):
        v = BatchedTensor(v, lv)
    return v


def run_batched(func, leaves, dims, spec, kwargs, out_dims, batch, unflatten, flatten,
                randomness="error"):
    """``func`` on the leaves batched at a new level (``dims``: each leaf's mapped dim or
    None; ``randomness``: the level's, see ``randomness.py``); returns the outputs with the
    batch at ``out_dims``. VmapFallback where the call cannot run batched."""
    level = next(_COUNTER)
    RANDOMNESS[level] = randomness
    outermost = not LEVELS
    routed_here = False
    if outermost and not _tf._ROUTED:
        _route(True)
        routed_here = True
    was_active = _tf.ACTIVE[0]
    _tf.ACTIVE[0] = True
    LEVELS.append((level, batch))
    try:
        args = [x if d is None else BatchedTensor(x.movedim(d, 0) if d else x, level)
                for x, d in zip(leaves, dims)]
        out = func(*unflatten(args, spec), **kwargs)
        o_leaves, o_spec = flatten(out)
        if isinstance(out_dims, int):
            o_dims = [out_dims] * len(o_leaves)
        else:
            o_dims = flatten(out_dims)[0]
            if len(o_dims) != len(o_leaves):
                raise VmapFallback("out_dims do not match the outputs")
        res = []
        for x, d in zip(o_leaves, o_dims):
            from .._tensor.tensor import Tensor

            if not isinstance(x, Tensor):
                raise VmapFallback("a non-Tensor output")
            batched = type(x) is BatchedTensor and x.level == level
            if d is None:
                if batched:
                    raise VmapFallback("out_dims=None for a batched output")
                res.append(x)
                continue
            v = x.value if batched else x.unsqueeze(0).expand((batch,) + tuple(x.shape))
            nd = v.ndim
            if not -nd <= d < nd:
                raise VmapFallback("out_dim out of range")
            d %= nd
            # contiguous, as stacking entries made it (and as PyTorch's results mostly are:
            # randn_like and friends fill in memory order, so the layout shows in values)
            res.append((v.movedim(0, d) if d else v).contiguous())
        return unflatten(res, o_spec)
    finally:
        LEVELS.pop()
        del RANDOMNESS[level]
        if routed_here:
            _route(False)
        if outermost and not was_active and not _tf._MODES:
            _tf.ACTIVE[0] = False  # (plain calls after vmap pay nothing for its dispatch)


_ROUTES: list = []  # (name, Tensor's own attribute, its dispatching stand-in)


def _routes():
    """The Tensor methods and operators that take a second tensor (``plain + batched``,
    ``plain.matmul(batched)``): while vmap runs, these dispatch on plain Tensors too, so a
    batched argument reaches its rule. (Routing every method, as a TorchFunctionMode does,
    took 2 ms per vmap call; these few take a tenth of it.)"""
    if not _ROUTES:
        import inspect

        from .._tensor.tensor import Tensor
        from .rules import RULES  # (importing it fills the table)

        for name, face in _tf._subclass_faces().items():
            base = Tensor.__dict__.get(name)
            if base is None or isinstance(base, property) or not callable(base):
                continue
            if name not in RULES and not name.startswith("__") and name not in _EXTRA_ROUTES:
                continue
            try:
                params = inspect.signature(base).parameters
            except (TypeError, ValueError):
                params = {"self": 0, "other": 0}
            if len(params) < 2:
                continue
            _ROUTES.append((name, base, _tf._Routed(base, face)))
    return _ROUTES


_EXTRA_ROUTES = frozenset((
    "expand_as", "view_as", "reshape_as", "type_as", "copy_", "masked_fill", "masked_fill_",
    "index_select", "gather", "scatter", "scatter_add", "index_add", "index_copy",
    "index_fill", "outer", "inner", "cross", "kron", "tensordot", "bmm", "mm", "mv", "dot",
    "matmul", "vdot", "addmm", "addmv", "addbmm", "baddbmm", "put_", "masked_scatter",
    "where", "lerp", "lerp_", "new_tensor"))


def _route(on):
    from .._tensor.tensor import Tensor

    for name, base, routed in _routes():
        setattr(Tensor, name, routed if on else base)


def watch(x, watch_plain):
    """``x`` made a graph input inside running vmaps: batched at every level, its physical
    value the watched tensor."""
    v, chain = innermost(lift(x, list(LEVELS)))
    return rewrap(watch_plain(v), chain)


def _slice_at(x, level, i):
    if type(x) is BatchedTensor and x.level == level:
        return x.value[i]
    return x


def grads_of(plain, out, inputs, cotangent):
    """``func._grads_of`` where an output, input or cotangent is batched."""
    import gradkit as F

    from ..factories import ones_like

    single = not isinstance(out, list)
    outs = [out] if single else list(out)
    cots = [None] * len(outs) if cotangent is None else (
        [cotangent] if single else list(cotangent))
    chains = [innermost(x)[1] for x in inputs]
    chain = chains[0] if chains else []
    if any(c != chain for c in chains):
        raise VmapFallback("inputs batched at different levels")
    extra = set()
    for x in outs + cots:
        extra.update(lv for lv in innermost(x)[1] if lv not in chain)
    if extra:
        lv = max(extra)
        if chain and lv < max(chain):
            raise VmapFallback("a cotangent batched outside the inputs' levels")
        gs = _batched_backward(plain, outs, inputs, cots, cotangent, extra, chains)
        if gs is not None:
            return gs
        per = [grads_of(plain, [_slice_at(o, lv, i) for o in outs], inputs,
                        [_slice_at(c, lv, i) for c in cots] if cotangent is not None
                        else None)
               for i in range(batch_size(lv))]
        return [BatchedTensor(F.stack([p[j] for p in per]), lv) for j in range(len(inputs))]
    levels = [(lv, batch_size(lv)) for lv in reversed(chain)]
    p_outs = [innermost(lift(o, levels))[0] for o in outs]
    if cotangent is None:
        p_cots = [ones_like(o) for o in p_outs]
    else:
        p_cots = [innermost(lift(c, levels))[0] for c in cots]
    p_ins = [innermost(x)[0] for x in inputs]
    gs = plain(p_outs, p_ins, p_cots)
    return [rewrap(g, c) for g, c in zip(gs, chains)]


def _batched_backward(plain, outs, inputs, cots, cotangent, extra, chains):
    """One backward pass whose cotangents are batched at a level the graph is not (the rows
    of a Jacobian, ``vmap(vjp_fn)``): the backward rules run on BatchedTensors, each op once
    for the whole batch by its batching rule. Values batched at the inputs' own levels
    (``vmap(jacrev(f))``) take part by their physical values, as in ``grads_of``. None where
    that cannot be (an output batched at the cotangents' level, a rule that needs a plain
    tensor): then each entry runs a backward pass of its own."""
    (lv,) = extra if len(extra) == 1 else (None,)
    if lv is None or cotangent is None or any(lv in innermost(o)[1] for o in outs):
        return None
    chain = chains[0] if chains else []
    levels = [(c, batch_size(c)) for c in reversed(chain)]
    k = len(levels)
    p_outs = [innermost(lift(o, levels))[0] for o in outs]
    p_ins = [innermost(x)[0] for x in inputs]
    p_cots = []
    for c in cots:
        if type(c) is BatchedTensor and c.level == lv:
            # (B_lv, logical) at the chain's levels -> physical (chain's batches, B_lv,
            # logical) -> B_lv in front, batched at lv
            p = innermost(lift(c.value, levels))[0]
            p_cots.append(BatchedTensor(p.movedim(k, 0) if k else p, lv))
        else:
            p_cots.append(innermost(lift(c, levels))[0])
    rules_ns = _graph_hooks["tensor_ns"]
    _graph_hooks["tensor_ns"] = batched_ns()  # (see backward_ns.py)
    try:
        gs = plain(p_outs, p_ins, p_cots)
    except Exception:  # (the per-entry passes give the same results or raise where it belongs)
        STATS["backward_loop"] += 1
        return None
    finally:
        _graph_hooks["tensor_ns"] = rules_ns
    res = []
    for g, c in zip(gs, chains):
        if type(g) is BatchedTensor and g.level == lv:
            res.append(rewrap(g.value.movedim(0, k) if k else g.value, [lv] + c))
        else:
            res.append(rewrap(g, c))
    return res
