"""Parametrizations (``torch.nn.utils.parametrize``): a tensor of a module computed from stored
ones by small modules, e.g. a weight kept orthogonal or normalised.

``register_parametrization(m, "weight", P())`` moves ``m.weight`` to
``m.parametrizations.weight.original`` (the ``state_dict`` key, as PyTorch) and makes
``m.weight`` a property that returns ``P()(original)`` on each access (once per
:func:`cached` block). Assigning ``m.weight = x`` stores ``P.right_inverse(x)`` when ``P`` has
one. As in PyTorch, the module's class is swapped for a ``Parametrized<Class>`` subclass that
holds the properties, and restored when the last parametrization is removed.
"""

from __future__ import annotations

import contextlib
import copy
import copyreg

from ..._tensor import Tensor
from ...autograd import grad_mode
from ..modules.container import ModuleDict, ModuleList
from ..modules.module import Module
from ..parameter import Parameter

__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization",
           "remove_parametrizations", "type_before_parametrizations"]

_cache_enabled = 0
_cache: dict = {}


@contextlib.contextmanager
def cached():
    """Inside this block each parametrized tensor is computed once, on its first access (useful
    when a weight is used several times in a forward, as in recurrent layers)."""
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


def _as_parameter_like(original: Tensor, value: Tensor) -> Tensor:
    """``value`` stored as ``original`` was (a Parameter stays a Parameter)."""
    if isinstance(original, Parameter):
        return Parameter(value.detach(), requires_grad=original.requires_grad)
    return value.detach()


