"""``gradkit.func``: function transforms over Tensors, as ``torch.func``: ``grad``,
``grad_and_value``, ``vjp``, ``jvp``, ``jacrev``, ``jacfwd``, ``hessian``, ``vmap`` and
``functional_call``.

They are built on the reverse-mode engine, which records every backward rule, so transforms
nest to any order (``grad(grad(f))``, ``jacrev(jacrev(f))``, ``vmap(grad(f))``). Differences
from PyTorch, with the same results:

- ``vmap`` runs ``func`` once on batched tensors with batching rules (``gradkit/_vmap``), as
  functorch does; an op without a rule runs once per entry on slices. A call that cannot run
  batched (Python needs a value: ``.item()``, ``if x.sum() > 0``) runs ``func`` once per batch
  entry and stacks the outputs along ``out_dims``. Random ops with batching rules
  (``rand_like``, ``randn_like``, dropout, ``bernoulli``, ``normal_``, ...) draw torch.func's
  numbers: ``randomness='different'`` the whole batch at once, ``'same'`` one entry's worth
  for every entry; ``'error'`` (the default) raises PyTorch's error. A random factory
  (``randn(3)``) under ``'different'`` runs entry by entry, each entry drawing in turn
  (PyTorch draws the batch at once: the same numbers for ``rand``, others for ``randn`` of 16
  or more values). ``chunk_size`` runs that many entries at a time.
- ``vjp_fn`` and the Jacobians run their backward passes through the recorded graph;
  cotangents batched by ``vmap`` (``vmap(vjp_fn)``, the basis of a Jacobian's rows) go through
  it once, each backward op run for the whole batch by its batching rule. ``jacrev``,
  ``jacfwd`` and ``hessian`` take all rows in one such pass (``chunk_size`` rows at a time).
- ``jvp`` and ``jacfwd`` use reverse mode (``jvp`` the double-vjp identity: two backward passes;
  ``jacfwd`` the same Jacobian as ``jacrev``).

Arguments and results may be Tensors or (nested) tuples, lists and dicts of them (pytrees).
"""

from __future__ import annotations

import contextlib
import functools
import weakref

import numpy as np

from . import _vmap as _vm
from .autograd.backward import grad as _grad
from .autograd.engine import KEEP_GRAPH as _KEEP_GRAPH
from .autograd.grad_mode import enable_grad, is_grad_enabled

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
           "stack_module_state", "value_and_grad", "vjp", "vmap", "linearize", "functionalize",
           "replace_all_batch_norm_modules_"]

_depth = [0]  # how many transforms are running: results keep their graph inside another one
# the graph inputs the transforms made (detached copies of their inputs, jvp's dummies), by id:
# a result connected only to these carries no graph out of the outermost transform
_inner = weakref.WeakValueDictionary()


@contextlib.contextmanager
def _transform():
    _depth[0] += 1
    try:
        with enable_grad():
            yield
    finally:
        _depth[0] -= 1


def _Tensor():
    from ._tensor import Tensor

    return Tensor


# ------------------------------------------------------------------------------------ pytrees
def _flatten(tree):
    """``(leaves, spec)``: the Tensors (and other leaves) of nested tuples, lists and dicts."""
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for t in tree:
            lv, sp = _flatten(t)
            leaves += lv
            specs.append(sp)
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for t in tree.values():
            lv, sp = _flatten(t)
            leaves += lv
            specs.append(sp)
        return leaves, (dict, (list(tree.keys()), specs))
    return [tree], None


def _unflatten(leaves, spec):
    it = iter(leaves)

    def build(sp):
        if sp is None:
            return next(it)
        kind, inner = sp
        if kind is dict:
            keys, specs = inner
            return {k: build(s) for k, s in zip(keys, specs)}
        items = [build(s) for s in inner]
        if hasattr(kind, "_fields"):  # a named tuple (values, indices)
            return kind(*items)
        return kind(items) if kind is not tuple else tuple(items)

    return build(spec)


def _map(fn, tree):
    leaves, spec = _flatten(tree)
    return _unflatten([fn(x) for x in leaves], spec)


def _tensors(leaves, what):
    T = _Tensor()
    for x in leaves:
        if not isinstance(x, T):
            raise RuntimeError(f"{what}: expected Tensors (or tuples, lists and dicts of them), "
                               f"got {type(x).__name__}")
    return leaves


