"""``Module.to_empty``: new uninitialized storage for a module's parameters and buffers (how a
model built on the meta device gets real tensors); ``Module.float()``/``cpu()``/...'s casts and
moves (through ``_apply``, never the module's own ``to``, which a subclass may define in terms
of ``cpu()``, as GPyTorch's NNUtil does)."""

from __future__ import annotations

import numpy as np

from ..._tensor import wrap
from ...autograd import grad_mode


def to_empty(module, device, recurse: bool = True):
    """``module``'s parameters and buffers (its own only unless ``recurse``) on new
    uninitialized storage on ``device``, same shapes and dtypes; returns ``module``."""
    from ...device import Device, _array_to

    dev = Device(device) if device is not None else Device("cpu")

    def empty(t):
        return wrap(_array_to(np.empty(tuple(t.shape), dtype=t._data.dtype), dev)
                    if dev.type != "meta" else _array_to(t._data, dev))

    modules = module.modules() if recurse else [module]
    with grad_mode.no_grad():
        for m in modules:
            for p in m._parameters.values():
                if p is not None:
                    p.data = empty(p)
                    if p.grad is not None:
                        p.grad = empty(p.grad)
            for name, b in m._buffers.items():
                if b is not None:
                    m._buffers[name] = empty(b)
    return module


def cast_floating(module, dtype):
    """``module.float()``/``double()``/...: floating parameters and buffers to ``dtype``
    (complex and integer ones as they are, as PyTorch's)."""
    return module._apply(lambda t: t.to(dtype=dtype) if t.is_floating_point() else t)


def move(module, device):
    """``module.cpu()``/``cuda()``: every parameter and buffer onto ``device``."""
    from ...device import Device, same_device

    dev = Device(device)
    return module._apply(lambda t: t if same_device(t.device, dev) else t.to(dev))
