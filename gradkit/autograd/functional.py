"""``gradkit.autograd.functional``: vjp, jvp, jacobian, hessian, hvp, vhp (as in PyTorch).

Each takes a function of Tensors and the point to evaluate at; inputs may be one Tensor or a
tuple, and results mirror that structure. ``jvp`` uses the double-vjp identity, so it costs two
backward passes.
"""

from __future__ import annotations

import numpy as np

from .._backend import namespace_of
from .backward import grad as _grad
from .grad_mode import enable_grad

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _tuple(x):
    from .._tensor import Tensor

    if isinstance(x, Tensor):
        return (x,), True
    if isinstance(x, (list, tuple)):
        return tuple(x), False
    raise TypeError(f"expected a Tensor or a tuple of Tensors, got {type(x).__name__}")


def _prepare(inputs, create_graph):
    out = []
    for t in inputs:
        d = t if create_graph and t.requires_grad else t.detach()
        if not d.requires_grad:
            d = d.detach().requires_grad_(True) if d.dtype.kind in "fc" else d
        out.append(d)
    return tuple(out)


def _zeros_like(t):
    from .._tensor import wrap

    return wrap(namespace_of(t._data).zeros(t._data.shape, dtype=t.dtype))


def _input_vector(ins, v):
    """``v`` (a Tensor or tuple) as a tuple; None means ones, allowed only for a single
    one-element input (jvp, vhp)."""
    if v is not None:
        return _tuple(v)[0]
    if len(ins) != 1 or ins[0].numel() != 1:
        raise RuntimeError("The vector v can only be None if the input to the user-provided "
                           "function is a single Tensor with a single element.")
    from .._tensor import wrap

    return (wrap(np.ones_like(ins[0]._data)),)


def _grads(outputs, inputs, grad_outputs, create_graph, strict):

    diff_outs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not diff_outs:
        if strict:
            raise RuntimeError("The output of the user-provided function is independent of input "
                               "0. This is not allowed in strict mode.")
        return tuple(_zeros_like(i) for i in inputs)
    res = _grad([o for o, _ in diff_outs], list(inputs), [g for _, g in diff_outs],
                retain_graph=True, create_graph=create_graph, allow_unused=True)
    out = []
    for i, (r, t) in enumerate(zip(res, inputs)):
        if r is None:
            if strict:
                raise RuntimeError(
                    f"The output of the user-provided function is independent of input {i}. This "
                    f"is not allowed in strict mode."
                )
            r = _zeros_like(t)
        out.append(r)
    return tuple(out)


