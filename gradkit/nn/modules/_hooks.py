"""Hook wrappers a Module keeps in its hook dicts. Classes, not closures, so that a module
holding one still pickles (``pickle.dumps(model)``), as PyTorch's ``_WrappedHook`` does."""

from __future__ import annotations

__all__ = ["HookWithoutModule"]


class HookWithoutModule:
    """``hook(*args)`` called as ``wrapper(module, *args)``: the older
    ``_register_load_state_dict_pre_hook`` form whose hook does not take the module."""

    __slots__ = ("hook",)

    def __init__(self, hook):
        self.hook = hook

    def __call__(self, module, *args):
        return self.hook(*args)

    def __getstate__(self):
        return self.hook

    def __setstate__(self, hook):
        self.hook = hook
