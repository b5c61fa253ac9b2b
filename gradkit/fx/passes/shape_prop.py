"""``torch.fx.passes.shape_prop``: run a GraphModule on example inputs and record, on each
node, the shape, dtype and layout of the value it produced (``node.meta["tensor_meta"]``)."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..interpreter import Interpreter
from ..node import map_aggregate

__all__ = ["TensorMetadata", "ShapeProp"]


class TensorMetadata(NamedTuple):
    """What ShapeProp records about a tensor value."""

    shape: Any
    dtype: Any
    requires_grad: bool
    stride: tuple
    memory_format: Any
    is_quantized: bool
    qparams: dict


def _extract_tensor_metadata(t) -> TensorMetadata:
    import gradkit

    memory_format = None
    for fmt in (gradkit.contiguous_format, gradkit.channels_last, gradkit.channels_last_3d):
        try:
            if t.is_contiguous(memory_format=fmt):
                memory_format = fmt
                break
        except (RuntimeError, ValueError):  # a format that does not apply to this rank
            continue
    return TensorMetadata(t.shape, t.dtype, t.requires_grad, tuple(t.stride()), memory_format,
                          False, {})


class ShapeProp(Interpreter):
    """Interpret the module on example inputs, storing each node's ``tensor_meta`` (a
    ``TensorMetadata``, or a structure of them for a node that returns several tensors) and
    ``type``.

    Example::

        ShapeProp(gm).propagate(torch.randn(2, 3))
        for node in gm.graph.nodes:
            print(node.name, node.meta["tensor_meta"].shape)
    """

    def __init__(self, gm, fake_mode=None):
        super().__init__(gm)
        self.fake_mode = fake_mode

    def run_node(self, n):
        import gradkit

        result = super().run_node(n)
        found = [False]

        def meta(obj):
            if isinstance(obj, gradkit.Tensor):
                found[0] = True
                return _extract_tensor_metadata(obj)
            return obj

        recorded = map_aggregate(result, meta)
        if found[0]:
            n.meta["tensor_meta"] = recorded
        n.meta["type"] = type(result)
        return result

    def propagate(self, *args):
        """Run the graph on ``args``, recording the metadata; returns the output."""
        return self.run(*args)
