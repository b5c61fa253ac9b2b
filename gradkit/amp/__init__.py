"""``gradkit.amp`` (PyTorch's ``torch.amp``): ``autocast`` and ``GradScaler``.

- ``autocast(device_type, dtype=None, enabled=True)``: PyTorch's autocast, as a context manager
  or decorator. On the CPU (the default dtype bfloat16, or float16) the ops on PyTorch's CPU
  lower-precision list (linear, matmul, mm, bmm, addmm, addbmm, baddbmm, conv1d/2d/3d,
  conv_transpose1d/2d/3d, prelu, scaled_dot_product_attention) cast their floating inputs to
  that dtype and compute in float32, rounding the output; the ops on the float32 list (the
  losses, ``cdist``) compute in float32; the rest promote as usual. Regions nest, and
  ``enabled=False`` turns autocast off inside an enabled one. ``device_type="cuda"`` without a
  GPU warns and disables itself, as PyTorch does; CUDA autocast on a GPU is not implemented and
  raises ``NotImplementedError``. See :mod:`gradkit.amp._state` for how an op applies it.
- ``GradScaler``: PyTorch's dynamic loss scaling (scale, unscale_, skip steps with inf/NaN
  gradients, grow/back off the scale). A ``"cuda"`` scaler without a GPU warns and disables
  itself as in PyTorch; then ``scale`` returns the loss and ``step`` calls ``optimizer.step()``.

``torch.cuda.amp`` and ``torch.cpu.amp`` are :mod:`gradkit.amp.cuda` and :mod:`gradkit.amp.cpu`.
"""

from __future__ import annotations

import enum
import functools
import warnings

import numpy as np

from ._state import CPU as _CPU

__all__ = ["autocast", "GradScaler", "is_autocast_available", "custom_fwd", "custom_bwd",
           "is_autocast_enabled", "get_autocast_dtype", "set_autocast_enabled",
           "set_autocast_dtype", "is_autocast_cpu_enabled", "get_autocast_cpu_dtype"]

_ENABLED = {"cuda": False}
_DTYPES = {"cpu": None, "cuda": None}  # None: the device's default (bfloat16 / float16)
_CPU_TYPES = ("bfloat16", "float16")


def is_autocast_available(device_type: str) -> bool:
    """Whether ``autocast`` can run on ``device_type``: the CPU."""
    return device_type == "cpu"


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is on for ``device_type`` (PyTorch: ``"cuda"`` when not given)."""
    if device_type == "cpu":
        return bool(_CPU[0])
    return bool(_ENABLED.get(device_type or "cuda", False))


def is_autocast_cpu_enabled() -> bool:
    return bool(_CPU[0])


def set_autocast_enabled(device_type, enabled=None) -> None:
    """``torch.set_autocast_enabled(device_type, enabled)`` (or the old one-argument form for
    CUDA)."""
    if enabled is None:
        device_type, enabled = "cuda", device_type
    if device_type == "cpu":
        _CPU[0] = bool(enabled)
        if _CPU[0] and _CPU[1] is None:
            _CPU[1] = get_autocast_dtype("cpu")
    else:
        _ENABLED[device_type] = bool(enabled)


def get_autocast_dtype(device_type: str):
    """The lower-precision dtype autocast uses on ``device_type`` (bfloat16 on the CPU unless
    set, float16 on CUDA)."""
    from .. import _dtype

    if device_type == "cpu" and _CPU[0] and _CPU[1] is not None:
        return _CPU[1]
    d = _DTYPES.get(device_type)
    if d is not None:
        return d
    return _dtype._load_bfloat16() if device_type == "cpu" else _dtype.float16


def get_autocast_cpu_dtype():
    return get_autocast_dtype("cpu")


def set_autocast_dtype(device_type: str, dtype) -> None:
    from .. import _dtype

    _DTYPES[device_type] = _dtype.to_dtype(dtype)
    if device_type == "cpu" and _CPU[0]:
        _CPU[1] = _DTYPES["cpu"]


def _cuda_available() -> bool:
    from .. import cuda

    return cuda.is_available()


class autocast:  # noqa: N801 (PyTorch's name)
    """PyTorch's ``torch.autocast``; see the module docstring for what runs."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True,
                 cache_enabled: bool | None = None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self._enabled = bool(enabled)
        self._cache_enabled = cache_enabled
        if self._enabled and device_type == "cuda" and not _cuda_available():
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                          stacklevel=2 if type(self) is autocast else 3)
            self._enabled = False
        if device_type == "cpu":
            from .. import _dtype

            if dtype is None:
                self.fast_dtype = get_autocast_dtype("cpu") if self._enabled else _DTYPES["cpu"]
            else:
                self.fast_dtype = _dtype.to_dtype(dtype)
            if self._enabled and self.fast_dtype is not None and \
                    self.fast_dtype.name not in _CPU_TYPES:
                warnings.warn(
                    "In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                    "CPU Autocast only supports dtype of torch.bfloat16, torch.float16 "
                    "currently.", stacklevel=2 if type(self) is autocast else 3)
                self._enabled = False
        else:
            self.fast_dtype = dtype
            if self._enabled:
                raise NotImplementedError(
                    f"autocast(device_type={device_type!r}, enabled=True): gradkit implements "
                    f"CPU autocast only; use autocast('cpu', dtype=gradkit.bfloat16) or "
                    f"enabled=False")
        self._before = None

    def __enter__(self):
        if self.device == "cpu":
            self._before = (_CPU[0], _CPU[1])
            _CPU[0] = self._enabled
            if self._enabled:
                _CPU[1] = self.fast_dtype
        else:
            self._before = _ENABLED.get(self.device, False)
            _ENABLED[self.device] = self._enabled
        return self

    def __exit__(self, *exc):
        if self.device == "cpu":
            _CPU[0], _CPU[1] = self._before
        else:
            _ENABLED[self.device] = self._before
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return wrapper


