"""``torch.utils._python_dispatch``: the names, and a clear refusal to intercept operators.

PyTorch's ``TorchDispatchMode`` sees every ATen operator a program runs (``aten.mm``,
``aten.convolution``, ...) below autograd; FLOP counters (ptflops' ``aten`` backend,
``torch.utils.flop_counter``) and tracing tools subclass it. gradkit's operators are NumPy
calls with no ATen layer to intercept, so a mode can be defined and made (libraries that
subclass it at import keep importing) but entering one raises ``RuntimeError`` naming what
to use instead. ``is_traceable_wrapper_subclass`` is False for everything: gradkit has no
wrapper tensor subclasses.
"""

from __future__ import annotations

__all__ = ["TorchDispatchMode", "is_traceable_wrapper_subclass", "_get_current_dispatch_mode",
           "_get_current_dispatch_mode_stack"]


class TorchDispatchMode:
    """A dispatch mode: subclassing and making one work; entering one (``with mode:``) raises
    ``RuntimeError``, since gradkit has no ATen dispatcher for it to intercept."""

    def __init__(self, _dispatch_key=None):
        pass

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        raise NotImplementedError

    def __enter__(self):
        raise RuntimeError(
            f"{type(self).__name__} (a torch.utils._python_dispatch.TorchDispatchMode): gradkit "
            f"cannot run a dispatch mode: its operators are NumPy calls with no ATen layer to "
            f"intercept. Count or trace with module forward hooks instead (e.g. ptflops' "
            f"backend='pytorch', thop), or run this program with PyTorch")

    def __exit__(self, exc_type, exc_value, traceback):
        return None

    @classmethod
    def push(cls, *args, **kwargs):
        return cls(*args, **kwargs)

    @classmethod
    def is_infra_mode(cls):
        return False


def is_traceable_wrapper_subclass(t) -> bool:
    """False: gradkit has no wrapper tensor subclasses."""
    return False


def _get_current_dispatch_mode():
    """None: no dispatch mode is ever active in gradkit."""
    return None


def _get_current_dispatch_mode_stack():
    """Empty: no dispatch mode is ever active in gradkit."""
    return []
