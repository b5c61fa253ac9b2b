"""``Module``: the base class of every layer (``torch.nn.Module``).

Parameters, buffers and submodules register themselves when assigned as attributes and live in
three ordered dicts (``_parameters``, ``_buffers``, ``_modules``); ``__getattr__`` finds them there.
``state_dict`` keys are dotted paths (``"0.weight"``), as PyTorch's, so weights copy across."""

from __future__ import annotations

import difflib
import itertools
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from ... import _dtype, _runtime
from ..._tensor import Size, Tensor, wrap
from ...autograd import grad_mode
from ..parameter import Buffer, Parameter
from ._backward_hooks import (
    _GLOBAL_BACKWARD_HOOKS,
    _GLOBAL_BACKWARD_PRE_HOOKS,
    _BackwardHookState,
    legacy_backward_hook,
)
from ._hooks import HookWithoutModule
from ._materialize import cast_floating as _cast_floating
from ._materialize import move as _move
from ._materialize import to_empty as _to_empty
from ._registration_hooks import registered as _registered

__all__ = ["Module"]  # (the global hook functions live here only, as in torch)

_handle_ids = itertools.count()


class RemovableHandle:
    """What ``register_*_hook`` returns: ``remove()`` unregisters the hook; usable as a context
    manager."""

    def __init__(self, hooks_dict: dict, *id_sets: set):
        self.hooks_dict = hooks_dict
        self.id_sets = id_sets  # sets that mark this hook (with_kwargs, always_call)
        self.id = next(_handle_ids)

    def remove(self) -> None:
        self.hooks_dict.pop(self.id, None)
        for ids in self.id_sets:
            ids.discard(self.id)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class _IncompatibleKeys(NamedTuple):
    missing_keys: list
    unexpected_keys: list

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")


def _addindent(s: str, n: int) -> str:
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    return lines[0] + "\n" + "\n".join(" " * n + line for line in lines[1:])