def _zeros_like(t):
    from ._tensor import wrap

    if _vm.is_batched(t):
        from . import zeros_like

        return zeros_like(t)
    return wrap(np.zeros_like(t.detach().numpy()))


def _finish(tree, keep):
    """Results outside every transform carry no graph (as in PyTorch) unless an input requires
    grad or the result depends on a Tensor requiring grad that ``func`` captured (a module's
    parameters: the outer backward then reaches them through the transform, as in PyTorch);
    inside another transform they keep it."""
    if keep or _depth[0] > 0:
        return tree
    T = _Tensor()
    if not is_grad_enabled():
        return _map(lambda x: x.detach() if isinstance(x, T) else x, tree)
    clean = set()
    return _map(lambda x: (x if x.requires_grad and _reaches_outer(x, clean) else x.detach())
                if isinstance(x, T) else x, tree)


def _outer_leaf(t) -> bool:
    return t.requires_grad and _inner.get(id(t)) is not t


def _reaches_outer(t, clean) -> bool:
    """Whether ``t``'s graph reaches a leaf requiring grad that no transform made (``clean``:
    the nodes already known not to, shared between the results of one transform)."""
    t = _vm.innermost(t)[0]
    fn = t._grad_fn
    if fn is None:
        return _outer_leaf(t)
    T = _Tensor()
    stack, seen = [fn], set()
    while stack:
        n = stack.pop()
        if n is None:
            continue
        if isinstance(n, T):
            if _outer_leaf(n):
                return True
            continue
        k = id(n)
        if k in seen or k in clean:
            continue
        seen.add(k)
        stack.extend(getattr(n, "next", None) or ())
    clean |= seen
    return False


def _inner_input(t):
    _inner[id(t)] = t
    return t


def _any_requires_grad(trees):
    T = _Tensor()
    return is_grad_enabled() and any(
        isinstance(x, T) and x.requires_grad for x in _flatten(list(trees))[0])


def _argnums_tuple(argnums, nargs):
    if isinstance(argnums, bool) or not isinstance(argnums, (int, tuple)) or (
            isinstance(argnums, tuple) and (not argnums or not all(
                isinstance(a, int) and not isinstance(a, bool) for a in argnums))):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {argnums!r}")
    nums, single = ((argnums,), True) if isinstance(argnums, int) else (argnums, False)
    for n in nums:
        if not -nargs <= n < nargs:
            raise RuntimeError(f"Got argnums={n}, but only {nargs} positional inputs")
    return tuple(n % nargs for n in nums), single


def _watched(tree):
    """``tree`` with every float Tensor made a graph input (a detached copy when it does not
    require grad; the Tensor itself when it does, so outer transforms see through)."""
    T = _Tensor()

    def watch(x):
        if isinstance(x, T) and not x.requires_grad and x.dtype.kind == "f":
            return _inner_input(x.detach().requires_grad_(True))
        return x

    if _vm.LEVELS:  # inside vmap: every entry gets its own input (see _vmap/run.py)
        return _map(lambda x: _vm.watch(x, watch) if isinstance(x, T) and x.dtype.kind == "f"
                    else x, tree)
    return _map(watch, tree)


def _grads_of(out, inputs, cotangent=None):
    """d<cotangent, out>/d inputs (zeros for inputs the output does not depend on)."""
    if _vm.LEVELS and any(_vm.is_batched(x) for x in _flatten([out, inputs, cotangent])[0]):
        return _vm.grads_of(_engine_grads, out, inputs, cotangent)
    return _engine_grads(out, inputs, cotangent)


def _engine_grads(out, inputs, cotangent=None):
    """``_grads_of`` by one backward pass of the engine (cotangents may be batched: the
    backward rules then run on BatchedTensors)."""
    outs = [o for o in out if o.requires_grad] if isinstance(out, list) else out
    cot = cotangent
    if isinstance(out, list):
        cot = [c for o, c in zip(out, cotangent) if o.requires_grad]
        if not outs:
            return [_zeros_like(x) for x in inputs]
    elif not out.requires_grad:
        return [_zeros_like(x) for x in inputs]
    gs = _grad(outs, list(inputs), cot, create_graph=True, allow_unused=True)
    return [_zeros_like(x) if g is None else g for g, x in zip(gs, inputs)]


