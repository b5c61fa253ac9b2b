"""Custom differentiable functions: subclass ``Function`` with static ``forward``/``backward``.

Examples:
    >>> class Exp(gradkit.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         y = x.exp()
    ...         ctx.save_for_backward(y)
    ...         return y
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (y,) = ctx.saved_tensors
    ...         return grad * y
    >>> Exp.apply(x)
"""

from __future__ import annotations

import functools

import numpy as np

from .._backend import namespace_of
from . import grad_mode
from . import graph as _graph
from .graph import Op

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """What ``forward`` and ``backward`` share: saved tensors and flags."""

    def __init__(self):
        self._saved = ()
        self._saved_versions = ()
        self.needs_input_grad = ()
        self._non_diff = set()
        self._dirty = ()
        self.materialize_grads = True
        self.saved_for_forward = None  # public in PyTorch: jvp may read it directly
        self._in_jvp = False
        self._out_meta = None  # (shape, dtype, namespace) of a single differentiable output

    def save_for_backward(self, *tensors):
        self._saved = tensors
        self._saved_versions = tuple(t._vc[0] if t is not None else None for t in tensors)
        self._packed = _graph.pack_tensors(tensors) if _graph._SAVED_HOOKS else None

    def save_for_forward(self, *tensors):
        """Keep tensors for ``jvp``: there ``ctx.saved_tensors`` returns them instead of those of
        ``save_for_backward`` (PyTorch's rule); ``ctx.saved_for_forward`` holds them too."""
        from .._tensor import Tensor

        for t in tensors:
            if not (t is None or isinstance(t, Tensor)):
                raise AssertionError(
                    "save_for_forward expects all arguments to be tensors; you should save "
                    f"non-tensors as attributes on ctx (received {type(t).__name__})."
                )
        self.saved_for_forward = tensors

    @property
    def saved_tensors(self):
        if self._in_jvp and self.saved_for_forward is not None:
            return self.saved_for_forward
        if self._saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Specify retain_graph=True."
            )
        for i, (t, v) in enumerate(zip(self._saved, self._saved_versions)):
            if t is not None and t._vc[0] != v:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: saved tensor {i} (shape {tuple(t.shape)}) is at version "
                    f"{t._vc[0]}; expected version {v}."
                )
        packed = getattr(self, "_packed", None)
        if packed is not None:  # saved_tensors_hooks were in force at save_for_backward
            return _graph.unpack_tensors(packed)
        return self._saved

    def mark_non_differentiable(self, *tensors):
        self._non_diff.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        """Declare inputs that ``forward`` modified in place (and returns): the returned tensor is
        that same input, now with this function as its ``grad_fn``."""
        self._dirty = tensors

    def set_materialize_grads(self, value: bool):
        self.materialize_grads = bool(value)


def _function_backward(xp, g, ins, out, aux, needs):
    """Engine rule for a custom Function node: call the user's ``backward`` on Tensors."""
    from .._tensor import Tensor, wrap

    cls, ctx, tensor_pos, n_args, in_shapes, in_dtypes = aux
    grads_in = g if isinstance(g, list) else [g]
    given = next((x for x in grads_in if x is not None), None)
    # (under create_graph the engine hands Tensors, and records: grad mode is on)
    create_graph = grad_mode.STATE[0] if given is None else isinstance(given, Tensor)
    if g is None and ctx.materialize_grads and ctx._out_meta is not None:
        # no gradient reached the output: zeros, as PyTorch materializes them for backward
        shape, dtype, ns = ctx._out_meta
        grads_in = [ns.zeros(shape, dtype=dtype)]
    as_tensors = [x if isinstance(x, Tensor) else (wrap(x) if x is not None else None)
                  for x in grads_in]
    result = cls.backward(ctx, *as_tensors)
    if not isinstance(result, tuple):
        result = (result,)
    if len(result) < n_args:
        result = result + (None,) * (n_args - len(result))
    if len(result) > n_args:
        if any(r is not None for r in result[n_args:]):
            raise RuntimeError(
                f"function {cls.__name__}.backward returned {len(result)} gradients, but forward "
                f"took {n_args} arguments"
            )
        result = result[:n_args]
    outs = []
    for k, pos in enumerate(tensor_pos):
        r = result[pos]
        if r is None:
            outs.append(None)
            continue
        if not isinstance(r, Tensor):
            raise TypeError(
                f"{cls.__name__}.backward must return Tensors or None, got {type(r).__name__} for "
                f"argument {pos}"
            )
        if not ctx.needs_input_grad[pos]:
            # an input that takes no gradient: what backward returned for it is dropped unchecked,
            # as PyTorch's engine skips its invalid edges (torchdyn returns 2 end-time gradients
            # for a whole t_span that requires none)
            outs.append(None)
            continue
        if r.dtype != in_dtypes[k]:
            r = _fit_dtype(cls, pos, r, in_dtypes[k])
        r = r if create_graph else r._data
        if r.shape != in_shapes[k]:
            r = _fit_shape(xp, cls, pos, r, in_shapes[k])
        outs.append(r)
    return outs


