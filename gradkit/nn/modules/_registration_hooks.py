"""Hooks on every module's registrations (``torch.nn.modules.module.
register_module_parameter_registration_hook`` and its buffer and submodule twins): each runs
as ``hook(module, name, value)`` when any module registers a parameter, buffer or submodule
(by ``register_*``/``add_module`` or by attribute assignment); a returned value replaces the
one registered."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

__all__ = ["register_module_buffer_registration_hook", "register_module_module_registration_hook",
           "register_module_parameter_registration_hook"]

_HOOKS = {"parameter": OrderedDict(), "buffer": OrderedDict(), "module": OrderedDict()}


def registered(kind: str, module, name: str, value):
    """``value`` after the ``kind`` registration hooks (each may replace it)."""
    hooks = _HOOKS[kind]
    if hooks:
        for hook in list(hooks.values()):
            out = hook(module, name, value)
            if out is not None:
                value = out
    return value


def _register(kind: str, hook: Callable):
    from .module import RemovableHandle

    handle = RemovableHandle(_HOOKS[kind])
    _HOOKS[kind][handle.id] = hook
    return handle


def register_module_parameter_registration_hook(hook: Callable):
    """Call ``hook(module, name, param)`` whenever any module registers a parameter; a
    returned value is registered instead. Returns a handle whose ``remove()`` removes it."""
    return _register("parameter", hook)


def register_module_buffer_registration_hook(hook: Callable):
    """Call ``hook(module, name, buffer)`` whenever any module registers a buffer; a returned
    value is registered instead. Returns a handle whose ``remove()`` removes it."""
    return _register("buffer", hook)


def register_module_module_registration_hook(hook: Callable):
    """Call ``hook(module, name, submodule)`` whenever any module registers a submodule; a
    returned value is registered instead. Returns a handle whose ``remove()`` removes it."""
    return _register("module", hook)
