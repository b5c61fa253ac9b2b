"""Forward-mode automatic differentiation, as ``torch.autograd.forward_ad``: dual tensors.

Inside a ``dual_level()``, ``make_dual(primal, tangent)`` makes a Tensor (a view of ``primal``)
that carries ``tangent``; every differentiable op applied to a dual tensor gives a dual tensor
whose tangent is the op's Jacobian-vector product, and ``unpack_dual(t)`` returns
``(primal, tangent)``. Leaving the level drops every tangent.

How a tangent is computed: each op's backward rule (``graph.Op``) is linear in its incoming
gradient ``g`` (it returns ``J_i^T g`` per input ``i``), so ``J_i t_i`` is the derivative of
``<J_i^T g, t_i>`` with respect to ``g``. The recording functions (``_tensor/record.py``) call
``_on_op`` after an op when a level is open; it runs the op's rule on Tensors with a hidden
``g`` (a fresh leaf, never seen by the user) and differentiates it once more (the double-vjp
identity, exact because the rule is linear in ``g``). So every primitive has PyTorch's tangent
without a rule of its own, composites follow from their primitives, and view ops give the same
view of the tangent (so an in-place change of a view reaches its base's tangent, as PyTorch).
The tangent is recorded for reverse mode (its ``grad_fn``) when grad mode is on and a primal or
tangent it depends on requires grad, as PyTorch's; otherwise it is a plain Tensor.

One level at a time, as PyTorch ("Nested forward mode AD is not supported at the moment"); the
``torch.func`` transforms (``gradkit.func.jvp``, ``jacfwd``) nest instead.
"""

from __future__ import annotations

import weakref
from typing import Any, NamedTuple

from . import grad_mode
from .graph import FORWARD, SAVES_OUTPUT, _hooks

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level",
           "make_dual", "unpack_dual"]

_current_level = -1
# > 0 while a rule runs with the hidden ``g``: checks of the incoming gradient's value (the
# phase checks of complex eigenvectors, ops/linalg.py) do not apply to it
RULE_FOR_TANGENT = [0]
# id(tensor) -> (weak reference to it, its tangent) for the dual tensors of the open level
_TANGENTS: dict = {}
# id(node) -> (weak reference to it, its output's tangent) for the nodes whose rule reads their
# output: the engine hands the rule a new Tensor of it under create_graph (``_saved_output``)
_NODE_OUT: dict = {}


def _is_float(t) -> bool:
    return t._data.dtype.kind in "fc" or t.dtype.is_floating_point


def enter_dual_level():
    """Enter a new forward grad level (the one ``make_dual``/``unpack_dual`` use by default);
    returns its number. Only one level may be open."""
    global _current_level
    if _current_level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _current_level += 1
    FORWARD[1] = _inplace
    FORWARD[2] = _setitem
    FORWARD[3] = _saved_output
    FORWARD[0] = _on_op
    return _current_level


def exit_dual_level(*, level=None):
    """Exit the forward grad level ``level`` (default: the current one), deleting every tangent
    of it. Only the last level entered can be exited."""
    global _current_level
    if level is None:
        level = _current_level
    if level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    if level != _current_level:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was "
                           "created. This is not supported.")
    _TANGENTS.clear()
    _NODE_OUT.clear()
    FORWARD[0] = None
    _current_level = level - 1


class dual_level:
    """Context manager (and decorator) for forward AD: every forward AD computation happens
    inside it; the tangents are deleted when it exits.

    Examples:
        >>> import gradkit.autograd.forward_ad as fwAD
        >>> with fwAD.dual_level():
        ...     x = fwAD.make_dual(gradkit.tensor([1.0, 2.0]), gradkit.tensor([1.0, 0.0]))
        ...     fwAD.unpack_dual((x * x).sum()).tangent      # 2 * x . t
        tensor(2.)
    """

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        exit_dual_level()

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with dual_level():
                return fn(*args, **kwargs)

        return wrapper