def _fit_dtype(cls, pos, r, dtype):
    """A gradient of another dtype is cast to its input's, as PyTorch's engine does (a float64
    gradient computed for a float32 input flows on as float32); a complex gradient for a real
    input is refused."""
    if r.dtype.is_complex and not dtype.is_complex:
        raise RuntimeError(
            f"Function {cls.__name__}Backward returned a complex gradient (dtype {r.dtype}) at "
            f"index {pos} for a real input of dtype {dtype}; return a real gradient, e.g. its "
            f"real part (grad.real)"
        )
    return r.to(dtype)


def _fit_shape(xp, cls, pos, r, shape):
    """Sum a broadcast gradient back to its input's shape; refuse anything else."""
    got = tuple(r.shape)
    try:
        ok = np.broadcast_shapes(shape, got) == got
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(
            f"Function {cls.__name__}Backward returned an invalid gradient at index {pos} - got "
            f"shape {got} but expected shape compatible with {shape}"
        )
    return xp.sum_to(r, shape)


def _release(node):
    """Backward without retain_graph: drop what ctx saved (reading it again raises)."""
    ctx = node.aux[1]
    if ctx._saved:
        ctx._saved = None


_FUNCTION_OP_CACHE = {}


def _op_for(cls):
    op = _FUNCTION_OP_CACHE.get(cls)
    if op is None:
        op = Op(cls.__name__, None, _function_backward, saves=0, release=_release,
                grad_name=cls.__name__ + "Backward", undefined_grads=True)
        # its node reads as the Function's ctx (grad_fn.saved_tensors), as PyTorch's
        op.default_cls = op.node_cls = _graph.node_class(op.default_cls.__name__, ctx=True)
        _FUNCTION_OP_CACHE[cls] = op
    return op


