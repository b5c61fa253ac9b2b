"""``torch._dynamo`` and ``torch.compiler`` as programs touch them, for an eager library.

gradkit has no graph compiler: ``torch.compile(module)`` gives an :class:`OptimizedModule` (as
PyTorch does) that runs the module eagerly, so what programs read from it matches PyTorch's:
its type, ``_orig_mod``, the ``_orig_mod.`` prefix of its ``state_dict`` keys, attribute access
forwarded to the wrapped module. ``reset``, ``config`` (any setting is accepted and kept),
``disable`` and ``is_compiling`` are the knobs programs set around it.
"""

from __future__ import annotations

import types
import warnings

from ..nn.modules.module import Module

__all__ = ["OptimizedModule", "reset", "config", "disable", "is_compiling",
           "is_dynamo_compiling", "allow_in_graph", "assume_constant_result", "mark_dynamic",
           "maybe_mark_dynamic", "mark_static", "mark_static_address",
           "cudagraph_mark_step_begin", "is_exporting", "list_backends", "TransformGetItemToIndex",
           "explain", "ExplainOutput"]


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


class ExplainOutput:
    """What ``torch._dynamo.explain(f)(*args)`` returns, with PyTorch's fields and text.
    gradkit captures no graphs: the call runs eagerly as one region, so ``graph_count`` is 1,
    ``graph_break_count`` 0 (PyTorch's ``graph_count - 1``), and ``graphs`` and the op lists
    are empty (there is no GraphModule to show)."""

    def __init__(self, graphs, graph_count, graph_break_count, break_reasons, op_count,
                 ops_per_graph=None, out_guards=None, compile_times=None):
        self.graphs = graphs
        self.graph_count = graph_count
        self.graph_break_count = graph_break_count
        self.break_reasons = break_reasons
        self.op_count = op_count
        self.ops_per_graph = ops_per_graph
        self.out_guards = out_guards
        self.compile_times = compile_times

    def __str__(self) -> str:
        out = (f"Graph Count: {self.graph_count}\nGraph Break Count: {self.graph_break_count}\n"
               f"Op Count: {self.op_count}\nBreak Reasons:\n")
        for i, reason in enumerate(self.break_reasons):
            out += f"  Break Reason {i + 1}:\n    Reason: {reason}\n"
        if self.ops_per_graph is not None:
            out += "Ops per Graph:\n"
        if self.out_guards is not None:
            out += "Out Guards:\n"
        if self.compile_times is not None:
            out += f"Compile Times: {self.compile_times}\n"
        return out


def explain(f, *extra_args, **extra_kwargs):
    """``torch._dynamo.explain(f)(*args, **kwargs)``: runs ``f`` (eagerly here, as PyTorch runs
    it through the compiler) and returns an :class:`ExplainOutput` of one region, no breaks.
    The older ``explain(f, *args)`` form calls at once, with PyTorch's FutureWarning."""
    def inner(*args, **kwargs):
        f(*args, **kwargs)
        return ExplainOutput([], 1, 0, [], 0, [], [], "")

    if extra_args or extra_kwargs:
        warnings.warn("explain(f, *args, **kwargs) is deprecated, use explain(f)(*args, "
                      "**kwargs) instead.", FutureWarning, stacklevel=2)
        return inner(*extra_args, **extra_kwargs)
    return inner