def custom_fwd(fwd=None, *, device_type: str = "cuda", cast_inputs=None):
    """Decorator for a custom Function's forward; autocast is off, so it runs as written."""
    if fwd is None:
        return lambda f: f
    return fwd


def custom_bwd(bwd=None, *, device_type: str = "cuda"):
    if bwd is None:
        return lambda f: f
    return bwd


def _grads(optimizer):
    for group in optimizer.param_groups:
        for p in group["params"]:
            if p.grad is not None:
                yield p


class OptState(enum.Enum):
    """Where an optimizer is in a scaler's step (``torch.amp.grad_scaler.OptState``, which
    libraries import beside ``GradScaler``)."""

    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _refresh_per_optimizer_state() -> dict:
    """A fresh per-optimizer record, as PyTorch's ``grad_scaler`` module makes them."""
    return {"stage": OptState.READY, "found_inf_per_device": {}}


class GradScaler:
    """PyTorch's dynamic loss scaler (``torch.amp.GradScaler``)."""

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True):
        self._device = device
        self._enabled = bool(enabled)
        if self._enabled and device == "cuda" and not _cuda_available():
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
                          "Disabling.", stacklevel=2 if type(self) is GradScaler else 3)
            self._enabled = False
        if growth_factor <= 1.0:
            raise ValueError("The growth factor must be > 1.0.")
        if backoff_factor >= 1.0:
            raise ValueError("The backoff factor must be < 1.0.")
        self._scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer: dict = {}

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def scale(self, outputs):
        """``outputs * scale`` (tensors, or lists/tuples of them); unchanged when disabled."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def _state(self, optimizer) -> dict:
        return self._per_optimizer.setdefault(id(optimizer), {"unscaled": False,
                                                              "found_inf": False})

    def unscale_(self, optimizer) -> None:
        """Divide ``optimizer``'s gradients by the scale, once per step; note inf/NaN."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["unscaled"]:
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update().")
        inv = 1.0 / self._scale
        found = False
        for p in _grads(optimizer):
            g = p.grad
            g.mul_(inv)
            if not bool(np.all(np.isfinite(g.detach().cpu().numpy()))):
                found = True
        state.update(unscaled=True, found_inf=found)

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step()`` unless a gradient is inf/NaN (then the step is skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        state = self._state(optimizer)
        if not state["unscaled"]:
            self.unscale_(optimizer)
        if state["found_inf"]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None) -> None:
        """Back off the scale after a skipped step, grow it after ``growth_interval`` good ones."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        else:
            found = any(s["found_inf"] for s in self._per_optimizer.values())
            if found:
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale *= self._growth_factor
                    self._growth_tracker = 0
        self._per_optimizer.clear()

    def state_dict(self) -> dict:
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])
