"""``functorch`` under ``gradkit run``: the stand-alone package that preceded ``torch.func``.

Programs and tutorials written for PyTorch 1.x import their transforms from ``functorch``
(``vmap``, ``grad``, ``jacrev``, ``jvp``, ...) and make modules functional with
``make_functional``/``make_functional_with_buffers`` and ``combine_state_for_ensemble``. The
transforms are gradkit's ``gradkit.func`` ones; the functional modules call
:func:`gradkit.func.functional_call` on a private copy of the module with the parameters (and
buffers) given as tuples in ``named_parameters()`` order, as functorch's do.
"""

from __future__ import annotations

import copy

from .. import __version__
from ..func import (
    functional_call,
    functionalize,
    grad,
    grad_and_value,
    hessian,
    jacfwd,
    jacrev,
    jvp,
    vjp,
    vmap,
)
from ..nn.modules.module import Module

__all__ = ["FunctionalModule", "FunctionalModuleWithBuffers", "combine_state_for_ensemble",
           "functionalize", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
           "make_functional", "make_functional_with_buffers", "vjp", "vmap", "__version__"]


def _as_tuple(values, names, what, fname):
    values = tuple(values)
    if len(values) != len(names):
        raise RuntimeError(f"{fname}: expected {len(names)} {what} (one per name in "
                           f"{list(names)}), got {len(values)}")
    return values


class FunctionalModule(Module):
    """``fmodel(params, *args, **kwargs)``: the copied module run with ``params`` (a sequence in
    the order of :attr:`param_names`) in place of its parameters."""

    def __init__(self, stateless_model, param_names):
        super().__init__()
        self.stateless_model = stateless_model
        self.param_names = tuple(param_names)

    def forward(self, params, *args, **kwargs):
        params = _as_tuple(params, self.param_names, "parameters", "FunctionalModule")
        return functional_call(self.stateless_model, dict(zip(self.param_names, params)),
                               args, kwargs)


class FunctionalModuleWithBuffers(Module):
    """``fmodel(params, buffers, *args, **kwargs)``: as :class:`FunctionalModule`, with the
    buffers given too (in the order of :attr:`buffer_names`)."""

    def __init__(self, stateless_model, param_names, buffer_names):
        super().__init__()
        self.stateless_model = stateless_model
        self.param_names = tuple(param_names)
        self.buffer_names = tuple(buffer_names)

    def forward(self, params, buffers, *args, **kwargs):
        name = "FunctionalModuleWithBuffers"
        params = _as_tuple(params, self.param_names, "parameters", name)
        buffers = _as_tuple(buffers, self.buffer_names, "buffers", name)
        state = dict(zip(self.param_names, params))
        state.update(zip(self.buffer_names, buffers))
        return functional_call(self.stateless_model, state, args, kwargs)


def _split(model, disable_autograd_tracking):
    """A private copy of ``model`` and its unique named parameters and buffers."""
    if not isinstance(model, Module):
        raise TypeError(f"make_functional: expected an nn.Module, got {type(model).__name__}")
    twin = copy.deepcopy(model)
    pnames, params = zip(*twin.named_parameters()) if list(twin.parameters()) else ((), ())
    bnames, buffers = zip(*twin.named_buffers()) if list(twin.buffers()) else ((), ())
    if disable_autograd_tracking:
        for p in params:
            p.requires_grad_(False)
    return twin, pnames, tuple(params), bnames, tuple(buffers)


def make_functional(model, disable_autograd_tracking=False):
    """``(fmodel, params)`` for a module without buffers: ``fmodel(params, *args)`` runs it with
    ``params`` (a copy's parameters, in ``named_parameters()`` order).

    Raises:
        RuntimeError: ``model`` has buffers (use :func:`make_functional_with_buffers`).
    """
    if list(model.buffers()):
        raise RuntimeError("make_functional(model): `model` has buffers. Please use "
                           "make_functional_with_buffers(model) instead.")
    twin, pnames, params, _, _ = _split(model, disable_autograd_tracking)
    return FunctionalModule(twin, pnames), params


def make_functional_with_buffers(model, disable_autograd_tracking=False):
    """``(fmodel, params, buffers)``: ``fmodel(params, buffers, *args)`` runs a copy of
    ``model`` with the given parameters and buffers."""
    twin, pnames, params, bnames, buffers = _split(model, disable_autograd_tracking)
    return FunctionalModuleWithBuffers(twin, pnames, bnames), params, buffers


def combine_state_for_ensemble(models):
    """``(fmodel, params, buffers)`` for ``models`` of one class: each parameter and buffer
    stacked along a new first dim (detached), for ``vmap(fmodel, (0, 0, None))``.

    Raises:
        RuntimeError: no models, mixed training/eval modes, or mixed classes.
    """
    models = list(models)
    if not models:
        raise RuntimeError("combine_state_for_ensemble: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("combine_state_for_ensemble: Expected all models to have the same "
                           "training/eval mode.")
    if not all(type(m) is type(models[0]) for m in models):
        raise RuntimeError("combine_state_for_ensemble: Expected all models to be of the same "
                           "class.")
    from ..functions import stack

    made = [make_functional_with_buffers(m) for m in models]
    params = tuple(stack(list(ps)).detach() for ps in zip(*(m[1] for m in made)))
    buffers = tuple(stack(list(bs)).detach() for bs in zip(*(m[2] for m in made)))
    return made[0][0], params, buffers
