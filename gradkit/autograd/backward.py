"""``backward`` and ``grad``: the two ways to run the engine, with PyTorch's argument checks."""

from __future__ import annotations

import numpy as np

from .._backend import namespace_of
from .._warnings import warn, warn_once
from .engine import run_backward
from .graph import FORWARD, GradientEdge, edge_key

__all__ = ["backward", "grad"]


_TENSOR_MOD = []


def _tensor_mod():
    # imported on first use: the Tensor class's module imports this one (for Tensor.backward)
    if not _TENSOR_MOD:
        from .._tensor import tensor

        _TENSOR_MOD.append(tensor)
    return _TENSOR_MOD[0]


def _tensor_cls():
    return _tensor_mod().Tensor


def _as_list(x, name):
    if type(x) is list:  # Tensor.backward passes [self]
        return list(x)
    Tensor = _tensor_cls()
    if isinstance(x, (Tensor, GradientEdge)):
        return [x]
    if isinstance(x, (list, tuple)):
        return list(x)
    if not isinstance(x, (str, bytes)) and hasattr(x, "__iter__"):
        return list(x)  # PyTorch takes any iterable: a generator, dict.values(), iter(list)
    raise TypeError(f"{name} must be a Tensor or a sequence of Tensors, got {type(x).__name__}")


def _root_grads(outputs, grad_outputs, create_graph, who):
    tensor_mod = _tensor_mod()
    Tensor = tensor_mod.Tensor
    wrap = tensor_mod.wrap
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs: {who} was called on "
                    f"a tensor of shape {tuple(out.shape)}. Pass gradient= (a tensor of that "
                    f"shape, e.g. y.backward(gradkit.ones_like(y))) or reduce it first, "
                    f"e.g. y.sum().backward()"
                )
            data = out._data
            if data.dtype.kind == "c":
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs: "
                                   f"{who} was called on a complex tensor; take .real, .abs() "
                                   f"or pass gradient=")
            arr = namespace_of(data).empty(data.shape, dtype=data.dtype)
            arr.fill(1)  # (faster than ones(), which is written in Python)
            grads.append(wrap(arr) if create_graph else arr)
            continue
        if not isinstance(g, Tensor):
            g = wrap(namespace_of(out._data).asarray(g, dtype=out.dtype))  # on out's device
        if tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} and "
                f"output[{i}] has a shape of {tuple(out.shape)}."
            )
        if g.dtype != out.dtype:
            g = g.to(out.dtype)
        grads.append(g if create_graph else g._data)
    return grads


def _check_outputs(outputs):
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn: "
                f"nothing upstream of it requires grad. Set requires_grad=True on the leaves you "
                f"want gradients for (and don't compute it under no_grad())."
            )