# --------------------------------------------------------------------------------- gradients
def grad_and_value(func, argnums=0, has_aux=False):
    """A function computing ``(gradient, value)`` of ``func`` with respect to
    ``args[argnums]`` (``(gradient, (value, aux))`` with ``has_aux``). ``func`` returns a
    one-element Tensor; the arguments named by ``argnums`` may be pytrees of Tensors and the
    gradient has their structure."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums, single = _argnums_tuple(argnums, len(args))
        keep = _any_requires_grad([args[n] for n in nums])
        with _transform():
            args = list(args)
            for n in nums:
                args[n] = _watched(args[n])
            out = func(*args, **kwargs)
            aux = None
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError("grad_and_value(f)(*args): output of function f should be "
                                       "a tuple: (output, aux) if has_aux is True")
                out, aux = out
            if not isinstance(out, _Tensor()):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"Tensor, got {type(out).__name__}")
            if out.numel() != 1:
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"scalar Tensor, got tensor with {out.ndim} dims (shape "
                                   f"{tuple(out.shape)}). Maybe you wanted to use the vjp or "
                                   f"jacrev APIs instead?")
            flat = [_flatten(args[n]) for n in nums]
            leaves = _tensors([x for lv, _ in flat for x in lv], "grad")
            gs = _grads_of(out.reshape(()), leaves)
            grads, i = [], 0
            for lv, spec in flat:
                grads.append(_unflatten(gs[i:i + len(lv)], spec))
                i += len(lv)
            g = grads[0] if single else tuple(grads)
        g = _finish(g, keep)
        value = _finish(out, keep)
        if has_aux:
            return g, (value, _finish(aux, keep))
        return g, value

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A function computing the gradient of ``func`` (a one-element Tensor) with respect to
    ``args[argnums]`` (``(gradient, aux)`` with ``has_aux``). Nests: ``grad(grad(f))``.

    Examples:
        >>> d2 = gradkit.func.grad(gradkit.func.grad(lambda x: (x ** 3).sum()))
        >>> d2(gradkit.tensor(2.0))   # 6 * 2
        tensor(12.)
    """
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


def value_and_grad(func, argnums=0, has_aux=False):
    """``(value, gradient)`` (``((value, aux), gradient)`` with ``has_aux``): the JAX order of
    ``grad_and_value``."""
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return value, g

    return wrapper


