"""``torch._dynamo`` and ``torch.compiler`` as programs touch them, for an eager library.

gradkit has no graph compiler: ``torch.compile(module)`` gives an :class:`OptimizedModule` (as
PyTorch does) that runs the module eagerly, so what programs read from it matches PyTorch's:
its type, ``_orig_mod``, the ``_orig_mod.`` prefix of its ``state_dict`` keys, attribute access
forwarded to the wrapped module. ``reset``, ``config`` (any setting is accepted and kept),
``disable`` and ``is_compiling`` are the knobs programs set around it.
"""

from __future__ import annotations

import types

from ..nn.modules.module import Module

__all__ = ["OptimizedModule", "reset", "config", "disable", "is_compiling",
           "is_dynamo_compiling", "allow_in_graph", "assume_constant_result", "mark_dynamic",
           "maybe_mark_dynamic", "mark_static", "mark_static_address",
           "cudagraph_mark_step_begin", "is_exporting", "list_backends", "TransformGetItemToIndex"]


class OptimizedModule(Module):
    """What ``torch.compile(module)`` returns: the module registered as ``_orig_mod``, run
    eagerly (``forward`` is the module's ``__call__``, so its hooks run)."""

    def __init__(self, mod: Module, dynamo_ctx=None):
        super().__init__()
        self._orig_mod = mod
        self.dynamo_ctx = dynamo_ctx

    def forward(self, *args, **kwargs):
        return self._orig_mod(*args, **kwargs)

    def __getattr__(self, name):
        if name == "_orig_mod":
            return self._modules["_orig_mod"]
        return getattr(self._orig_mod, name)

    def __reduce__(self):
        return (self.__class__, (self._orig_mod, self.dynamo_ctx))

    def __getstate__(self):
        return self.__dict__.copy()


def reset() -> None:
    """Clear compile caches: there are none in gradkit."""


config = types.SimpleNamespace(suppress_errors=False, cache_size_limit=8, verbose=False,
                               capture_scalar_outputs=False, optimize_ddp=True)


def disable(fn=None, recursive=True, *, reason=None):
    """``@torch._dynamo.disable`` / ``@torch.compiler.disable``: the function, unchanged."""
    if fn is None:
        return lambda f: f
    return fn


def is_compiling() -> bool:
    return False


is_dynamo_compiling = is_compiling


def allow_in_graph(fn):
    return fn


def assume_constant_result(fn):
    return fn


def mark_dynamic(t, index, *, min=None, max=None, specialize_on=None):  # noqa: A002 (torch's)
    """``torch._dynamo.mark_dynamic(x, dim)``: a hint to the compiler that ``x``'s size along
    ``dim`` varies; nothing to do when running eagerly."""
    if not hasattr(t, "shape"):
        raise AttributeError(f"'{type(t).__name__}' object has no attribute "
                             f"'_dynamo_dynamic_indices'")


def maybe_mark_dynamic(t, index):
    """``torch._dynamo.maybe_mark_dynamic``: a hint, as ``mark_dynamic``."""


def mark_static(t, index=None):
    """``torch._dynamo.mark_static``: a hint that a size is fixed; nothing to do eagerly."""


def mark_static_address(t, guard=True):
    """``torch._dynamo.mark_static_address``: a CUDA-graph hint; nothing to do eagerly."""


def cudagraph_mark_step_begin() -> None:
    """``torch.compiler.cudagraph_mark_step_begin``: there are no CUDA graphs to mark."""


def is_exporting() -> bool:
    return False


def list_backends(exclude_tags=("debug", "experimental")) -> list:
    """The compile backends PyTorch lists; each runs the model eagerly here."""
    return ["cudagraphs", "inductor", "openxla", "tvm"]


eval_frame = types.SimpleNamespace(OptimizedModule=OptimizedModule)


class TransformGetItemToIndex:
    """``torch._dynamo._trace_wrapped_higher_order_op.TransformGetItemToIndex``: in PyTorch, a mode
    under which ``tensor[index_tensor]`` inside ``vmap`` avoids ``.item()``. gradkit's ``vmap``
    calls the function per sample, where indexing with a 0-d tensor already works, so the context
    changes nothing."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None