class Function:
    """Base class for custom autograd functions (``torch.autograd.Function``)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("subclasses of Function must implement forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("subclasses of Function must implement backward(ctx, ...)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Override to split forward (then ``forward(*args)``, without ``ctx``) from saving
        what backward needs: ``setup_context(ctx, inputs, output)`` runs right after forward,
        with ``inputs`` the tuple of arguments and ``output`` what forward returned."""
        raise NotImplementedError("setup_context is not overridden")

    @classmethod
    def apply(cls, *args, **kwargs):
        if _graph.FORWARD[0] is not None:  # a forward AD level is open: the ``jvp`` too
            from .forward_ad import _function_apply

            return _function_apply(cls, args, kwargs, _apply)
        return _apply(cls, FunctionCtx(), args, kwargs)

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward-mode rule: the tangent of each output from the tangent of each input
        (override it to use the Function under ``forward_ad``)."""
        raise NotImplementedError(
            "You must implement the jvp function for custom autograd.Function to use it with "
            "forward mode AD.")


def _apply(cls, ctx, args, kwargs):
    """``cls.apply(*args, **kwargs)`` with the context ``ctx``."""
    from .._tensor import Tensor, record  # (imported on use: they import this package)

    tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    with grad_mode.no_grad():
        if cls.setup_context is Function.setup_context:
            outputs = cls.forward(ctx, *args, **kwargs)
        else:  # the new style: forward(*args) and setup_context(ctx, inputs, output)
            outputs = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, outputs)
    single = not isinstance(outputs, tuple)
    outs = (outputs,) if single else outputs
    needs_graph = grad_mode.STATE[0] and any(ctx.needs_input_grad)
    if not needs_graph:
        return outputs
    dirty = {id(t) for t in ctx._dirty}
    for t in ctx._dirty:
        if t.grad_fn is None and t.requires_grad:
            raise RuntimeError(
                f"{cls.__name__}: a leaf Variable that requires grad has been used in an "
                f"in-place operation (marked dirty in forward). Pass a clone() of it instead."
            )
    inputs = tuple(args[i] for i in tensor_pos)
    nxt = tuple((t._grad_fn if t._grad_fn is not None else t) if t.requires_grad else None
                for t in inputs)
    aux = (cls, ctx, tensor_pos, len(args), tuple(t._data.shape for t in inputs),
           tuple(t.dtype for t in inputs))
    diff = [isinstance(o, Tensor) and o.dtype.kind in "fc" and id(o) not in ctx._non_diff
            for o in outs]
    if single:
        node = record.function_node(_op_for(cls), inputs, nxt, aux)
        o = outs[0]
        if not diff[0]:
            return o
        ctx._out_meta = (o._data.shape, o._data.dtype, namespace_of(o._data))
        result = _output(o, node, dirty, inputs)
        _saved_outputs_rebased(ctx, {id(o): result}, inputs)
        return result
    node = record.function_node(_op_for(cls), inputs, nxt, aux, n_out=len(outs))
    results = []
    for i, o in enumerate(outs):
        if isinstance(o, Tensor) and ctx.materialize_grads:  # else unused outputs get None
            node.out_meta.append((o._data.shape, o.dtype, namespace_of(o._data)))
        else:
            node.out_meta.append(None)
        if diff[i]:
            results.append(_output(o, record.select_node(node, i), dirty, inputs))
        else:
            results.append(o)
    _saved_outputs_rebased(ctx, {id(o): r for o, r in zip(outs, results) if r is not o},
                           inputs)
    return tuple(results)


def _saved_outputs_rebased(ctx, rebased, inputs):
    """An output that forward saved with ``save_for_backward`` is unpacked, as in PyTorch, as
    the returned output (with this function as its grad_fn), so a backward that uses it is
    differentiable again (double backward through ``exp``'s saved result)."""
    for t in inputs:  # (an input returned as it is stays the input when saved)
        rebased.pop(id(t), None)
    if rebased and ctx._saved and any(id(t) in rebased for t in ctx._saved):
        ctx._saved = tuple(rebased.get(id(t), t) for t in ctx._saved)


def _output(o, grad_fn, dirty, inputs=()):
    """The Tensor handed back for forward's output ``o``: an input modified in place is rebased
    onto this function; anything else is wrapped anew, sharing storage, version counter and,
    for a view, its base. An input returned as it is (not marked dirty) comes back as a view
    of it, as PyTorch's (``_is_view()``; an in-place write into it is refused under grad
    mode, as into any view a custom Function made)."""
    from .._tensor import _make

    if id(o) in dirty:
        o.grad_fn = grad_fn
        o.requires_grad = True
        return o
    t = _make(o._data, True, grad_fn)
    t._vc = o._vc  # same storage: in-place changes must reach ctx's version checks
    base = getattr(o, "_view_base", None)
    if base is None and any(o is x for x in inputs):
        base = o
    if base is not None:  # a view returned by forward stays a view (``_base``), as PyTorch's:
        t._view_base = base  # its detach_() is refused (snntorch's state_quant output)
    return t


def once_differentiable(fn):
    """Mark a ``backward`` as not differentiable again: it runs without recording a graph."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)

    return wrapper