def vjp(func, *primals, has_aux=False):
    """``(func(*primals), vjp_fn)`` (and ``aux`` with ``has_aux``): ``vjp_fn(cotangents)``
    returns the vector-Jacobian products, a tuple with one entry per primal."""
    keep = _any_requires_grad(primals)
    with _transform():
        ps = [_watched(p) for p in primals]
        out = func(*ps)
        aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError("vjp(f, *primals): output of function f should be a tuple: "
                                   "(output, aux) if has_aux is True")
            out, aux = out
    out_leaves, out_spec = _flatten(out)
    _tensors(out_leaves, "vjp(f, *primals)")
    flat = [_flatten(p) for p in ps]

    def vjp_fn(*cotangents):
        cot = cotangents[0] if len(cotangents) == 1 else cotangents
        c_leaves, c_spec = _flatten(cot)
        if c_spec != out_spec and not (len(c_leaves) == len(out_leaves) == 1):
            raise RuntimeError("Expected pytree structure of cotangents to be the same as "
                               "pytree structure of outputs to the function")
        for c, o in zip(c_leaves, out_leaves):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output has a shape of "
                                   f"{tuple(c.shape)} and output has a shape of "
                                   f"{tuple(o.shape)}")
        with _transform():
            leaves = [x for lv, _ in flat for x in lv]
            gs = _grads_of(list(out_leaves), leaves, list(c_leaves))
        res, i = [], 0
        for lv, spec in flat:
            res.append(_unflatten(gs[i:i + len(lv)], spec))
            i += len(lv)
        return _finish(tuple(res), keep or _any_requires_grad([cot]))

    if has_aux:
        return _finish(out, keep), vjp_fn, _finish(aux, keep)
    return _finish(out, keep), vjp_fn


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J v)`` with ``v = tangents`` (and ``aux`` with ``has_aux``);
    ``primals`` and ``tangents`` are tuples of the same structure. Computed as the vjp of a
    vjp (two backward passes)."""
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to be "
                           "tuples. E.g. it should be valid to call f(*primals).")
    p_leaves, p_spec = _flatten(primals)
    t_leaves, t_spec = _flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have "
                           "the same python structure.")
    for p, t in zip(_tensors(p_leaves, "jvp"), _tensors(t_leaves, "jvp")):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"jvp(f, primals, tangents): Expected primals and tangents to "
                               f"have the same shape, got {tuple(p.shape)} and "
                               f"{tuple(t.shape)}")
    keep = _any_requires_grad([primals, tangents])
    from ._tensor import wrap

    with _transform():
        ps = _watched(primals)
        out = func(*ps)
        aux = None
        if has_aux:
            out, aux = out
        o_leaves, o_spec = _flatten(out)
        _tensors(o_leaves, "jvp(f, primals, tangents)")
        us = [_watched(_zeros_like(o)) if _vm.LEVELS
              else _inner_input(wrap(np.zeros_like(o.detach().numpy())).requires_grad_(True))
              for o in o_leaves]
        g = _grads_of(list(o_leaves), _flatten(ps)[0], us)
        live = [(gi, ti) for gi, ti in zip(g, t_leaves) if gi.requires_grad]
        if live:
            jv = _grads_of([gi for gi, _ in live], us, [ti for _, ti in live])
        else:
            jv = [None] * len(us)
        jv = [_zeros_like(o) if r is None else r for r, o in zip(jv, o_leaves)]
    res = (_finish(out, keep), _finish(_unflatten(jv, o_spec), keep))
    return res + (_finish(aux, keep),) if has_aux else res


# -------------------------------------------------------------------------------- Jacobians
# id(J) -> (weak reference to J, its rows) for a Jacobian J made inside another transform: an
# enclosing Jacobian of J (hessian = jacfwd(jacrev(f)), jacrev(jacrev(f))) differentiates
# each element from its own row; through J's stack every backward pass walked the graphs of
# all rows, the others with zero gradients (a 128-input Hessian of a layer: 4x the time)
_JAC_ROWS: dict = {}


def _stacked_rows(rows, shape):
    from .functions import stack

    if _vm.LEVELS:
        from . import stack  # (the face: rows may be batched by vmap)

    jac = stack(rows).reshape(shape)
    if _depth[0] > 1 and jac.requires_grad:
        key = id(jac)
        _JAC_ROWS[key] = (weakref.ref(jac, lambda _, k=key: _JAC_ROWS.pop(k, None)), rows)
    return jac


def _elements(o):
    """The elements of ``o`` in row-major order, each a 0-d Tensor to differentiate: taken from
    the rows ``o`` was stacked from when it is a Jacobian made by an inner transform."""
    entry = _JAC_ROWS.get(id(o))
    rows = (o,) if entry is None or entry[0]() is not o else entry[1]
    for row in rows:
        flat = row.reshape(-1)
        for i in range(row.numel()):
            yield flat[i]


def _error_if_complex(who, leaves, what):
    """PyTorch's refusal of complex inputs and outputs of jacrev/jacfwd (no silent zeros)."""
    T = _Tensor()
    for i, x in enumerate(leaves):
        if isinstance(x, T) and x.dtype.is_complex:
            raise RuntimeError(f"{who}: Expected all {what} to be real but received complex "
                               f"tensor at flattened input idx: {i}")


def _jacobian(func, argnums, has_aux, args, kwargs, chunk_size=None, reverse=False):

    who = "jacrev" if reverse else "jacfwd"
    _error_if_complex(who, _flatten(list(args))[0], "inputs")
    nums, single = _argnums_tuple(argnums, len(args))
    keep = _any_requires_grad([args[n] for n in nums])
    with _transform():
        args = list(args)
        for n in nums:
            args[n] = _watched(args[n])
        out = func(*args, **kwargs)
        aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError("jacrev(f, ...)(*args): output of function f should be a "
                                   "tuple: (output, aux) if has_aux is True")
            out, aux = out
        o_leaves, o_spec = _flatten(out)
        _tensors(o_leaves, "jacrev(f, ...)(*args)")
        _error_if_complex(who, o_leaves, "outputs")
        for o in o_leaves if reverse else ():
            if o.dtype.kind not in "fc":
                raise RuntimeError(f"vjp(f, ...): All outputs of f must be floating-point or "
                                   f"complex Tensors, got Tensor with dtype {o.dtype}")
        flat = [_flatten(args[n]) for n in nums]
        ins = [x for lv, _ in flat for x in lv]
        per_out = []
        for jac in _jacobian_blocks(o_leaves, ins, chunk_size):
            grouped, i = [], 0
            for lv, spec in flat:
                grouped.append(_unflatten(jac[i:i + len(lv)], spec))
                i += len(lv)
            per_out.append(grouped[0] if single else tuple(grouped))
        result = _unflatten(per_out, o_spec)
    result = _finish(result, keep)
    return (result, _finish(aux, keep)) if has_aux else result


