"""``gradkit.utils.checkpoint``: activation checkpointing, as ``torch.utils.checkpoint``.

``checkpoint(function, *args)`` runs ``function`` without recording its graph, so none of its
intermediate activations stay alive; in backward it runs ``function`` again (with the RNG state
of the first run restored, so dropout draws the same masks) and back-propagates through that
recomputation. Gradients equal those of ``function(*args)``.

The output's ``grad_fn`` is named as PyTorch's: ``CheckpointFunctionBackward`` with
``use_reentrant=True``; with ``use_reentrant=False`` (where PyTorch records ``function``'s own
graph) the name of ``function``'s last op (``MulBackward0``), learnt from a forward that records
the graph and drops it at once, so no activation outlives the call.

Both ``use_reentrant`` values run this scheme (the graph of ``function`` is rebuilt inside the
backward pass and its gradients, parameters included, are accumulated there), so gradients of
tensors used inside ``function`` but not passed as arguments (module parameters) reach their
``.grad`` through ``Tensor.backward()``; ``autograd.grad`` returns those of the arguments.
"""

from __future__ import annotations

from .. import random as _random
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "check_backward_validity",
           "detach_variable", "get_device_states", "set_device_states", "noop_context_fn",
           "DefaultDeviceType"]


class CheckpointError(RuntimeError):
    """Raised, as PyTorch's, when a recomputation does not match the original forward."""


def noop_context_fn():
    """The default ``context_fn`` of :func:`checkpoint`: two contexts that do nothing."""
    import contextlib

    return contextlib.nullcontext(), contextlib.nullcontext()


def detach_variable(inputs):
    """A tuple of ``inputs``, each tensor detached with its ``requires_grad`` kept (others as
    they are), as ``torch.utils.checkpoint.detach_variable``."""
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    return tuple(x.detach().requires_grad_(x.requires_grad) if _is_tensor(x) else x
                 for x in inputs)


def check_backward_validity(inputs) -> None:
    """Warn, as PyTorch does, when no tensor among ``inputs`` requires grad."""
    import warnings

    if not any(_is_tensor(x) and x.requires_grad for x in inputs):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      UserWarning, stacklevel=2)


class DefaultDeviceType:
    """The accelerator type whose generators :func:`set_device_states` names by default."""

    _default_device_type = "cuda"

    @staticmethod
    def set_device_type(device: str = "cuda") -> None:
        DefaultDeviceType._default_device_type = device

    @staticmethod
    def get_device_type() -> str:
        return DefaultDeviceType._default_device_type


def get_device_states(*args):
    """``(device_ids, states)`` for the accelerator tensors among ``args`` (tensors nested in
    lists, tuples and dicts too), as ``torch.utils.checkpoint.get_device_states``: CPU tensors
    and non-tensors contribute nothing. gradkit draws the random numbers of every device from
    its one generator (see ``gradkit.random.fork_rng``), so each state is that generator's
    state, which the caller saves and restores with ``get_rng_state``/``set_rng_state``."""
    ids = []

    def visit(x):
        if _is_tensor(x):
            if x.device.type not in ("cpu", "meta"):  # one entry per tensor, as PyTorch's
                ids.append(x.device.index or 0)
        elif isinstance(x, (list, tuple)):
            for y in x:
                visit(y)
        elif isinstance(x, dict):
            for y in x.values():
                visit(y)

    visit(args)
    return ids, [_random.get_rng_state() for _ in ids]


def set_device_states(devices, states, *, device_type=None) -> None:
    """Restore the states :func:`get_device_states` returned. There is no per-device
    generator in gradkit (its one generator is restored with ``set_rng_state``), so only the
    arguments are checked."""
    if len(list(devices)) != len(list(states)):
        raise ValueError(f"set_device_states: got {len(list(devices))} devices but "
                         f"{len(list(states))} states; pass the two lists get_device_states "
                         "returned")


def _is_tensor(x):
    from .._tensor import Tensor

    return isinstance(x, Tensor)


