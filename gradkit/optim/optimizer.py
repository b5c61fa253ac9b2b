"""The ``Optimizer`` base class: parameter groups, state, ``zero_grad``, ``step``, checkpoints.

Every optimizer keeps PyTorch's public face (``param_groups``, ``state``, ``zero_grad``,
``step(closure)``, ``state_dict``/``load_state_dict``, step hooks). The optimizers that update
each parameter with a kernel (all but LBFGS) derive from ``_runner._KernelOptimizer``, which runs
the kernels (scratch buffers, threads, the BLAS path of ``_blas``).

Gradient accumulation (several backward passes per optimizer step) works as in PyTorch, because
``backward`` adds into ``.grad``::

    optimizer.zero_grad()
    for i, (x, y) in enumerate(loader):
        loss = loss_fn(model(x), y) / accum_steps   # scale so the sum is a mean
        loss.backward()                             # grads accumulate in p.grad
        if (i + 1) % accum_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
"""

from __future__ import annotations

import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any

import numpy as np

from .. import _dtype
from .._backend import namespace_of, numpy_ns
from .._tensor import Tensor, wrap
from .._typenames import is_own
from ..autograd.grad_mode import enable_grad

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a hyperparameter that has no default (the group must give it)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class _Handle:
    """Returned by the ``register_*_hook`` methods; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: dict, key: int) -> None:
        self._hooks = hooks
        self._key = key

    def remove(self) -> None:
        self._hooks.pop(self._key, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


# the hook dictionaries carry PyTorch's attribute names (code that reads them, or a wrapper that
# never ran Optimizer.__init__, sees PyTorch's names); pickles of older gradkits used these
_OLD_HOOK_NAMES = {old: "_optimizer" + old for old in (
    "_step_pre_hooks", "_step_post_hooks", "_state_dict_pre_hooks", "_state_dict_post_hooks",
    "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")}


def _wrap_step(step):
    """Run the optimizer's step pre/post hooks around ``step`` (added to every subclass)."""

    def step_with_hooks(self, *args, **kwargs):
        # a subclass's step calling super().step(); or a wrapper (Lookahead, ...) that never ran
        # Optimizer.__init__, where PyTorch's step (patched in __init__) runs without hooks
        if self.__dict__.get("_in_step") or "_optimizer_step_pre_hooks" not in self.__dict__:
            return step(self, *args, **kwargs)
        pre, post = self._optimizer_step_pre_hooks, self._optimizer_step_post_hooks
        if pre:
            for hook in list(pre.values()):
                out = hook(self, args, kwargs)
                if out is not None:
                    if not (isinstance(out, tuple) and len(out) == 2):
                        raise RuntimeError(
                            f"optimizer step pre-hook {hook!r} must return None or a tuple "
                            f"(new_args, new_kwargs), but returned {out!r}")
                    args, kwargs = out
        self._in_step = True
        try:
            result = step(self, *args, **kwargs)
        finally:
            self._in_step = False
        self._optimizer_step_code()
        # (a wrapper that set its hook dictionaries itself may lack the count)
        self.__dict__["_step_count"] = self.__dict__.get("_step_count", 0) + 1
        if post:
            for hook in list(post.values()):
                hook(self, args, kwargs)
        return result

    step_with_hooks.__wrapped__ = step
    step_with_hooks._runs_step_hooks = True
    step_with_hooks.__doc__ = step.__doc__
    step_with_hooks.__name__ = step.__name__
    step_with_hooks.__qualname__ = step.__qualname__
    return step_with_hooks