def _jacobian_blocks(outs, ins, chunk_size):
    """For each output, its Jacobian with respect to each input (shape ``o.shape + x.shape``):
    one backward pass whose cotangents are the basis of the outputs' elements, batched by
    ``vmap`` (``chunk_size`` of them at a time), as torch.func's ``jacrev``; one backward pass
    per element where vmap runs entry by entry (``_vmap.MODE``)."""
    total = sum(o.numel() for o in outs)
    rows = None
    if total and ins and _vm.MODE[0] != "loop":
        rows = _basis_rows(outs, ins, total, chunk_size)
    blocks, start = [], 0
    for o in outs:
        n = o.numel()
        jac = []
        for j, x in enumerate(ins):
            shape = tuple(o.shape) + tuple(x.shape)
            if n == 0:
                from ._tensor import wrap

                jac.append(wrap(np.zeros(shape, dtype=x.dtype)))
            elif rows is not None:
                jac.append(rows[j][start:start + n].reshape(shape))
            else:
                grads = [_grads_of(elem, ins) for elem in _elements(o)]
                jac.append(_stacked_rows([g[j] for g in grads], shape))
        blocks.append(jac)
        start += n
    return blocks


def _basis_rows(outs, ins, total, chunk_size):
    """Per input, the ``total`` rows of the Jacobian stacked (``(total,) + x.shape``): the
    vjps of the standard basis of the outputs' elements, ``chunk_size`` at a time."""
    from . import cat

    step = total if chunk_size is None else chunk_size
    parts = []
    for start in range(0, total, step):
        stop = min(start + step, total)
        basis = []
        offset = 0
        for o in outs:
            n = o.numel()
            e = np.zeros((stop - start, n), dtype=o.dtype)
            lo, hi = max(start, offset), min(stop, offset + n)
            if lo < hi:
                e[np.arange(lo - start, hi - start), np.arange(lo - offset, hi - offset)] = 1
            basis.append(_wrap_like(e.reshape((stop - start,) + tuple(o.shape)), o))
            offset += n

        def rows_of(*cots):
            return tuple(_grads_of(list(outs), ins, list(cots)))

        parts.append(vmap(rows_of)(*basis))
    if len(parts) == 1:
        return list(parts[0])
    return [cat([p[j] for p in parts]) for j in range(len(ins))]


def _wrap_like(arr, like):
    """Array ``arr`` as a Tensor on ``like``'s device."""
    from ._tensor import wrap

    dev = like.device
    t = wrap(arr)
    return t if dev.type == "cpu" else t.to(dev)


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    """A function computing the Jacobian of ``func`` with respect to ``args[argnums]``: for an
    output of shape ``O`` and an input of shape ``I``, shape ``O + I``; tuples of argnums and
    pytrees of outputs give the matching nested structure (outputs outside)."""

    _chunk_size(chunk_size, "jacrev")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _jacobian(func, argnums, has_aux, args, kwargs, chunk_size, reverse=True)

    return wrapper