_CREATE_GRAPH_CYCLE = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter "
    "and its gradient which can cause a memory leak. We recommend using autograd.grad when "
    "creating the graph to avoid this. If you have to use this function, make sure to reset the "
    ".grad fields of your parameters to None after use to break the cycle and avoid the leak.")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate gradients of ``tensors`` into the leaves' ``.grad`` (as
    ``torch.autograd.backward``; ``grad_variables`` is its deprecated name of
    ``grad_tensors``)."""
    if grad_variables is not None:
        warn("`grad_variables` is deprecated. Use `grad_tensors` instead.", FutureWarning)
        if grad_tensors is not None:
            raise RuntimeError("`grad_tensors` and `grad_variables` (deprecated) arguments both "
                               "passed to `backward()`. Please only use `grad_tensors`.")
        grad_tensors = grad_variables
    outputs = _as_list(tensors, "tensors")
    if grad_tensors is None:
        grad_tensors = [None] * len(outputs)
    else:
        grad_tensors = _as_list(grad_tensors, "grad_tensors") if not isinstance(
            grad_tensors, (list, tuple)) else list(grad_tensors)
    if len(grad_tensors) != len(outputs):
        raise RuntimeError(
            f"got {len(grad_tensors)} gradients for {len(outputs)} tensors; give one per tensor"
        )
    _check_outputs(outputs)
    if create_graph:
        warn_once("backward create_graph", _CREATE_GRAPH_CYCLE)
    if retain_graph is None:
        retain_graph = create_graph
    # (``_grad_fn``: the node as recorded; ``grad_fn`` would give it its named class first)
    roots = [t._grad_fn if t._grad_fn is not None else t for t in outputs]
    grads = _root_grads(outputs, grad_tensors, create_graph, "backward()")
    capture = None
    if inputs is not None:
        ins = _as_list(inputs, "inputs")
        if not ins:
            raise RuntimeError("backward(inputs=...) was given an empty sequence")
        capture = []
        for t in ins:
            if not t.requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            if t._grad_fn is None:
                capture.append(t)
            else:
                capture.append(t._grad_fn)
                # as PyTorch: a non-leaf input retains its gradient (now and in later backward
                # calls), which its retain_grad hook accumulates into .grad when it is reached
                t.retain_grad()
    run_backward(roots, grads, retain_graph=retain_graph, create_graph=create_graph,
                 capture=capture, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated).

    Returns:
        A tuple with one gradient per input (None for an unused input when ``allow_unused``).
    """
    from .._tensor.tensor import wrap  # (imported on use: that module imports this one)

    outs = _as_list(outputs, "outputs")
    ins = _as_list(inputs, "inputs")
    if grad_outputs is None:
        gouts = [None] * len(outs)
    else:
        gouts = _as_list(grad_outputs, "grad_outputs") if not isinstance(
            grad_outputs, (list, tuple)) else list(grad_outputs)
    if len(gouts) != len(outs):
        raise RuntimeError(
            f"grad_outputs has {len(gouts)} entries but outputs has {len(outs)}; give one each"
        )
    if allow_unused is None:
        allow_unused = materialize_grads
    if is_grads_batched:
        return _batched_grad(outs, ins, gouts, retain_graph, create_graph, allow_unused,
                             materialize_grads)
    edges = {i: edge_key(t, f"inputs[{i}]") for i, t in enumerate(ins)
             if isinstance(t, GradientEdge)}
    for i, t in enumerate(ins):
        if i in edges:
            continue
        if not t.requires_grad:
            raise RuntimeError(
                f"One of the differentiated Tensors does not require grad (inputs[{i}], shape "
                f"{tuple(t.shape)}); set requires_grad=True on it"
            )
    _check_outputs(outs)
    if retain_graph is None:
        retain_graph = create_graph
    if not create_graph and FORWARD[0] is not None:
        # a forward AD level is open: tangents flow through the backward computation (as
        # PyTorch's), which is then recorded and the results detached (forward_ad)
        from .forward_ad import _detached

        return _detached(grad(outs, ins, gouts, retain_graph, True, only_inputs, allow_unused,
                              False, materialize_grads))
    # (``_grad_fn``: the node as recorded, an output's own one where several share a node)
    roots = [t._grad_fn if t._grad_fn is not None else t for t in outs]
    grads = _root_grads(outs, gouts, create_graph, "grad()")
    capture = [edges[i][0] if i in edges else t._grad_fn if t._grad_fn is not None else t
               for i, t in enumerate(ins)]
    captured = run_backward(roots, grads, retain_graph=retain_graph, create_graph=create_graph,
                            capture=capture, accumulate=False)
    result = []
    for i, (t, key) in enumerate(zip(ins, capture)):
        g = captured.get(key)
        if i in edges:  # a GradientEdge: its leaf's shape, or the gradient as it arrived
            t = edges[i][1]
            if t is None:
                if g is None and not allow_unused:
                    raise RuntimeError(f"autograd.grad: the GradientEdge inputs[{i}] appears to "
                                       f"not have been used in the graph. Set allow_unused=True "
                                       f"if this is the desired behavior.")
                result.append(g if g is None or create_graph else wrap(np.array(g, copy=True)))
                continue
        if g is None:
            if materialize_grads:
                result.append(wrap(np.zeros(t._data.shape, dtype=t.dtype)))
                continue
            if not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (inputs[{i}], shape {tuple(t.shape)}) "
                    f"appears to not have been used in the graph. Set allow_unused=True if this is "
                    f"the desired behavior."
                )
            result.append(None)
            continue
        if not create_graph:
            g = wrap(g if g.shape == t._data.shape else np.broadcast_to(g, t._data.shape).copy())
        result.append(g)
    return tuple(result)


def _batched_grad(outs, ins, gouts, retain_graph, create_graph, allow_unused, materialize_grads):
    """``is_grads_batched=True``: the first dimension of each grad_output is a batch of vectors;
    one backward per vector (gradkit has no vmap), results stacked along a new first dimension."""
    from ..functions import stack  # (imported on use: functions import the Tensor module)

    if any(g is None for g in gouts):
        raise RuntimeError("is_grads_batched=True needs a grad_output for every output")
    sizes = {int(g.shape[0]) if len(g.shape) else -1 for g in gouts}
    if len(sizes) != 1 or -1 in sizes:
        raise RuntimeError(
            f"is_grads_batched=True: every grad_output needs the same leading batch dimension, got "
            f"shapes {[tuple(g.shape) for g in gouts]}"
        )
    (n,) = sizes
    keep = create_graph if retain_graph is None else retain_graph
    rows = []
    for k in range(n):
        rows.append(grad(outs, ins, [g[k] for g in gouts], retain_graph=True if k < n - 1 else keep,
                         create_graph=create_graph, allow_unused=allow_unused,
                         materialize_grads=materialize_grads))
    result = []
    for j, t in enumerate(ins):
        col = [r[j] for r in rows]
        if any(c is None for c in col):
            result.append(None)
        elif n == 0:
            from .._tensor.tensor import wrap  # (imported on use: that module imports this one)

            result.append(wrap(np.zeros((0,) + tuple(t.shape), dtype=t.dtype)))
        else:
            result.append(stack(col) if create_graph else stack([c.detach() for c in col]))
    return tuple(result)