class UnpackedDualTensor(NamedTuple):
    """What :func:`unpack_dual` returns: the ``primal`` (a view) and the ``tangent`` (None for a
    tensor that is not dual at the level)."""

    primal: Any
    tangent: Any


def _tangent_of(t):
    e = _TANGENTS.get(id(t))
    if e is None or e[0]() is not t:
        return None
    return e[1]


def _set_tangent(t, tangent) -> None:
    k = id(t)
    _TANGENTS[k] = (weakref.ref(t, lambda _r, k=k: _drop(k)), tangent)


def _drop(k) -> None:
    e = _TANGENTS.get(k)
    if e is not None and e[0]() is None:
        del _TANGENTS[k]


def _saved_output(node, out) -> None:
    """``out``: the engine's Tensor of ``node``'s saved output for its rule under
    create_graph; it gets the output's tangent (forward-over-reverse through rules that read
    their output, ``tanh``'s ``1 - out ** 2``)."""
    e = _NODE_OUT.get(id(node))
    if e is not None and e[0]() is node:
        _set_tangent(out, e[1])


def _alias(t):
    """A view of ``t`` (PyTorch's ``make_dual``/``unpack_dual`` return views) with no tangent."""
    prev = FORWARD[0]
    FORWARD[0] = None
    try:
        return t.view(t.shape)
    finally:
        FORWARD[0] = prev


