"""``gradkit.amp`` (PyTorch's ``torch.amp``): ``autocast`` and ``GradScaler``.

- ``autocast(device_type, dtype=None, enabled=True)``: with ``enabled=False`` a no-op context
  manager and decorator, as in PyTorch; for ``device_type="cuda"`` without a GPU it warns and
  disables itself, as PyTorch does. Enabled autocast (PyTorch's bfloat16 CPU autocast, float16 on
  CUDA) is not implemented yet and raises ``NotImplementedError`` rather than silently computing
  in float32.
- ``GradScaler``: PyTorch's dynamic loss scaling (scale, unscale_, skip steps with inf/NaN
  gradients, grow/back off the scale). A ``"cuda"`` scaler without a GPU warns and disables
  itself as in PyTorch; then ``scale`` returns the loss and ``step`` calls ``optimizer.step()``.

``torch.cuda.amp`` and ``torch.cpu.amp`` are :mod:`gradkit.amp.cuda` and :mod:`gradkit.amp.cpu`.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

__all__ = ["autocast", "GradScaler", "is_autocast_available", "custom_fwd", "custom_bwd"]

_ENABLED = {"cpu": False, "cuda": False}


def is_autocast_available(device_type: str) -> bool:
    """Whether ``autocast`` can run on ``device_type``: not yet in gradkit."""
    return False


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
        self.fast_dtype = dtype
        self._enabled = bool(enabled)
        if self._enabled and device_type == "cuda" and not _cuda_available():
            warnings.warn("User provided device_type of 'cuda', but CUDA is not available. "
                          "Disabling", stacklevel=2 if type(self) is autocast else 3)
            self._enabled = False
        if self._enabled:
            kind = "bfloat16 CPU" if device_type == "cpu" else f"{device_type}"
            raise NotImplementedError(
                f"autocast(device_type={device_type!r}, enabled=True): gradkit does not implement "
                f"{kind} autocast yet; pass enabled=False (the program then computes in float32)")
        self._before = None

    def __enter__(self):
        self._before = _ENABLED.get(self.device, False)
        _ENABLED[self.device] = self._enabled
        return self

    def __exit__(self, *exc):
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
