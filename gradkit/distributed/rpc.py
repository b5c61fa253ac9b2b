"""``torch.distributed.rpc`` as in a PyTorch build without RPC support: ``is_available()`` is
False and the RPC API (``init_rpc``, ``rpc_async``, ``remote``, ...) is absent, so libraries that
import the module and test ``is_available()`` (or ``hasattr(rpc, "api")``) take their local path.
"""

from __future__ import annotations

__all__ = ["is_available"]


def is_available() -> bool:
    """False: gradkit has no remote procedure calls between processes."""
    return False


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"module 'torch.distributed.rpc' has no attribute {name!r}: gradkit has no RPC framework "
        "(torch.distributed.rpc.is_available() is False, as in a PyTorch build without it); run "
        "this program with PyTorch to use remote procedure calls")