def _finish(x, single, create_graph):
    x = tuple(t if create_graph else t.detach() for t in x)
    return x[0] if single else x


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``."""
    ins, single_in = _tuple(inputs)
    with enable_grad():
        ins = _prepare(ins, create_graph)
        outs = func(*ins)
        outs_t, single_out = _tuple(outs)
        if v is None:
            if len(outs_t) != 1 or outs_t[0].numel() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the user-provided function returns a single "
                    "Tensor with a single element."
                )
            v_t = (None,)
        else:
            v_t, _ = _tuple(v)
        res = _grads(outs_t, ins, v_t, create_graph, strict)
    return _finish(outs_t, single_out, create_graph), _finish(res, single_in, create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)`` by the double-vjp trick."""
    from .._tensor import wrap

    ins, _single_in = _tuple(inputs)
    v_t = _input_vector(ins, v)
    with enable_grad():
        ins = _prepare(ins, create_graph)
        outs = func(*ins)
        outs_t, single_out = _tuple(outs)
        us = tuple(wrap(np.zeros_like(o._data)).requires_grad_(True) for o in outs_t)
        g = _grads(outs_t, ins, us, True, strict)
        # g = J^T u is linear in u; its vjp with v gives J v
        jv = _grad(list(g), list(us), list(v_t), create_graph=create_graph, allow_unused=True,
                   retain_graph=True) if any(x.requires_grad for x in g) else \
            tuple(None for _ in us)
        jv = tuple(_zeros_like(o) if r is None else r for r, o in zip(jv, outs_t))
    return _finish(outs_t, single_out, create_graph), _finish(jv, single_out, create_graph)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: shape ``out.shape + in.shape`` per pair.

    With ``vectorize=True`` one backward pass computes every row (the cotangents batched by
    ``vmap``, as in PyTorch); otherwise one pass per output element. ``strategy``:
    ``"reverse-mode"`` or ``"forward-mode"`` (with ``vectorize=True``; gradkit computes the
    same Jacobian in reverse mode)."""
    _check_strategy(strategy, vectorize, strict)
    ins, single_in = _tuple(inputs)
    with enable_grad():
        ins = _prepare(ins, create_graph)
        outs = func(*ins)
        outs_t, single_out = _tuple(outs)
        if vectorize:
            rows = _vectorized_rows(outs_t, ins, create_graph)
        else:
            rows = [_rows_one_by_one(o, ins, create_graph, strict) for o in outs_t]
    if single_out and single_in:
        return rows[0][0]
    if single_out:
        return rows[0]
    if single_in:
        return tuple(r[0] for r in rows)
    return tuple(rows)


def _rows_one_by_one(o, ins, create_graph, strict):
    """Output ``o``'s Jacobian blocks, one backward pass per element of ``o``."""
    from .._tensor import wrap
    from ..functions import stack

    per_input = [[] for _ in ins]
    n = o.numel()
    for k in range(n):
        e = namespace_of(o._data).zeros(n, dtype=o.dtype)  # on the output's device
        e[k] = 1
        gk = _grads((o,), ins, (wrap(e.reshape(o._data.shape)),), create_graph, strict)
        for j, gj in enumerate(gk):
            per_input[j].append(gj)
    row = []
    for j, t in enumerate(ins):
        if n == 0:
            row.append(wrap(namespace_of(t._data).zeros(tuple(o.shape) + tuple(t.shape),
                                                        dtype=t.dtype)))
            continue
        st = stack(per_input[j]) if create_graph else wrap(
            np.stack([g._data for g in per_input[j]]))
        row.append(st.reshape(tuple(o.shape) + tuple(t.shape)))
    return tuple(x if create_graph else x.detach() for x in row)


def _check_strategy(strategy, vectorize, strict):
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                             'Hint: If your function has more outputs than inputs, '
                             '"forward-mode" tends to be more performant. Otherwise, prefer to '
                             'use "reverse-mode".')
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse "
                                  "Hessian is only implemented for `vectorize=True`.")
    if vectorize and strict:
        raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                           "`vectorized=True` are not supported together. Please either set "
                           "`strict=False` or `vectorize=False`.")


def _vectorized_rows(outs, ins, create_graph):
    """``jacobian(..., vectorize=True)``'s rows: per output, per input, its block."""
    from ..func import _jacobian_blocks

    blocks = _jacobian_blocks(list(outs), list(ins), None)
    return [tuple(b if create_graph else b.detach() for b in row) for row in blocks]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function ``func`` at ``inputs`` (``vectorize``: see
    :func:`jacobian`)."""
    _check_strategy(outer_jacobian_strategy, vectorize, strict)
    ins, single_in = _tuple(inputs)

    def gradient(*xs):
        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError(
                f"The function given to hessian should return a single element Tensor, got shape "
                f"{tuple(out.shape)}"
            )
        g = _grad(out, list(xs), create_graph=True, allow_unused=True)
        g = tuple(_zeros_like(x) if gi is None else gi for gi, x in zip(g, xs))
        return g[0] if single_in else g

    return jacobian(gradient, ins[0] if single_in else ins, create_graph=create_graph,
                    strict=strict, vectorize=vectorize, strategy=outer_jacobian_strategy)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)``."""
    ins, single_in = _tuple(inputs)
    v_t = _input_vector(ins, v)
    with enable_grad():
        ins = _prepare(ins, True)
        out = func(*ins)
        if not hasattr(out, "numel") or out.numel() != 1:
            raise RuntimeError(
                f"The function given to vhp/hvp should return a single element Tensor, got "
                f"{tuple(out.shape) if hasattr(out, 'shape') else type(out).__name__}"
            )
        g = _grad(out, list(ins), create_graph=True, allow_unused=True)
        g = tuple(_zeros_like(x) if gi is None else gi for gi, x in zip(g, ins))
        res = _grads(g, ins, v_t, create_graph, strict)
    return (out if create_graph else out.detach()), _finish(res, single_in, create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` (the Hessian is symmetric, so this equals ``vhp``)."""
    return vhp(func, inputs, v, create_graph, strict)