def _chunk_size(chunk_size, who):
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(
            chunk_size, int) or chunk_size < 1):
        raise ValueError(f"{who}: `chunk_size` should be greater than 0. (got "
                         f"{chunk_size!r}; None computes every row at once)")


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian as ``jacrev`` (gradkit computes it in reverse mode; the values are those of
    forward mode)."""
    _randomness(randomness)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _jacobian(func, argnums, has_aux, args, kwargs)

    return wrapper


def hessian(func, argnums=0):
    """The Hessian of scalar ``func`` with respect to ``args[argnums]``: ``jacfwd(jacrev(f))``
    (shape ``I + I``; tuples of argnums give nested blocks)."""
    return jacfwd(jacrev(func, argnums), argnums)


# ------------------------------------------------------------------------------------- vmap
def _randomness(r):
    if r not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {r}")


def _fn_name(func):
    return getattr(func, "__name__", type(func).__name__)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """``func`` mapped over a dimension of its inputs: ``vmap(f)(x)[i] == f(x[i])``.

    ``in_dims``: an int (every input's dimension), ``None`` (not mapped), or a tuple with one
    entry per positional argument (itself nested for pytree arguments). ``out_dims``: where the
    batch dimension goes in each output (an int or a tuple per output). See the module
    docstring for how it runs and for ``randomness``.
    """
    _randomness(randomness)
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(
            chunk_size, int) or chunk_size < 1):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got "
                         f"{chunk_size})")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        name = f"vmap({_fn_name(func)}, in_dims={in_dims!r}, ...)(<inputs>)"
        T = _Tensor()
        if isinstance(in_dims, int) and not isinstance(in_dims, bool):
            dims_tree = _map(lambda _: in_dims, list(args))
        elif isinstance(in_dims, tuple):
            if len(in_dims) != len(args):
                raise ValueError(f"{name}: in_dims is not compatible with the structure of "
                                 f"`inputs`: in_dims has {len(in_dims)} entries but there are "
                                 f"{len(args)} positional inputs")
            dims_tree = []
            for d, a in zip(in_dims, args):
                if d is None or isinstance(d, int):
                    dims_tree.append(_map(lambda _, d=d: d, a))
                else:
                    if _flatten(d)[1] != _flatten(a)[1]:
                        raise ValueError(f"{name}: in_dims is not compatible with the "
                                         f"structure of `inputs`")
                    dims_tree.append(d)
        else:
            raise ValueError(f"{name}: expected `in_dims` to be int or a (potentially nested) "
                             f"tuple matching the structure of inputs, got: {type(in_dims)}.")
        leaves, spec = _flatten(list(args))
        dims = _flatten(dims_tree)[0]
        sizes, norm = [], []
        for x, d in zip(leaves, dims):
            if d is None:
                norm.append(None)
                continue
            if not isinstance(x, T):
                raise ValueError(f"{name}: Got in_dim={d} for an input but the input is of type "
                                 f"{type(x).__name__}. We cannot vmap over non-Tensor "
                                 f"arguments, please use None as the respective in_dim")
            nd = x.ndim
            if not -max(nd, 1) <= d < max(nd, 1) or nd == 0:
                raise ValueError(f"{name}: Got in_dim={d} for some input, but that input is a "
                                 f"Tensor of dimensionality {nd} so expected in_dim to satisfy "
                                 f"-{nd} <= in_dim < {nd}.")
            d %= nd
            norm.append(d)
            sizes.append(x.shape[d])
        if not sizes:
            raise ValueError(f"{name}: at least one input must be mapped over (got "
                             f"in_dims={in_dims!r}; in_dims=None for every input maps nothing)")
        if len(set(sizes)) != 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {sizes} for the mapped dimension")
        batch = sizes[0]
        if chunk_size is None or batch <= chunk_size:
            return _mapped(func, leaves, norm, spec, kwargs, out_dims, batch, randomness, name)
        # chunk by chunk ('same': every chunk draws the same numbers, as in PyTorch)
        draws = _vm.Draws() if randomness == "same" else None
        parts = []
        for start in range(0, batch, chunk_size):
            n = min(chunk_size, batch - start)
            if draws is not None:
                draws.restore()
            part = [x if d is None else x.narrow(d, start, n) for x, d in zip(leaves, norm)]
            parts.append(_mapped(func, part, norm, spec, kwargs, out_dims, n, randomness,
                                 name))
        return _joined_chunks(parts, out_dims)

    return wrapper


def _mapped(func, leaves, norm, spec, kwargs, out_dims, batch, randomness, name):
    """``vmap``'s call for one batch (one chunk): batched where it can run so, else entry by
    entry. A backward run by an entry keeps its graph while entries of the batch are to come,
    so ``autograd.grad(..., retain_graph=False)`` of a graph built outside ``vmap`` frees it
    after the batch's last entry, as PyTorch's one batched backward per chunk does."""
    if batch > 0 and _vm.MODE[0] != "loop":
        out = _run_batched(func, leaves, norm, spec, kwargs, out_dims, batch, randomness)
        if out is not _LOOP:
            return out
    _vm.STATS["loop"] += 1
    outs = []
    draws = _vm.Draws() if randomness in ("error", "same") else None
    for i in range(batch):
        if randomness == "same":
            draws.restore()
        sliced = [x if d is None else x[(slice(None),) * d + (i,)]
                  for x, d in zip(leaves, norm)]
        a = _unflatten(sliced, spec)
        keep = i < batch - 1
        _KEEP_GRAPH[0] += keep
        try:
            outs.append(func(*a, **kwargs))
        finally:
            _KEEP_GRAPH[0] -= keep
        if randomness == "error" and draws.changed():
            draws.restore()
            raise RuntimeError(_vm.ERROR_MESSAGE)
    if draws is not None:
        draws.close()
    return _stack_outputs(outs, out_dims, batch, name)


def _joined_chunks(parts, out_dims):
    """The outputs of ``vmap``'s chunks joined along their ``out_dims``."""
    from . import cat

    leaves = [_flatten(p)[0] for p in parts]
    spec = _flatten(parts[0])[1]
    o_dims = [out_dims] * len(leaves[0]) if isinstance(out_dims, int) else \
        _flatten(out_dims)[0]
    joined = []
    for j, d in enumerate(o_dims):
        col = [p[j] for p in leaves]
        joined.append(col[0] if d is None else cat(col, d % col[0].ndim))
    return _unflatten(joined, spec)

_LOOP = object()


def _run_batched(func, leaves, norm, spec, kwargs, out_dims, batch, randomness):
    """``func`` run once on batched tensors (see ``gradkit/_vmap``); ``_LOOP`` where it cannot
    run so (data-dependent control flow, a random draw no batching rule made, an error): then
    the caller runs it entry by entry, which gives the same results or raises the error where
    it belongs."""
    draws = _vm.Draws()
    try:
        out = _vm.run_batched(func, leaves, norm, spec, kwargs, out_dims, batch, _unflatten,
                              _flatten, randomness)
    except Exception as e:
        draws.restore()
        if _vm.MODE[0] == "strict" or isinstance(e, _vm.RandomnessError):
            raise
        return _LOOP
    if draws.changed() and (randomness == "error" or not draws.all_by_rules(randomness)):
        draws.restore()  # the entry-by-entry run keeps the randomness' semantics
        return _LOOP
    draws.close()
    _vm.STATS["batched"] += 1
    return out


def _stack_outputs(outs, out_dims, batch, name):
    from . import stack  # (the face: entries may be batched by an outer vmap)

    T = _Tensor()
    if batch == 0:
        raise ValueError(f"{name}: the mapped dimension has size 0 (gradkit's vmap calls the "
                         f"function once per entry, so it cannot infer the output)")
    first_leaves, spec = _flatten(outs[0])
    if isinstance(out_dims, int):
        o_dims = [out_dims] * len(first_leaves)
    else:
        o_dims = _flatten(out_dims)[0]
        if len(o_dims) != len(first_leaves):
            raise ValueError(f"{name}: out_dims is not compatible with the structure of "
                             f"`outputs`: {len(o_dims)} out_dims for {len(first_leaves)} "
                             f"outputs")
    per = [_flatten(o)[0] for o in outs]
    stacked = []
    for j, d in enumerate(o_dims):
        col = [p[j] for p in per]
        if not isinstance(col[0], T):
            raise ValueError(f"{name}: `{name.split('(')[1].split(',')[0]}` must only return "
                             f"Tensors, got type {type(col[0]).__name__}. Did you mean to set "
                             f"out_dims= to None for output?")
        if d is None:
            stacked.append(col[0])
            continue
        nd = col[0].ndim + 1
        if not -nd <= d < nd:
            raise ValueError(f"{name}: Got out_dim={d} for an output of dimensionality "
                             f"{nd - 1}, expected -{nd} <= out_dim < {nd}")
        stacked.append(stack(col, d % nd))
    return _unflatten(stacked, spec)


# -------------------------------------------------------------------------- functional_call
def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with the parameters and buffers named in
    ``parameter_and_buffer_dicts`` (a dict, or a sequence of dicts, of dotted names to Tensors)
    in place of the module's own, which are restored afterwards. With ``tie_weights`` a
    replaced tensor also replaces the names tied to it; with ``strict`` every parameter and
    buffer must be given."""
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrized(module, parameter_and_buffer_dicts, tie_weights=tie_weights,
                        strict=strict):
        return module(*args, **(kwargs or {}))


@contextlib.contextmanager
def _reparametrized(module, parameter_and_buffer_dicts, *, tie_weights=True, strict=False):
    """Within the block, ``module``'s parameters and buffers named in
    ``parameter_and_buffer_dicts`` (a dict, or a sequence of dicts, of dotted names to Tensors)
    are the given tensors; the module's own come back when it ends (also on an exception).
    ``functional_call`` is one call inside it; ``torch.nn.utils.stateless._reparametrize_module``
    is this block itself."""
    dicts = ([parameter_and_buffer_dicts] if isinstance(parameter_and_buffer_dicts, dict)
             else list(parameter_and_buffer_dicts))
    given = {}
    for d in dicts:
        for k, v in d.items():
            if k in given:
                raise ValueError(f"functional_call got multiple values for keys ['{k}'], which "
                                 f"are used in both a dictionary and a separate one")
            given[k] = v
    own = {}
    for n, p in module.named_parameters(remove_duplicate=False):
        own[n] = p
    for n, b in module.named_buffers(remove_duplicate=False):
        own[n] = b
    if tie_weights:
        by_id = {}
        for n, t in own.items():
            by_id.setdefault(id(t), []).append(n)
        for n in list(given):
            if n in own:
                for other in by_id[id(own[n])]:
                    given.setdefault(other, given[n])
    unexpected = [k for k in given if k not in own]
    missing = [k for k in own if k not in given]
    if unexpected or (strict and missing):
        raise RuntimeError("Error(s) in reparametrizing for " + type(module).__name__ + ": "
                           + (f"Unexpected key(s): {', '.join(map(repr, unexpected))}. "
                              if unexpected else "")
                           + (f"Missing key(s): {', '.join(map(repr, missing))}."
                              if strict and missing else ""))
    saved = []
    try:
        for n, t in given.items():
            owner, _, leaf = n.rpartition(".")
            sub = module.get_submodule(owner) if owner else module
            store = sub._parameters if leaf in sub._parameters else sub._buffers
            saved.append((store, leaf, store[leaf]))
            store[leaf] = t
        yield module
    finally:
        for store, leaf, old in reversed(saved):
            store[leaf] = old


def _stacked_leaf(tensors, name):
    from . import functions as _F

    grads = [t.requires_grad for t in tensors]
    if any(grads) and not all(grads):
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    result = _F.stack(list(tensors))
    if all(grads):
        result = result.detach().requires_grad_()
    return result


def stack_module_state(models):
    """``(params, buffers)``: each parameter and buffer of ``models`` (modules of one class, in
    one training mode) stacked along a new first dim, by state-dict name, for ensembling with
    :func:`vmap` over :func:`functional_call`. Stacked parameters are new leaves (an optimizer
    can take them), unrelated to the models' own."""
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same "
                           "training/eval mode.")
    if not all(type(m) is type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    out = []
    for named in ("named_parameters", "named_buffers"):
        every = [dict(getattr(m, named)()) for m in models]
        out.append({k: _stacked_leaf(tuple(d[k] for d in every), k) for k in every[0]})
    return out[0], out[1]


# ------------------------------------------------------------------ small transforms
def linearize(func, *primals):
    """``(func(*primals), jvp_fn)``: ``jvp_fn(*tangents)`` is the Jacobian-vector product at
    ``primals`` (each call runs :func:`jvp`; PyTorch traces the linear function once)."""
    out = func(*primals)

    def jvp_fn(*tangents):
        return jvp(func, primals, tangents)[1]

    return out, jvp_fn


def functionalize(func, *, remove: str = "mutations"):
    """``func`` itself: gradkit runs in-place operations eagerly, so the function computes what
    its functionalized form does (PyTorch's pass matters for its graph compilers)."""
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(f"functionalize(f, remove='mutations'): received invalid argument for "
                           f"remove={remove}. Valid options are:\n     remove='mutations': all "
                           f"inplace and out= operators will be removed from the program, and "
                           f"replaced with their out-of-place equivalents.\n     "
                           f"remove='mutations_and_views': In addition to the above, all aliasing "
                           f"operators {{view}} will be replaced with their non-aliasing "
                           f"counterparts, {{view}}_copy.\n")
    return func


def replace_all_batch_norm_modules_(root):
    """Make every batch norm under ``root`` use batch statistics and keep no running ones (as
    PyTorch's, for use under vmap); returns ``root``."""
    from .nn.modules.batchnorm import _BatchNorm

    for module in root.modules():
        if isinstance(module, _BatchNorm):
            module.running_mean = None
            module.running_var = None
            module.num_batches_tracked = None
            module.track_running_stats = False
    return root
