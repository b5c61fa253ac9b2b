"""``nn.utils.skip_init``: a module built without spending time or random numbers on its
initial values, as PyTorch's (which builds it on the meta device, then allocates it empty)."""

from __future__ import annotations

import inspect

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """Instantiate ``module_cls(*args, **kwargs)`` with parameters and buffers left for the
    caller to fill (their values are unspecified, as PyTorch's uninitialized memory).

    The global random stream is left as it was: PyTorch draws no random numbers here, so the
    program's later draws match. As in PyTorch the module is built on the meta device and then
    given storage (``to_empty``); an ``__init__`` that computes what gradkit's meta device
    cannot is run on the CPU instead, with the generator's state restored afterwards.

    Raises:
        TypeError: when ``module_cls`` is not a class.
        RuntimeError: when ``module_cls`` is not a Module class, or its ``__init__`` takes no
            ``device`` argument (as PyTorch).
    """
    from ... import random as _random
    from ..modules.module import Module

    if not inspect.isclass(module_cls):
        raise TypeError(f"skip_init: expected a Module class (e.g. nn.Linear), got "
                        f"{type(module_cls).__name__}")
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    final_device = kwargs.pop("device", "cpu")
    try:   # PyTorch's way: built on the meta device (no values, no draws), then given storage
        return module_cls(*args, device="meta", **kwargs).to_empty(device=final_device)
    except NotImplementedError:
        pass   # an __init__ computing what the meta device cannot: built for real instead
    state = _random.get_rng_state()
    try:
        module = module_cls(*args, device=final_device, **kwargs)
    finally:
        _random.set_rng_state(state)
    return module