def make_dual(tensor, tangent, *, level=None):
    """A dual tensor: a view of ``tensor`` carrying ``tangent`` (as is) at ``level`` (default:
    the current one). Backward differentiable, as PyTorch's.

    Raises:
        RuntimeError: no level is open, or the shapes differ.
        ValueError: ``tensor`` or ``tangent`` is not floating point.
    """
    if level is None:
        level = _current_level
    if level < 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, "
                           "make sure to enter_dual_level() first.")
    if level != _current_level:
        raise RuntimeError(f"make_dual: level {level} is not the current forward AD level "
                           f"({_current_level}); only the current level can be used")
    if not _is_float(tensor):
        raise ValueError(f"Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    if not _is_float(tangent):
        raise ValueError(f"Expected tangent to be floating point or complex, but got: "
                         f"{tangent.dtype}")
    if tuple(tensor.shape) != tuple(tangent.shape):
        raise RuntimeError(
            f"Trying to set a forward gradient that has a different size than that of the "
            f"original Tensor, this is not supported. Tensor is of size "
            f"{list(tensor.shape)} while the given forward gradient is of size "
            f"{list(tangent.shape)}.")
    out = _alias(tensor)
    _set_tangent(out, tangent)
    return out


def unpack_dual(tensor, *, level=None):
    """``UnpackedDualTensor(primal, tangent)`` of ``tensor``: ``primal`` a view of it without
    tangent, ``tangent`` its tangent at ``level`` as is (None when it has none). Outside any
    level, ``(tensor, None)``."""
    if level is None:
        level = _current_level
    if level < 0:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(_alias(tensor), _tangent_of(tensor))


# ------------------------------------------------------------------------- per-op tangents
def _on_op(op, inputs, out, aux):
    """Called by the recording functions after ``out = op(*inputs)`` (``out`` a Tensor, or a
    tuple of them for a multi-output op) while a level is open: give ``out`` its tangent."""
    tangents = None
    for i, x in enumerate(inputs):
        if x is not None and type(x) is not int and type(x) is not float:
            tan = _tangent_of(x)
            if tan is not None:
                if tangents is None:
                    tangents = [None] * len(inputs)
                tangents[i] = tan
    if tangents is None:
        return
    multi = isinstance(out, tuple)
    outs = out if multi else (out,)
    if not any(_is_float(o) for o in outs):
        return
    prev_fw = FORWARD[0]
    FORWARD[0] = None
    user_grad = grad_mode.STATE[0]
    grad_mode.STATE[0] = True
    try:
        res = _jvp(op, inputs, tangents, outs, aux, multi)
    finally:
        grad_mode.STATE[0] = user_grad
        FORWARD[0] = prev_fw
    keep = user_grad and any(
        getattr(x, "requires_grad", False) for x in list(inputs) + tangents)
    view = not multi and op in _hooks["fw_view_ops"]
    for o, r in zip(outs, res):
        if r is not None:
            if not keep and r.requires_grad:
                r = r.detach()
            if not view and any(t is not None and _shares(r, t) for t in tangents):
                r = r.clone()  # an identity's tangent is not the input's (only a view's is)
            _set_tangent(o, r)
    node = outs[0]._grad_fn
    if not multi and node is not None and op.saves & SAVES_OUTPUT and res[0] is not None:
        k = id(node)
        _NODE_OUT[k] = (weakref.ref(node, lambda _r, k=k: _NODE_OUT.pop(k, None)), res[0])


def _jvp(op, inputs, tangents, outs, aux, multi):
    from .backward import grad as _grad

    wrap = _hooks["wrap"]
    if not multi and op in _hooks["fw_view_ops"] and tangents[0] is not None:
        # a view's tangent is the same view of the tangent (shares its storage, as PyTorch's)
        return (_hooks["fw_apply1"](op, tangents[0], aux),)
    xp = _hooks["tensor_ns"]
    # the hidden incoming gradient: ones (a rule is linear in it, so any value gives the same
    # derivative; zeros would fall in the degenerate case of rules that split g by its sign)
    gs = [wrap(_zeros(o) + 1).requires_grad_(True) if _is_float(o) else None for o in outs]
    needs = tuple(t is not None for t in tangents)
    if multi:
        g_arg = [g if g is not None else _zeros_tensor(o) for g, o in zip(gs, outs)]
        out_arg = None
    else:
        g_arg = gs[0]
        out_arg = outs[0] if op.saves & SAVES_OUTPUT else None
    RULE_FOR_TANGENT[0] += 1
    try:
        vjps = op.backward(xp, g_arg, tuple(inputs), out_arg, aux, needs)
    finally:
        RULE_FOR_TANGENT[0] -= 1
    ys, vs = [], []
    for x, gi, tan in zip(inputs, vjps, tangents):
        if tan is None or gi is None or not getattr(gi, "requires_grad", False):
            continue
        if op.broadcasts and tuple(gi.shape) != tuple(x.shape):
            gi = xp.sum_to(gi, x.shape)
        ys.append(gi)
        if tan.dtype != gi.dtype and tan.is_complex() and not gi.is_complex():
            tan = tan.real  # <gi, t> = Re(conj(gi) t) = gi Re(t) for a real gi
        vs.append(tan if tan.dtype == gi.dtype else tan.to(gi.dtype))
    live = [g for g in gs if g is not None]
    if ys:
        jv = list(_grad(ys, live, vs, create_graph=True, allow_unused=True))
    else:
        jv = [None] * len(live)
    res, it = [], iter(jv)
    for g, o in zip(gs, outs):
        if g is None:
            res.append(None)
            continue
        r = next(it)
        res.append(_zeros_tensor(o) if r is None else r)
    return res


def _shares(a, b) -> bool:
    import numpy as np

    da, db = a._data, b._data
    if type(da) is np.ndarray and type(db) is np.ndarray:
        return np.may_share_memory(da, db)
    return a is b


def _zeros(o):
    import numpy as np

    from .._backend import namespace_of

    d = o._data
    return np.zeros(d.shape, d.dtype) if type(d) is np.ndarray else namespace_of(d).zeros(
        d.shape, dtype=d.dtype)


def _zeros_tensor(o):
    return _hooks["wrap"](_zeros(o))


def _inplace(run, self, op, other, params, name):
    """``run(self, op, other, params, name)`` (record.inplace) while a level is open: the
    in-place result's tangent is the out-of-place op's, written into ``self``'s tangent in place
    when it has one (so views of it, and the base it is a view of, see it, as PyTorch's)."""
    ts = _tangent_of(self)
    to = _tangent_of(other) if other is not None else None
    res = None
    if (ts is not None or to is not None) and _is_float(self):
        old = self.clone()  # (its tangent: self's)
        apply1, apply2 = _hooks["fw_apply1"], _hooks["fw_apply2"]
        res = apply1(op, old, params) if other is None else apply2(op, old, other, params)
    prev = FORWARD[0]
    FORWARD[0] = None
    try:
        out = run(self, op, other, params, name)
        if res is not None:
            rt = _tangent_of(res)
            _store(self, ts, _zeros_tensor(self) if rt is None else rt)
    finally:
        FORWARD[0] = prev
    return out


def _store(self, ts, rt) -> None:
    """``self`` now holds a new value whose tangent is ``rt``; ``ts``: its tangent before (None
    if it had none). The new tangent is written into ``ts`` (so that views of it, and the base
    it is a view of, see it) unless ``ts`` cannot be written (a leaf requiring grad)."""
    if ts is not None and not (ts.requires_grad and ts._grad_fn is None) and (
            tuple(ts.shape) == tuple(self.shape)):
        if rt.requires_grad or ts.requires_grad:
            ts.copy_(rt)
        else:
            ts._data[...] = rt._data
            ts._vc[0] += 1
    else:
        _set_tangent(self, rt)


def _setitem(run, self, index, value):
    """``run(self, index, value)`` (``Tensor.__setitem__``) while a level is open: the tangent
    of ``self[index] = value`` is ``tangent(self)`` with ``tangent(value)`` (or zeros) written
    at ``index``."""
    ts = _tangent_of(self)
    tv = _tangent_of(value) if hasattr(value, "_data") else None
    prev = FORWARD[0]
    FORWARD[0] = None
    try:
        if (ts is None and tv is None) or not _is_float(self):
            return run(self, index, value)
        new = (ts if ts is not None else _zeros_tensor(self)).clone()
        if tv is None:
            new[index] = 0.0
        else:
            new[index] = tv if tv.dtype == new.dtype else tv.to(new.dtype)
        out = run(self, index, value)
        _store(self, ts, new)
        return out
    finally:
        FORWARD[0] = prev


def _function_apply(cls, args, kwargs, run):
    """``cls.apply(*args)`` of a custom ``autograd.Function`` while a level is open: with a
    dual input, its forward runs without tangents and its ``jvp(ctx, *input_tangents)`` gives
    the outputs' tangents (PyTorch's rule: a Function without ``jvp`` raises)."""
    from .function import Function, FunctionCtx

    tangents = [_tangent_of(a) if hasattr(a, "_data") else None for a in args]
    ctx = FunctionCtx()
    if all(t is None for t in tangents):
        return run(cls, ctx, args, kwargs)
    if cls.jvp is Function.jvp:
        Function.jvp(ctx)  # raises PyTorch's NotImplementedError
    prev = FORWARD[0]
    FORWARD[0] = None
    try:
        out = run(cls, ctx, args, kwargs)
        grads = [t if t is not None or not hasattr(a, "_data") else _zeros_tensor(a)
                 for a, t in zip(args, tangents)]
        ctx._in_jvp = True
        res = cls.jvp(ctx, *grads)
    finally:
        ctx._in_jvp = False
        FORWARD[0] = prev
    outs = out if isinstance(out, tuple) else (out,)
    res = res if isinstance(res, tuple) else (res,)
    if len(res) != len(outs):
        raise RuntimeError(f"{cls.__name__}.jvp returned {len(res)} tangents, but forward "
                           f"returned {len(outs)} outputs: return one per output")
    for o, r in zip(outs, res):
        if r is not None and hasattr(o, "_data") and _is_float(o):
            _set_tangent(o, r)
    return out


def _detached(grads):
    """``autograd.grad``'s results without graph (``create_graph=False``) keeping the tangents
    they got while a level is open (PyTorch's backward propagates them)."""
    out = []
    for g in grads:
        if g is None:
            out.append(None)
            continue
        d = g.detach()
        tan = _tangent_of(g)
        if tan is not None:
            _set_tangent(d, tan.detach())
        out.append(d)
    return tuple(out)