def _as_array(value):
    """The array inside a state_dict value: a Tensor, NumPy array, or anything with
    ``__array__`` (e.g. a torch tensor)."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _add_hook(hooks, hook: Callable, prepend: bool, *id_sets: set | None) -> RemovableHandle:
    """Put ``hook`` in the ordered dict ``hooks`` (first if ``prepend``) under a new handle's
    id, also recorded in each of ``id_sets`` that is not None (and removed with the hook)."""
    id_sets = tuple(ids for ids in id_sets if ids is not None)
    handle = RemovableHandle(hooks, *id_sets)
    hooks[handle.id] = hook
    for ids in id_sets:
        ids.add(handle.id)
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


# Hooks of every module (``torch.nn.modules.module.register_module_forward_hook``): they run
# before each module's own hooks.
_GLOBAL_FORWARD_PRE_HOOKS: OrderedDict = OrderedDict()
_GLOBAL_FORWARD_HOOKS: OrderedDict = OrderedDict()
_GLOBAL_FORWARD_HOOKS_WITH_KWARGS: set = set()
_GLOBAL_FORWARD_HOOKS_ALWAYS_CALLED: set = set()


def register_module_forward_pre_hook(hook: Callable) -> RemovableHandle:
    """Call ``hook(module, args)`` before the forward of every module (before the module's
    own pre-hooks); a returned value replaces ``args`` (a non-tuple is wrapped)."""
    return _add_hook(_GLOBAL_FORWARD_PRE_HOOKS, hook, False)


def register_module_forward_hook(hook: Callable, *, with_kwargs: bool = False,
                                 always_call: bool = False) -> RemovableHandle:
    """Call ``hook(module, args, output)`` (``hook(module, args, kwargs, output)`` with
    ``with_kwargs``) after the forward of every module, before the module's own hooks; a
    returned value replaces the output."""
    return _add_hook(_GLOBAL_FORWARD_HOOKS, hook, False,
                     _GLOBAL_FORWARD_HOOKS_WITH_KWARGS if with_kwargs else None,
                     _GLOBAL_FORWARD_HOOKS_ALWAYS_CALLED if always_call else None)


def register_module_full_backward_pre_hook(hook: Callable) -> RemovableHandle:
    """Call ``hook(module, grad_output)`` for every module when the gradients w.r.t. its
    outputs are computed (before the module's own backward pre-hooks); a returned tuple
    replaces ``grad_output``. Modules called while it is registered are hooked."""
    return _add_hook(_GLOBAL_BACKWARD_PRE_HOOKS, hook, False)


def register_module_full_backward_hook(hook: Callable) -> RemovableHandle:
    """Call ``hook(module, grad_input, grad_output)`` for every module when the gradients
    w.r.t. its inputs are computed (before the module's own backward hooks); a returned tuple
    replaces ``grad_input``. Modules called while it is registered are hooked."""
    return _add_hook(_GLOBAL_BACKWARD_HOOKS, hook, False)


_NOT_TENSORS = (list, tuple, int, float, bool)
# the state_dict key of get_extra_state()'s entry (PyTorch's module constant, which libraries
# compare keys with)
_EXTRA_STATE_KEY_SUFFIX = "_extra_state"
# gradkit's modules whose forward takes any input (containers pass it on; Identity returns it),
# and those whose functional checks the input itself, after the kernel PyTorch unpacks first
_ANY_INPUT = {"Identity", "LPPool2d", "LPPool3d"}


def _refuse_sequence_input(module, x) -> None:
    """A list or tuple given to a gradkit layer where PyTorch's takes a Tensor: PyTorch fails
    with a TypeError (a C++ binding) or an AttributeError (``input.dim()``); gradkit's
    NotATensorError is both. User-defined forwards and containers are not checked."""
    fwd = getattr(type(module), "forward", None)
    where = getattr(fwd, "__module__", "") or ""
    if not where.startswith("gradkit.nn.modules.") or where.endswith((".container", ".module")) \
            or type(module).__name__ in _ANY_INPUT:
        return
    if where.endswith(".loss"):  # a loss's functional checks in PyTorch's order (its
        return  # reduction string first, where PyTorch's does)
    from ...functions._args import NotATensorError

    raise NotATensorError(
        f"{type(module).__name__}: argument 'input' (position 1) must be Tensor, not "
        f"{type(x).__name__}; make one with gradkit.tensor(...)")


class Module:
    """Base class for all neural-network layers and models.

    Subclasses call ``super().__init__()`` first, then assign parameters (:class:`Parameter`),
    buffers (``register_buffer``) and submodules as attributes, and define ``forward``.

    Examples:
        >>> class Net(gradkit.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc = gradkit.nn.Linear(4, 2)
        ...     def forward(self, x):
        ...         return self.fc(x).relu()
        >>> [name for name, _ in Net().named_parameters()]
        ['fc.weight', 'fc.bias']
    """

    training: bool
    _version: int = 1

    def __init__(self, *args, **kwargs) -> None:
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected arguments {args} {kwargs}: "
                f"Module.__init__ takes none"
            )
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}  # (plain dicts, as PyTorch's: programs print them)
        d["_buffers"] = {}
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = {}
        d["_forward_hooks"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_hooks_with_kwargs"] = set()
        d["_forward_pre_hooks_with_kwargs"] = set()
        d["_forward_hooks_always_called"] = set()
        d["_backward_hooks"] = OrderedDict()
        d["_backward_pre_hooks"] = OrderedDict()

    # ------------------------------------------------------------------ forward and hooks
    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args, **kwargs):
        if args and type(args[0]) in _NOT_TENSORS:
            _refuse_sequence_input(self, args[0])
        d = self.__dict__
        if not (d["_forward_pre_hooks"] or d["_forward_hooks"] or d["_backward_hooks"]
                or d["_backward_pre_hooks"] or _GLOBAL_FORWARD_PRE_HOOKS
                or _GLOBAL_FORWARD_HOOKS or _GLOBAL_BACKWARD_HOOKS
                or _GLOBAL_BACKWARD_PRE_HOOKS):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        out = None
        called = set()
        try:
            state = None
            for hook in list(_GLOBAL_FORWARD_PRE_HOOKS.values()):
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
            with_kw = self._forward_pre_hooks_with_kwargs
            for hid, hook in list(self._forward_pre_hooks.items()):
                if hid in with_kw:
                    res = hook(self, args, kwargs)
                    if res is not None:
                        if not (isinstance(res, tuple) and len(res) == 2):
                            raise RuntimeError(
                                "forward pre-hook registered with with_kwargs=True must return "
                                f"None or a tuple of (new_args, new_kwargs), but got {res!r}"
                            )
                        args, kwargs = res
                else:
                    res = hook(self, args)
                    if res is not None:
                        args = res if isinstance(res, tuple) else (res,)
            # (after the pre-hooks, as PyTorch: grad_input is the gradient of the inputs
            # forward receives)
            if (self._backward_hooks or self._backward_pre_hooks or _GLOBAL_BACKWARD_HOOKS
                    or _GLOBAL_BACKWARD_PRE_HOOKS) and grad_mode.STATE[0]:
                state = _BackwardHookState(self)
                args = state.wrap_inputs(args)
            out = self.forward(*args, **kwargs)
            for hooks, with_kw in ((_GLOBAL_FORWARD_HOOKS, _GLOBAL_FORWARD_HOOKS_WITH_KWARGS),
                                   (self._forward_hooks, self._forward_hooks_with_kwargs)):
                for hid, hook in list(hooks.items()):
                    called.add(hid)
                    res = hook(self, args, kwargs, out) if hid in with_kw else \
                        hook(self, args, out)
                    if res is not None:
                        out = res
            if state is not None:
                out = state.wrap_outputs(out)
            return out
        except Exception:
            # Hooks registered with always_call=True still run (once), then the error goes on.
            for hooks, with_kw, always in (
                    (_GLOBAL_FORWARD_HOOKS, _GLOBAL_FORWARD_HOOKS_WITH_KWARGS,
                     _GLOBAL_FORWARD_HOOKS_ALWAYS_CALLED),
                    (self._forward_hooks, self._forward_hooks_with_kwargs,
                     self._forward_hooks_always_called)):
                for hid, hook in list(hooks.items()):
                    if hid not in always or hid in called:
                        continue
                    try:
                        res = hook(self, args, kwargs, out) if hid in with_kw else \
                            hook(self, args, out)
                        if res is not None:
                            out = res
                    except Exception as e:
                        warnings.warn(
                            "forward hook with always_call=True raised an exception that was "
                            f"silenced as another error was raised in forward: {e}",
                            stacklevel=2)
            raise

    def register_full_backward_pre_hook(self, hook: Callable, prepend: bool = False
                                        ) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients w.r.t. this module's outputs
        are computed; a returned tuple replaces ``grad_output``."""
        return _add_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False
                                    ) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` once the gradients w.r.t. the module's
        Tensor inputs are computed (``None`` for inputs that do not require grad); a returned
        tuple replaces ``grad_input``."""
        return _add_hook(self._backward_hooks, hook, prepend)

    def register_backward_hook(self, hook: Callable) -> RemovableHandle:
        """Deprecated (use :meth:`register_full_backward_hook`): ``hook(module, grad_input,
        grad_output)`` on the autograd node that makes the module's output, as PyTorch's."""
        return self.register_forward_hook(legacy_backward_hook(hook))

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args)`` before ``forward``; a returned value replaces ``args``.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs)`` and may return
        ``(args, kwargs)``. Returns a handle whose ``remove()`` unregisters the hook.
        """
        return _add_hook(self._forward_pre_hooks, hook, prepend,
                         self._forward_pre_hooks_with_kwargs if with_kwargs else None)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after ``forward``; a returned value replaces the
        output. With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs, output)``.
        With ``always_call=True`` it also runs when ``forward`` (or a hook) raises, with the
        output so far (None if ``forward`` raised); the error then propagates, and an error in
        such a hook is turned into a warning. Returns a handle whose ``remove()`` unregisters
        the hook.
        """
        return _add_hook(self._forward_hooks, hook, prepend,
                         self._forward_hooks_with_kwargs if with_kwargs else None,
                         self._forward_hooks_always_called if always_call else None)

    # ------------------------------------------------------------------ registration
    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a None placeholder) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_name(name, "parameter", self._parameters)
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_runtime.typename(param)}' object to parameter '{name}' "
                f"({_dtype._NAMESPACE[0]}.nn.Parameter or None required)"
            )
        if param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                f"created explicitly. To express '{name}' as a function of another Tensor, "
                f"compute the value in the forward() method."
            )
        self._parameters[name] = _registered("parameter", self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer: state that is not a parameter (e.g. running statistics).

        Args:
            name: attribute name.
            tensor: the buffer (None is allowed: then it is skipped by ``state_dict``).
            persistent: whether the buffer goes into ``state_dict``.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_name(name, "buffer", self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{_runtime.typename(tensor)}' object to buffer '{name}' "
                f"({_dtype._NAMESPACE[0]} Tensor or None required)"
            )
        if isinstance(tensor, Buffer):
            persistent = tensor.persistent
            tensor = tensor.detach()
        self._buffers[name] = _registered("buffer", self, name, tensor)
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name`` (``self.name`` afterwards)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if "_modules" not in self.__dict__:
            raise AttributeError("cannot assign module before Module.__init__() call")
        self._check_name(name, "module", self._modules)
        self._modules[name] = _registered("module", self, name, module)

    register_module = add_module

    def _check_name(self, name, kind, own):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
        if name not in own:
            # PyTorch asks hasattr(self, name): a property that raises AttributeError (BoTorch's
            # test functions' ``optimizers``, which reads the buffer being registered) is free
            d = self.__dict__
            taken = name in d or any(
                name in d[k] for k in ("_parameters", "_buffers", "_modules") if d[k] is not own
            ) or hasattr(self, name)
            if taken:
                raise KeyError(f"attribute '{name}' already exists")

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            d.pop(name, None)
            d["_buffers"].pop(name, None)
            d["_modules"].pop(name, None)
            d["_non_persistent_buffers_set"].discard(name)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(  # (worded as PyTorch's: "torch.nn.Parameter" under gradkit run)
                    f"cannot assign '{_runtime.typename(value)}' as parameter '{name}' "
                    f"({_dtype._NAMESPACE[0]}.nn.Parameter or None expected)"
                )
            params[name] = None
            return
        if isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            d.pop(name, None)
            params.pop(name, None)
            d["_buffers"].pop(name, None)
            d["_non_persistent_buffers_set"].discard(name)
            d["_modules"][name] = _registered("module", self, name, value)
            return
        mods = d.get("_modules")
        if mods is not None and name in mods:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_runtime.typename(value)}' as child module '{name}' "
                    f"({_dtype._NAMESPACE[0]}.nn.Module or None expected)"
                )
            mods[name] = _registered("module", self, name, None)
            return
        if isinstance(value, Buffer):
            if params is None:
                raise AttributeError("cannot assign buffer before Module.__init__() call")
            d.pop(name, None)
            self.register_buffer(name, value, value.persistent)
            return
        bufs = d.get("_buffers")
        if bufs is not None and name in bufs:
            if value is not None and not isinstance(value, Tensor):
                ns = _dtype._NAMESPACE[0]
                raise TypeError(f"cannot assign '{_runtime.typename(value)}' as buffer '{name}' "
                                f"({ns}.nn.Buffer, {ns}.Tensor or None expected)")
            bufs[name] = _registered("buffer", self, name, value)
            return
        object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            s = d.get(store)
            if s is not None and name in s:
                return s[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            s = d.get(store)
            if s is not None and name in s:
                del s[name]
                if store == "_buffers":
                    d["_non_persistent_buffers_set"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = set(dir(type(self))) | set(self.__dict__)
        keys |= set(self._parameters) | set(self._buffers) | set(self._modules)
        return sorted(k for k in keys if not k[0].isdigit())

    def __setstate__(self, state):
        self.__dict__.update(state)

    # ------------------------------------------------------------------ traversal
    def _named_members(self, get, prefix="", recurse=True, remove_duplicate=True):
        memo = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for mod_prefix, mod in mods:
            for k, v in get(mod):
                if v is None:
                    continue
                if remove_duplicate:
                    if id(v) in memo:
                        continue
                    memo.add(id(v))
                yield (mod_prefix + ("." if mod_prefix else "") + k), v

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters of this module (and its submodules when ``recurse``), each once."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted_name, parameter)`` pairs, e.g. ``("0.weight", Parameter)``."""
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                   remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                   remove_duplicate)

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        memo = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in memo:
                memo.add(id(m))
                yield name, m

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module and all below it, depth first, as ``(dotted_name, module)``."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from m.named_modules(memo, sub, remove_duplicate)

    def get_submodule(self, target: str) -> Module:
        """The submodule at dotted path ``target`` (``""`` is this module)."""
        if target == "":
            return self
        mod = self
        path = []
        for item in target.split("."):
            path.append(item)
            if not isinstance(mod, Module) or item not in mod._modules:
                raise AttributeError(
                    f"{type(mod).__name__} has no attribute `{item}` (looking up submodule "
                    f"'{target}')"
                )
            mod = mod._modules[item]
            if not isinstance(mod, Module):
                raise AttributeError(f"`{'.'.join(path)}` is not an nn.Module")  # noqa: TRY004
        return mod

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Put ``module`` at dotted path ``target`` (its parent must exist; with ``strict``
        the submodule itself too), as PyTorch's ``set_submodule``."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{type(parent).__name__} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target`` (e.g. ``"0.weight"``)."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._parameters:
            raise AttributeError(
                f"{type(mod).__name__} has no parameter `{name}` (looking up '{target}')"
            )
        return mod._parameters[name]

    def get_buffer(self, target: str) -> Tensor:
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._buffers:
            raise AttributeError(
                f"{type(mod).__name__} has no buffer `{name}` (looking up '{target}')"
            )
        return mod._buffers[name]

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active, batch norm updating statistics) on this module
        and every submodule."""
        if not isinstance(mode, bool):
            # ValueError, as PyTorch raises here
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")  # noqa: TRY004
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters (to None by default, as PyTorch does)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                g = p.grad
                if g.grad_fn is not None:
                    g = g.detach()
                    p.grad = g
                g.requires_grad = False
                g.zero_()

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every submodule (children first) and then on this module."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ conversion
    def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> Module:
        """Replace each parameter's data, its gradient and each buffer by ``fn`` of them: the
        children's first, through their own ``_apply`` (a subclass may override it, e.g. to keep
        a cache in float32 under ``.half()``), then this module's own, as PyTorch's."""
        if recurse:
            for module in self.children():
                module._apply(fn)
        with grad_mode.no_grad():
            for p in self._parameters.values():
                if p is None:
                    continue
                new = fn(p)
                if new is p:
                    continue
                p.data = new
                if p.grad is not None:
                    p.grad = fn(p.grad).detach()
            for name, b in self._buffers.items():
                if b is not None:
                    self._buffers[name] = fn(b)
        return self

    def to(self, *args, **kwargs) -> Module:
        """Move and/or cast parameters and buffers in place: ``to(dtype)``, ``to(device)``,
        ``to(device, dtype)``, ``to(tensor)``. Only floating-point tensors change dtype.
        Parameters stay the same objects (their ``data`` is replaced)."""
        from ...device import Device, _parse_device_dtype, same_device

        device, dtype = _parse_device_dtype(args, kwargs)
        if dtype is not None:
            dtype = _dtype.to_dtype(dtype)
            if dtype.kind not in "fc":
                raise TypeError(
                    f"nn.Module.to only accepts floating point or complex dtypes, but got "
                    f"desired dtype={dtype}"
                )
        dev = Device(device) if device is not None else None

        fmt = kwargs.get("memory_format")
        if fmt is not None:
            from ... import _memory_format as mf

            mf.check(fmt, "to")
            rank = {mf.channels_last: 4, mf.channels_last_3d: 5}.get(fmt)

        def convert(t):
            out = t
            if dev is not None and not same_device(t.device, dev):
                out = out.to(dev)
            if dtype is not None and out.dtype.kind in "fc" and out.dtype != dtype:
                out = out.to(dtype=dtype)
            if fmt is not None and (rank is None or out.ndim == rank):
                out = out.to(memory_format=fmt)  # PyTorch converts the 4-D (5-D) ones only
            return out

        return self._apply(convert)

    # float()/cpu()/... cast through _apply, not self.to(): a subclass whose own to() calls
    # cpu() (GPyTorch's NNUtil) recursed without end; float() leaves complex tensors alone
    def float(self) -> Module:
        return _cast_floating(self, _dtype.float32)

    def double(self) -> Module:
        return _cast_floating(self, _dtype.float64)

    def half(self) -> Module:
        return _cast_floating(self, _dtype.float16)

    def bfloat16(self) -> Module:
        """Floating parameters and buffers to ``gradkit.bfloat16`` (needs ml_dtypes)."""
        return _cast_floating(self, _dtype._load_bfloat16())

    def type(self, dst_type) -> Module:
        """Cast every parameter and buffer with ``Tensor.type``: a dtype, a legacy type
        (``torch.DoubleTensor``), its name, or ``torch.Tensor`` (the default dtype)."""
        return self._apply(lambda t: t.type(dst_type))

    def cpu(self) -> Module:
        return _move(self, "cpu")

    def cuda(self, device=None) -> Module:
        return _move(self, "cuda" if device is None else f"cuda:{int(device)}")

    def to_empty(self, *, device, recurse: bool = True) -> Module:
        """Give every parameter and buffer new uninitialized storage on ``device`` (same shapes
        and dtypes), as PyTorch's: how a model built on the meta device gets real tensors, to be
        filled by ``reset_parameters()`` or ``load_state_dict``. ``recurse=False``: this
        module's own tensors only."""
        return _to_empty(self, device, recurse)

    # ------------------------------------------------------------------ state dict
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + _EXTRA_STATE_KEY_SUFFIX] = self.get_extra_state()

    def get_extra_state(self) -> Any:
        """A subclass's own ``state_dict`` entry (``_extra_state``), as PyTorch's."""
        raise RuntimeError("Module.get_extra_state() is not overridden: override it together "
                           "with set_extra_state")

    def set_extra_state(self, state: Any) -> None:
        """Restore what :meth:`get_extra_state` returned (from ``load_state_dict``)."""
        raise RuntimeError("Module.set_extra_state() is not overridden: override it together "
                           "with get_extra_state")

    def state_dict(self, *args, destination=None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name (``"0.weight"``), detached unless
        ``keep_vars``. The tensors share storage with the module."""
        if args:  # the positional (destination, prefix, keep_vars) form, deprecated in PyTorch
            warnings.warn("Positional args are being deprecated, use kwargs instead. Refer to "
                          "https://pytorch.org/docs/main/generated/torch.nn.Module.html#torch."
                          "nn.Module.state_dict for details.", FutureWarning, stacklevel=2)
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
            if len(args) > 2:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()  # each module's version, as PyTorch's
        local_metadata = {"version": self._version}
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        hooks = self.__dict__.get("_sd_hooks")
        if hooks:
            for hook in list(hooks[0].values()):
                hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=destination, prefix=prefix + name + ".",
                             keep_vars=keep_vars)
        if hooks:
            for hook in list(hooks[1].values()):
                res = hook(self, destination, prefix, local_metadata)
                if res is not None:
                    destination = res
        return destination

    def _sd_hook_dicts(self):
        """(state_dict pre, state_dict post, load pre, load post) hooks, made on first use."""
        d = self.__dict__
        if "_sd_hooks" not in d:
            d["_sd_hooks"] = tuple(OrderedDict() for _ in range(4))
        return d["_sd_hooks"]

    def register_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` before ``state_dict`` saves this module."""
        return _add_hook(self._sd_hook_dicts()[0], hook, False)

    def register_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` once ``state_dict`` has
        saved this module and its children; it may change ``state_dict`` in place."""
        return _add_hook(self._sd_hook_dicts()[1], hook, False)

    def register_load_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before ``load_state_dict`` loads this module (it may
        change ``state_dict`` in place, e.g. rename old keys)."""
        return _add_hook(self._sd_hook_dicts()[2], hook, False)

    def _register_load_state_dict_pre_hook(self, hook: Callable, with_module: bool = False
                                           ) -> RemovableHandle:
        """PyTorch's older private form, still common in model code: ``hook(state_dict, prefix,
        local_metadata, strict, missing_keys, unexpected_keys, error_msgs)``, the module first
        only when ``with_module``."""
        if not with_module:
            hook = HookWithoutModule(hook)
        return _add_hook(self._sd_hook_dicts()[2], hook, False)

    def _register_state_dict_hook(self, hook: Callable) -> RemovableHandle:
        """PyTorch's older private form of ``register_state_dict_post_hook``."""
        return _add_hook(self._sd_hook_dicts()[1], hook, False)

    def register_load_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, incompatible_keys)`` after ``load_state_dict``, before strict
        checking: clearing ``incompatible_keys.missing_keys`` in place silences those keys."""
        return _add_hook(self._sd_hook_dicts()[3], hook, False)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        assign = local_metadata.get("assign_to_params_buffers", False)
        persistent_buffers = {k: v for k, v in self._buffers.items()
                              if k not in self._non_persistent_buffers_set}
        local = itertools.chain(self._parameters.items(), persistent_buffers.items())
        for name, cur in local:
            key = prefix + name
            if cur is None:
                continue
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            try:
                arr = _as_array(value)
            except Exception as e:  # noqa: BLE001 - report any unreadable value by name
                error_msgs.append(f'While copying the parameter named "{key}", whose value is '
                                  f"not array-like ({type(value).__name__}): {e}")
                continue
            if cur.ndim == 0 and tuple(arr.shape) == (1,):  # as PyTorch (0.3-era files): a
                arr = arr.reshape(())  # one-element 1-d value fills a 0-d parameter or buffer
                value = value[0] if isinstance(value, Tensor) else value
            if tuple(arr.shape) != tuple(cur.shape):
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {Size(arr.shape)!r} "
                    f"from checkpoint, the shape in current model is {Size(cur.shape)!r}."
                )
                continue
            akind = _dtype.kind(arr.dtype)  # (bfloat16: "f", where NumPy says "V")
            if akind in "fc" and cur.dtype.kind not in "fc" or akind not in "fcbiu":
                error_msgs.append(
                    f'While copying the parameter named "{key}": cannot copy a {arr.dtype} '
                    f"value into a {cur.dtype} tensor."
                )
                continue
            if assign:  # as torch: a given Parameter (or buffer Tensor) goes in as it is
                new = value if isinstance(value, Tensor) else wrap(np.array(arr, copy=True))
                if name in self._parameters:
                    if not isinstance(new, Parameter):
                        new = Parameter(wrap(new._data), requires_grad=cur.requires_grad)
                    self._parameters[name] = new
                else:
                    self._buffers[name] = new
            else:
                dst = cur._data
                if cur.is_meta and not (isinstance(value, Tensor) and value.is_meta):
                    warnings.warn(
                        f"for {key}: copying from a non-meta parameter in the checkpoint to a "
                        f"meta parameter in the current model, which is a no-op. (Did you mean to "
                        f"pass `assign=True` to assign items in the state dictionary to their "
                        f"corresponding key in the module instead of copying them in place?)",
                        stacklevel=3)
                    continue
                if type(dst) is not type(arr):
                    from ...device import _to_namespace_of

                    arr = _to_namespace_of(np.asarray(arr) if type(arr) is not np.ndarray
                                           and not hasattr(arr, "get") else arr, dst)
                with grad_mode.no_grad():
                    dst[...] = arr
                    cur._vc[0] += 1
        if type(self).set_extra_state is not Module.set_extra_state:
            if prefix + _EXTRA_STATE_KEY_SUFFIX in state_dict:
                self.set_extra_state(state_dict[prefix + _EXTRA_STATE_KEY_SUFFIX])
            elif strict:
                missing_keys.append(prefix + _EXTRA_STATE_KEY_SUFFIX)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy parameters and buffers from ``state_dict`` (values may be gradkit Tensors, NumPy
        arrays or torch tensors) into this module.

        Args:
            state_dict: mapping from dotted names to values.
            strict: require the keys to match exactly (missing and unexpected keys are errors).
            assign: replace the module's tensors by the given ones instead of copying into them.

        Returns:
            ``NamedTuple(missing_keys, unexpected_keys)``.

        Raises:
            RuntimeError: listing missing and unexpected keys (with close-match suggestions) and
                shape mismatches.
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(
                f"Expected state_dict to be dict-like, got {type(state_dict).__name__}."
            )
        missing, unexpected, errors = [], [], []
        # PyTorch's saved state_dicts carry each module's version (``_metadata``); a plain dict
        # has none, which modules read as "written by an old version" (BatchNorm: no
        # num_batches_tracked then)
        versions = getattr(state_dict, "_metadata", None) or {}
        # modules (BatchNorm's upgrade) and hooks may add or rename keys: work on a copy, as
        # PyTorch does, so that the caller's dict is left as it was
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)
        if metadata is not None:
            state_dict._metadata = metadata
        # every name of a shared submodule is loaded (the last wins) and checked, as in torch
        for name, mod in self.named_modules(remove_duplicate=False):
            meta = dict(versions.get(name, {}), assign_to_params_buffers=assign)
            hooks = mod.__dict__.get("_sd_hooks")
            if hooks:
                for hook in list(hooks[2].values()):
                    hook(mod, state_dict, name + "." if name else "", meta, strict, missing,
                         unexpected, errors)
            mod._load_from_state_dict(state_dict, name + "." if name else "", meta, True,
                                      missing, unexpected, errors)
        expected = set()  # as PyTorch's: parameters, persistent buffers, extra state
        for name, mod in self.named_modules(remove_duplicate=False):
            extra = type(mod).set_extra_state is not Module.set_extra_state or None
            skip = mod._non_persistent_buffers_set
            own = itertools.chain(mod._parameters.items(), [(_EXTRA_STATE_KEY_SUFFIX, extra)],
                                  ((k, b) for k, b in mod._buffers.items() if k not in skip))
            expected.update((name + "." if name else "") + k for k, v in own if v is not None)
        unexpected.extend(k for k in state_dict if k not in expected)
        keys = _IncompatibleKeys(missing, unexpected)
        for mod in self.modules():
            hooks = mod.__dict__.get("_sd_hooks")
            if hooks:
                for hook in list(hooks[3].values()):
                    if hook(mod, keys) is not None:
                        raise RuntimeError("Hooks registered with "
                                           "``register_load_state_dict_post_hook`` are not "
                                           "expected to return new values, if "
                                           "incompatible_keys need to be modified, it should "
                                           "be done inplace.")
        if strict:
            if unexpected:
                hints = []
                for k in unexpected:
                    close = difflib.get_close_matches(k, missing, n=1, cutoff=0.6)
                    hints.append(f'"{k}"' + (f' (did you mean "{close[0]}"?)' if close else ""))
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(hints) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr; override in layers."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, m in self._modules.items():
            lines.append(f"({name}): " + _addindent(repr(m), 2))
        head = self._get_name() + "("
        if not lines:
            return head + ")"
        if len(lines) == 1 and not self._modules:
            return head + lines[0] + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"