def _set_original(original: Tensor, value: Tensor) -> None:
    """Point ``original`` at ``value``'s values (PyTorch's ``original.set_(value)``): the
    array is replaced, not written into, so that a tensor that shared the old one (a
    ``state_dict()`` taken before, a detached alias) keeps the old values, as in PyTorch."""
    with grad_mode.no_grad():
        a = value._data
        if a.dtype != original._data.dtype \
                or not getattr(getattr(a, "flags", None), "writeable", True):
            a = a.astype(original._data.dtype, copy=True)
        original._data = a
        original._vc[0] += 1


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, in order, and the stored ``original`` (or
    ``original0``, ``original1``, ... when the first ``right_inverse`` returns several)."""

    def __init__(self, modules, original: Tensor, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        original_shape, original_dtype = tuple(original.shape), original.dtype
        with grad_mode.no_grad():
            new = original
            for module in reversed(self):
                if hasattr(module, "right_inverse"):
                    new = module.right_inverse(new)
        if isinstance(new, Tensor):
            self.is_tensor = True
            self.ntensors = 1
            if type(new) is not type(original) or new is not original:
                _set_original(original, new)
            self._store("original", original)
        else:
            if not isinstance(new, (tuple, list)):
                raise ValueError(f"'right_inverse' must return a Tensor or a Sequence of tensors "
                                 f"(list, tuple...). Got {type(new).__name__}")
            self.is_tensor = False
            self.ntensors = len(new)
            for i, t in enumerate(new):
                if not isinstance(t, Tensor):
                    raise ValueError(f"'right_inverse' must return a sequence of tensors. Got "
                                     f"element {i} of type {type(t).__name__}")
                stored = Parameter(t.detach(), original.requires_grad) \
                    if isinstance(original, Parameter) else t.detach()
                self._store(f"original{i}", stored)
        if not unsafe:
            z = self()
            if not isinstance(z, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got "
                                 f"{type(z).__name__}.")
            if z.dtype != original_dtype or tuple(z.shape) != original_shape:
                raise ValueError(
                    f"Registering a parametrization may not change the shape or dtype of the "
                    f"tensor, unless `unsafe` flag is enabled.\nunparametrized dtype: "
                    f"{original_dtype}\nparametrized dtype: {z.dtype}\nunparametrized shape: "
                    f"{original_shape}\nparametrized shape: {tuple(z.shape)}")

    def _store(self, name: str, t: Tensor) -> None:
        if isinstance(t, Parameter):
            self.register_parameter(name, t)
        else:
            self.register_buffer(name, t)

    def right_inverse(self, value: Tensor) -> None:
        """Store ``value`` through the ``right_inverse`` of every parametrization (last first)."""
        with grad_mode.no_grad():
            for module in reversed(self):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
                elif not self.unsafe and len(self) > 0:
                    raise RuntimeError(f"parametrization {type(module).__name__} does not "
                                       f"implement right_inverse.")
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got "
                                     f"{type(value).__name__}")
                _set_original(self.original, value)
            else:
                if not isinstance(value, (tuple, list)) or len(value) != self.ntensors:
                    raise ValueError(f"'right_inverse' must return a sequence of "
                                     f"{self.ntensors} tensors")
                for i, t in enumerate(value):
                    _set_original(getattr(self, f"original{i}"), t)

    def forward(self) -> Tensor:
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _refuse_pickling(self):
    raise RuntimeError("Serialization of parametrized modules is only supported through "
                       "state_dict(): save module.state_dict() and load it into a module "
                       "parametrized the same way (torch.save(module) cannot rebuild the "
                       "parametrized class)")


def _copy_parametrized(self, memo):
    """``copy.deepcopy`` of a parametrized module (its class refuses pickling, which deepcopy
    would otherwise use): a new instance of the same class with a deep copy of its state."""
    done = memo.get(id(self))
    if done is not None:
        return done
    replica = self.__new__(type(self))
    memo[id(self)] = replica
    replica.__dict__ = copy.deepcopy(self.__dict__, memo)
    for slot in copyreg._slotnames(type(self)):
        if hasattr(self, slot):
            setattr(replica, slot, copy.deepcopy(getattr(self, slot), memo))
    return replica


def _inject_new_class(module: Module) -> None:
    cls = module.__class__
    body = {"__module__": cls.__module__, "__getstate__": _refuse_pickling}
    if not hasattr(cls, "__deepcopy__"):
        body["__deepcopy__"] = _copy_parametrized
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), body)


def _inject_property(module: Module, tensor_name: str) -> None:
    def get_parametrized(self):
        parametrization = self.parametrizations[tensor_name]
        if _cache_enabled:
            key = (id(self), tensor_name)
            t = _cache.get(key)
            if t is None:
                t = _cache[key] = parametrization()
            return t
        return parametrization()

    def set_original(self, value):
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Parametrize ``module.<tensor_name>`` by ``parametrization`` (see the module docstring).

    Args:
        module: the module holding the parameter or buffer.
        tensor_name: its name.
        parametrization: a Module computing the tensor from the stored one; it may define
            ``right_inverse(x)`` (what to store for a wanted value ``x``).
        unsafe: allow the parametrization to change the tensor's shape or dtype.

    Returns:
        ``module``.

    Examples:
        >>> class Symmetric(gradkit.nn.Module):
        ...     def forward(self, x):
        ...         return x.triu() + x.triu(1).transpose(0, 1)
        >>> m = gradkit.nn.Linear(3, 3)
        >>> register_parametrization(m, "weight", Symmetric())
    """
    if not isinstance(parametrization, Module):
        raise TypeError(f"register_parametrization: parametrization must be a Module, got "
                        f"{type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        if not unsafe:
            y = getattr(module, tensor_name)
            x = parametrization(y)
            if not isinstance(x, Tensor) or x.dtype != y.dtype or tuple(x.shape) != tuple(
                    y.shape):
                raise ValueError(
                    f"Registering a parametrization may not change the shape or dtype of the "
                    f"tensor, unless the `unsafe` flag is enabled.\nunparametrized dtype: "
                    f"{y.dtype}\nunparametrized shape: {tuple(y.shape)}")
        module.parametrizations[tensor_name].append(parametrization)
        module.parametrizations[tensor_name].unsafe |= unsafe
        return module
    if tensor_name not in module._parameters and tensor_name not in module._buffers:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a "
                         f"parametrized element with name '{tensor_name}'")
    original = getattr(module, tensor_name)
    if original is None:
        raise ValueError(f"register_parametrization: '{tensor_name}' of {type(module).__name__} "
                         f"is None; there is nothing to parametrize")
    parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        _inject_new_class(module)
        module.parametrizations = ModuleDict()
    _inject_property(module, tensor_name)
    module.parametrizations[tensor_name] = parametrizations
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization (on ``tensor_name`` when given)."""
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(module: Module, tensor_name: str,
                            leave_parametrized: bool = True) -> Module:
    """Remove the parametrizations of ``module.<tensor_name>``.

    Args:
        leave_parametrized: keep the current (parametrized) value as the plain tensor; else the
            stored ``original`` comes back.

    Returns:
        ``module``.
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with grad_mode.no_grad():
                t = getattr(module, tensor_name)
            if t.dtype != original.dtype:
                raise ValueError(f"remove_parametrizations: the parametrized {tensor_name} has "
                                 f"dtype {t.dtype}, the stored original {original.dtype}; call "
                                 f"it with leave_parametrized=False")
            _set_original(original, t)
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                             "that is parametrized in terms of a sequence of tensors.")
        with grad_mode.no_grad():
            t = getattr(module, tensor_name)
        first = parametrizations.original0
        original = _as_parameter_like(first, t)
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    if isinstance(original, Parameter):
        module.register_parameter(tensor_name, original)
    else:
        module.register_buffer(tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """The module's class before any parametrization was registered."""
    if is_parametrized(module):
        return module.__class__.__bases__[0]
    return type(module)