class CheckpointFunction(Function):
    @staticmethod
    def forward(ctx, run, preserve_rng_state, kwargs, names, anchor, *args):
        ctx.run, ctx.kwargs = run, kwargs
        ctx.rng = _random.get_rng_state() if preserve_rng_state else None
        ctx.args = args  # the inputs only: no activation of run is kept
        if names is not None:  # record the graph only to read its outputs' names, then drop it
            inputs = [a.detach().requires_grad_(a.requires_grad) if _is_tensor(a) else a
                      for a in args]
            with enable_grad():
                out = run(*inputs, **kwargs)
            names.extend(type(o.grad_fn).__name__ if _is_tensor(o) and o.grad_fn is not None
                         else None for o in (out if isinstance(out, tuple) else (out,)))
        else:
            out = run(*args, **kwargs)
        ctx.single = not isinstance(out, tuple)
        return out.detach() if ctx.single else tuple(
            o.detach() if _is_tensor(o) else o for o in out)

    @staticmethod
    def backward(ctx, *grads):
        from ..autograd.backward import backward

        current = _random.get_rng_state() if ctx.rng is not None else None
        if ctx.rng is not None:
            _random.set_rng_state(ctx.rng)
        try:
            inputs = [a.detach().requires_grad_(a.requires_grad) if _is_tensor(a) else a
                      for a in ctx.args]
            with enable_grad():
                out = ctx.run(*inputs, **ctx.kwargs)
        finally:
            if current is not None:
                _random.set_rng_state(current)
        outs = (out,) if ctx.single else out
        pairs = [(o, g) for o, g in zip(outs, grads)
                 if _is_tensor(o) and o.requires_grad and g is not None]
        if pairs:
            backward([o for o, _ in pairs], [g for _, g in pairs])
        arg_grads = tuple(a.grad if _is_tensor(a) and a.requires_grad else None
                          for a in inputs)
        return (None, None, None, None, None) + arg_grads


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default",
               debug=False, preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)`` without keeping its activations; they are recomputed in
    backward (see the module docstring). ``use_reentrant`` must be given (True or False), as
    PyTorch recommends; ``context_fn``, ``determinism_check`` and ``debug`` are accepted for
    compatibility."""
    import warnings

    if use_reentrant is None:
        warnings.warn("gradkit.utils.checkpoint: the use_reentrant parameter should be passed "
                      "explicitly (True or False), as in PyTorch", UserWarning, stacklevel=2)
    if context_fn is not None and use_reentrant:
        raise ValueError("Passing `context_fn` or `debug` is only supported when "
                         "use_reentrant=False.")
    from .. import tensor
    from ..autograd.grad_mode import is_grad_enabled

    anchor = tensor(0.0, requires_grad=True)  # records the node even when no input needs grad
    names = [] if not use_reentrant and is_grad_enabled() else None
    out = CheckpointFunction.apply(function, preserve_rng_state, kwargs, names, anchor, *args)
    if names is None:
        return out
    # use_reentrant=False: each output is what function's own output is (PyTorch records
    # function's graph): its grad_fn has that name, and it needs no grad when that one did not
    from ..autograd.graph import _set_named, node_class

    outs = out if isinstance(out, tuple) else (out,)
    fixed = []
    for o, name in zip(outs, names):
        if _is_tensor(o) and o.grad_fn is not None:
            if name is None:
                o = o.detach()
            else:
                _set_named(o._grad_fn, node_class(name))
        fixed.append(o)
    return tuple(fixed) if isinstance(out, tuple) else fixed[0]


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run ``functions`` (a ``Sequential`` or a list of modules/functions) in ``segments``
    chunks, checkpointing every chunk but the last (as PyTorch)."""
    fns = list(functions.children()) if hasattr(functions, "children") else list(functions)
    if segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be positive, got {segments}")
    size = len(fns) // segments

    def run(start, end):
        def forward(x):
            for f in fns[start:end + 1]:
                x = f(x)
            return x
        return forward

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, **kwargs)
    return run(end + 1, len(fns) - 1)(input)