class Optimizer:
    """Base class of all optimizers, with PyTorch's interface.

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts (parameter
            groups, each with a ``"params"`` entry and any per-group options).
        defaults: the default options, filled into each group that does not set them.

    Attributes:
        param_groups: list of dicts, one per group: ``"params"`` plus every option.
        state: per-parameter state (a dict keyed by the parameter Tensor).
        defaults: the options given to the constructor.

    Differences from PyTorch: a parameter listed twice (in one group or across groups) is an
    error (PyTorch only warns within a group); extra keys in a group dict are kept, as in
    PyTorch, so that ``"name"`` and similar tags survive a checkpoint. ``foreach``, ``fused``
    and ``capturable`` are accepted and ignored (the kernels are always in place); the
    ``differentiable=True`` mode is not supported.

    Gradient accumulation: ``backward`` adds into ``.grad``, so several micro-batches can be
    summed before one step (scale each loss so that the sum is the mean)::

        optimizer.zero_grad()
        for i, (x, y) in enumerate(loader):
            (loss_fn(model(x), y) / accum_steps).backward()
            if (i + 1) % accum_steps == 0:
                optimizer.step()
                optimizer.zero_grad()

    Examples:
        >>> opt = gradkit.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> for x, y in loader:
        ...     opt.zero_grad()
        ...     loss_fn(model(x), y).backward()
        ...     opt.step()
    """

    _optimizer_step_pre_hooks: OrderedDict[int, Callable]
    _optimizer_step_post_hooks: OrderedDict[int, Callable]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # (a step decorated with @torch.no_grad() has a __wrapped__ too: mark our own wrapper)
        if "step" in cls.__dict__ and not getattr(cls.__dict__["step"], "_runs_step_hooks",
                                                  False):
            cls.step = _wrap_step(cls.__dict__["step"])

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        if type(self)._validate_group is not Optimizer._validate_group:
            # PyTorch's optimizers check their arguments before they look at ``params``
            self._validate_group({**defaults, "params": []})
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._hook_id = 0
        self._step_count = 0
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__name__}; wrap it in a list: [tensor]")
        if isinstance(params, (set, frozenset)):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead.")
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ----------------------------------------------------------------- groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group (a dict with ``"params"`` and optional per-group options).

        Useful to unfreeze layers during fine-tuning. Options the group does not set take the
        optimizer's defaults.

        Raises:
            TypeError: if the group is not a dict or a parameter is not a Tensor.
            ValueError: on a non-leaf tensor, a parameter already optimized, or a missing
                required option.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        group = dict(param_group)
        if params and isinstance(params[0], tuple):
            names = []
            plain = []
            for item in params:
                if not (isinstance(item, tuple) and len(item) == 2):
                    raise TypeError("named parameters must be (name, Tensor) pairs for every entry")
                names.append(item[0])
                plain.append(item[1])
            params = plain
            group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is "
                    f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    "can't optimize a non-leaf Tensor (it was computed by an op, so updating it "
                    "would not change the leaves it came from); optimize the leaf, or use "
                    "t.detach().requires_grad_()")
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):  # (PyTorch warns and steps such a parameter twice)
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, "
                "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information", stacklevel=3)
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter "
                    f"{name}")
            group.setdefault(name, default)
        self._validate_group(group)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _validate_group(self, group: dict[str, Any]) -> None:
        """Check a group's options (subclasses raise ValueError naming the bad value)."""

    # ----------------------------------------------------------------- gradients
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters.

        Args:
            set_to_none: set ``.grad`` to None (default, cheaper) instead of filling it with
                zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad = False
                    if g.is_sparse:  # zero_() of a sparse tensor: no entries left
                        g._data.fill(0)
                    else:
                        g._data[...] = 0
                    g._vc[0] += 1

    def step(self, closure: Callable[[], Any] | None = None):
        """Update the parameters once. Subclasses implement it.

        Args:
            closure: a function that re-evaluates the model and returns the loss; it runs
                with gradient recording on.
        """
        raise NotImplementedError

    @staticmethod
    def _eval_closure(closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ----------------------------------------------------------------- hooks
    def _patch_step_function(self) -> None:
        """PyTorch's ``Optimizer._patch_step_function``, which wrapper optimizers that skip
        ``Optimizer.__init__`` call after setting their hook dictionaries: there it wraps
        ``step`` to run the step hooks; gradkit wraps every subclass's ``step`` when the class
        is defined, so only the profiler name is set here."""
        self._zero_grad_profile_name = (
            f"Optimizer.zero_grad#{self.__class__.__name__}.zero_grad")

    def _optimizer_step_code(self) -> None:
        """PyTorch's empty hook point after each ``step`` (subclasses may override it)."""

    def _add_hook(self, hooks: dict, hook: Callable) -> _Handle:
        # (a wrapper that skipped Optimizer.__init__ has no counter yet)
        self._hook_id = self.__dict__.get("_hook_id", 0) + 1
        hooks[self._hook_id] = hook
        return _Handle(hooks, self._hook_id)

    def register_step_pre_hook(self, hook: Callable) -> _Handle:
        """Call ``hook(optimizer, args, kwargs)`` before each ``step``.

        The hook may return ``(new_args, new_kwargs)`` to change the step's arguments.
        Returns a handle whose ``remove()`` unregisters it.
        """
        return self._add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> _Handle:
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``; returns a handle."""
        return self._add_hook(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> _Handle:
        """Call ``hook(optimizer)`` before ``state_dict`` builds its result."""
        h = self._add_hook(self._optimizer_state_dict_pre_hooks, hook)
        if prepend:
            self._optimizer_state_dict_pre_hooks.move_to_end(h._key, last=False)
        return h

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> _Handle:
        """Call ``hook(optimizer, state_dict)``; a non-None return replaces the state dict."""
        h = self._add_hook(self._optimizer_state_dict_post_hooks, hook)
        if prepend:
            self._optimizer_state_dict_post_hooks.move_to_end(h._key, last=False)
        return h

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> _Handle:
        """Call ``hook(optimizer, state_dict)``; a non-None return is loaded instead."""
        h = self._add_hook(self._optimizer_load_state_dict_pre_hooks, hook)
        if prepend:
            self._optimizer_load_state_dict_pre_hooks.move_to_end(h._key, last=False)
        return h

    def register_load_state_dict_post_hook(self, hook: Callable,
                                           prepend: bool = False) -> _Handle:
        """Call ``hook(optimizer)`` after ``load_state_dict``."""
        h = self._add_hook(self._optimizer_load_state_dict_post_hooks, hook)
        if prepend:
            self._optimizer_load_state_dict_post_hooks.move_to_end(h._key, last=False)
        return h

    # ----------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout.

        Returns:
            ``{"state": {index: {name: value}}, "param_groups": [{..., "params": [index]}]}``:
            parameters are numbered in the order they appear across the groups. As in PyTorch,
            each parameter's state dict and its tensors are returned by reference (``"step"``
            included, a 0-d float32 tensor; ``copy.deepcopy`` the result to keep a snapshot).
        """
        for hook in list(self._optimizer_state_dict_pre_hooks.values()):
            hook(self)
        index: dict[int, int] = {}
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            # PyTorch's numbering: by position across the groups; a parameter listed twice in a
            # group gets the number of its last position
            new = {id(p): i for i, p in enumerate(group["params"], start) if id(p) not in index}
            index.update(new)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {}
        for p, st in self.state.items():
            key = index[id(p)] if isinstance(p, Tensor) else p
            state[key] = self._export_state(st)
        out = {"state": state, "param_groups": groups}
        for hook in list(self._optimizer_state_dict_post_hooks.values()):
            result = hook(self, out)
            if result is not None:
                out = result
        return out

    def _export_state(self, st: dict) -> dict:
        """One parameter's state as ``state_dict`` hands it out: the dict itself, as PyTorch
        (LBFGS, which keeps arrays, overrides it)."""
        return st

    def _kernel_state(self) -> bool:
        """Whether ``step`` is gradkit's (which turns a ``"step"`` number, e.g. from a checkpoint
        of an older gradkit, into PyTorch's 0-d tensor as PyTorch's ``__setstate__`` does); a
        step written in a program keeps its state as it wrote it."""
        for klass in type(self).__mro__:
            if "step" in klass.__dict__:
                return is_own(klass.__module__)
        return True

    # the state entries that the kernels keep as 0-d tensors of the scalar dtype (a number in a
    # loaded state dict, as older gradkit saved them, becomes one)
    _SCALAR_STATE: tuple[str, ...] = ("step",)

    def _import_value(self, key: str, value: Any, param: Tensor, step_f32: bool = False) -> Any:
        """PyTorch's ``_process_value_according_to_param_policy``: a tensor is cast to the
        parameter's dtype (when floating) and device, except ``"step"`` which is kept as it is
        (float32 on the parameter's device under ``capturable``/``fused``); a tensor that already
        fits is kept, not copied, so that loading a live optimizer's state shares its tensors.
        Lists, tuples and dicts are walked; other values are kept."""
        if isinstance(value, Tensor) or _is_array(value):
            t = value if isinstance(value, Tensor) else _tensor_of(value)
            if key == "step":
                if step_f32:
                    return _to(t, param, np.dtype(np.float32))
                return t
            pdt = param._data.dtype
            dt = pdt if pdt.kind in "fc" or getattr(param.dtype, "is_floating_point", False) \
                else None
            return _to(t, param, dt, self._state_shape(key, t, param))
        if isinstance(value, dict):
            return {k: self._import_value(k, v, param, step_f32) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self._import_value(key, v, param, step_f32) for v in value)
        if key in self._SCALAR_STATE and self._kernel_state() and \
                isinstance(value, (int, float)) and not isinstance(value, bool):
            return _scalar_tensor(value)  # an older gradkit's number
        return value

    def _state_shape(self, key: str, t: Tensor, param: Tensor):
        """The shape the kernels need for state entry ``key`` (None: keep the tensor's own);
        the per-element state of the kernel optimizers has the parameter's shape."""
        return None

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict from :meth:`state_dict` (gradkit's, PyTorch's, or an older
        gradkit's, whose ``"step"`` entries were numbers).

        As in PyTorch, floating state tensors are cast to their parameter's dtype and device,
        ``"step"`` is kept as saved, and a tensor that already has the right dtype and device is
        kept as it is, not copied: loading another live optimizer's ``state_dict()`` makes the
        two share their state tensors (``copy.deepcopy`` the state dict for independent ones).

        Raises:
            ValueError: if the number of groups or of parameters per group differs.
        """
        state_dict = dict(state_dict)
        for hook in list(self._optimizer_load_state_dict_pre_hooks.values()):
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, but the optimizer "
                f"has {len(groups)}")
        for g, sg in zip(groups, saved_groups):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of "
                    f"optimizer's group ({len(sg['params'])} vs {len(g['params'])} parameters)")
        id_map = {}
        f32_step = {}
        for g, sg in zip(groups, saved_groups):
            special = bool(sg.get("capturable") or sg.get("fused"))
            for p, i in zip(g["params"], sg["params"]):
                id_map[i] = p
                f32_step[i] = special
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                state[p] = {name: self._import_value(name, val, p, f32_step[k])
                            for name, val in v.items()}
            else:
                state[k] = v
        new_groups = []
        for g, sg in zip(groups, saved_groups):
            ng = {k: v for k, v in sg.items() if k != "params"}
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in ng:
                ng["param_names"] = g["param_names"]
            new_groups.append(ng)
        self.state = state
        self.param_groups = new_groups
        for hook in list(self._optimizer_load_state_dict_post_hooks.values()):
            hook(self)

    # ----------------------------------------------------------------- misc
    def __getstate__(self):
        return self.__dict__

    def __setstate__(self, state):
        """Unpickling: gradkit's own pickle (its whole ``__dict__``) or PyTorch's, which holds
        only ``defaults``, ``state`` and ``param_groups``: the optimizer is then built again
        on those groups' parameters (so gradkit's own bookkeeping exists) and takes that state,
        as PyTorch's ``__setstate__`` does."""
        if "_step_pre_hooks" in state:  # pickled by a gradkit that named its hooks without
            state = {_OLD_HOOK_NAMES.get(k, k): v for k, v in state.items()}  # PyTorch's prefix
        if "_optimizer_step_pre_hooks" in state or "param_groups" not in state:
            self.__dict__.update(state)
            return
        import inspect

        defaults = dict(state.get("defaults", {}))
        groups = [dict(g) for g in state["param_groups"]]
        accepted = inspect.signature(type(self).__init__).parameters
        kwargs = {k: v for k, v in defaults.items() if k in accepted and k != "params"}
        type(self).__init__(self, [{"params": list(g["params"])} for g in groups], **kwargs)
        for mine, theirs in zip(self.param_groups, groups):
            for k, v in mine.items():
                theirs.setdefault(k, v)  # options this gradkit has that the pickle lacks
        self.defaults.update(defaults)
        self.param_groups = groups
        self.state = defaultdict(dict, state.get("state", {}))

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("  # PyTorch's layout: a blank line between groups
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _raw(x):
    if isinstance(x, Tensor):
        return x._data
    return np.asarray(x) if not hasattr(x, "shape") else x


def _is_array(x) -> bool:
    """An array of NumPy, CuPy or torch (a converted or foreign checkpoint's entry)."""
    return isinstance(x, np.ndarray) or hasattr(x, "__cuda_array_interface__") or \
        (hasattr(x, "__array__") and hasattr(x, "shape") and hasattr(x, "dtype"))


def _tensor_of(x) -> Tensor:
    """A gradkit Tensor of array ``x`` (NumPy or CuPy as it is; torch's through NumPy)."""
    if isinstance(x, np.ndarray) or hasattr(x, "__cuda_array_interface__"):
        return wrap(x if x.ndim or not isinstance(x, np.generic) else np.array(x))
    if hasattr(x, "detach"):   # a torch tensor
        return wrap(np.array(x.detach().cpu().numpy()))
    return wrap(np.array(x))


def _to(t: Tensor, param: Tensor, dtype, shape=None) -> Tensor:
    """``t.to(dtype, param.device)`` (``dtype`` None: keep it), reshaped to ``shape`` when given:
    ``t`` itself when it already fits (contiguous, for the kernels), else a new tensor."""
    arr = t._data
    parr = param._data
    same_device = type(arr) is type(parr) or (
        not hasattr(arr, "__cuda_array_interface__") and
        not hasattr(parr, "__cuda_array_interface__"))
    fits = same_device and (dtype is None or arr.dtype == dtype) and \
        (shape is None or arr.shape == shape) and \
        (arr.ndim == 0 or getattr(getattr(arr, "flags", None), "c_contiguous", True))
    if fits:
        return t
    xp = namespace_of(parr) if arr.ndim else numpy_ns   # (PyTorch keeps scalars on the CPU)
    if xp is numpy_ns and hasattr(arr, "__cuda_array_interface__"):
        arr = arr.get()   # a device checkpoint into a CPU optimizer: to the host
    new = xp.asarray(arr, dtype=arr.dtype if dtype is None else dtype).copy()
    if shape is not None and new.shape != shape:
        new = new.reshape(shape)
    return wrap(new)


def _scalar_tensor(value: float) -> Tensor:
    """A 0-d state tensor of the scalar dtype (``"step"`` and the like, as PyTorch's)."""
    return wrap(np.array(value, dtype=_scalar_dtype()))


def _scalar_dtype():
    """PyTorch keeps ``step`` and similar scalars in float64 only when that is the default."""
    d = _dtype.get_default_dtype()
    return np.float64 if d == np.float64 else np.float32


def _validate_common(group: dict[str, Any]) -> None:
    """Checks shared by most optimizers (lr, eps, weight_decay, betas)."""
    lr = group.get("lr")
    if isinstance(lr, Tensor):
        if lr._data.size != 1:
            raise ValueError("Tensor lr must be 1-element")
        lr = float(lr._data)
    if lr is not None and not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if "eps" in group and not 0.0 <= group["eps"]:
        raise ValueError(f"Invalid epsilon value: {group['eps']}")
    if "weight_decay" in group and not 0.0 <= group["weight_decay"]:
        raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")
    if "betas" in group:
        betas = group["betas"]
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise ValueError(f"Invalid betas: {betas!r} (expected a pair (beta1, beta2))")
        for i, b in enumerate(betas):
            if not 0.0 <= float(b) < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {b}")
    if group.get("differentiable"):
        raise NotImplementedError("gradkit optimizers do not support differentiable=True")


def _lr(group) -> float:
    lr = group["lr"]
    return float(lr._data) if isinstance(lr, Tensor) else lr
