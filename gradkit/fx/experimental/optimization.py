"""``torch.fx.experimental.optimization``: inference passes over a traced model.

``fuse`` folds each eval-mode BatchNorm into the convolution or linear layer before it (the
pattern of the "Building a Convolution/Batch Norm fuser in FX" tutorial); ``remove_dropout``
drops Dropout layers.
"""

from __future__ import annotations

import copy

from ... import nn
from ...nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval
from .._symbolic_trace import symbolic_trace
from ..graph_module import GraphModule
from ..node import Node

__all__ = ["fuse", "remove_dropout", "matches_module_pattern", "replace_node_module",
           "fuse_conv_bn_eval", "fuse_linear_bn_eval"]

_PATTERNS = [(nn.Conv1d, nn.BatchNorm1d), (nn.Conv2d, nn.BatchNorm2d),
             (nn.Conv3d, nn.BatchNorm3d), (nn.Linear, nn.BatchNorm1d)]


def _parent_name(target: str):
    *parent, name = target.rsplit(".", 1)
    return (parent[0] if parent else ""), name


def matches_module_pattern(pattern, node: Node, modules: dict) -> bool:
    """Whether ``node`` calls a module of type ``pattern[1]`` on a call of ``pattern[0]``
    (each previous node used only there)."""
    if len(node.args) == 0:
        return False
    nodes = (node.args[0], node)
    for expected, current in zip(pattern, nodes):
        if not isinstance(current, Node) or current.op != "call_module" or \
                not isinstance(current.target, str) or current.target not in modules:
            return False
        if type(modules[current.target]) is not expected:
            return False
    return True


def replace_node_module(node: Node, modules: dict, new_module) -> None:
    """Put ``new_module`` where the module ``node`` calls is installed."""
    parent_name, name = _parent_name(node.target)
    modules[node.target] = new_module
    setattr(modules[parent_name], name, new_module)


def fuse(model, inplace: bool = False, no_trace: bool = False):
    """Fold each BatchNorm that follows a convolution or linear layer into that layer's weight
    and bias (for inference: the model must be in eval mode); deep-copies ``model`` unless
    ``inplace``. ``no_trace``: ``model`` is already a GraphModule to edit."""
    if not inplace:
        model = copy.deepcopy(model)
    fx_model = model if no_trace and isinstance(model, GraphModule) else symbolic_trace(model)
    modules = dict(fx_model.named_modules())
    new_graph = copy.deepcopy(fx_model.graph)
    for pattern in _PATTERNS:
        for node in new_graph.nodes:
            if not matches_module_pattern(pattern, node, modules):
                continue
            first = node.args[0]
            if len(first.users) > 1:  # the layer's output is used elsewhere too
                continue
            layer, bn = modules[first.target], modules[node.target]
            if not bn.track_running_stats:
                continue
            fused = (fuse_linear_bn_eval if pattern[0] is nn.Linear else fuse_conv_bn_eval)(
                layer, bn)
            replace_node_module(first, modules, fused)
            node.replace_all_uses_with(first)
            new_graph.erase_node(node)
    return GraphModule(fx_model, new_graph)


def remove_dropout(model):
    """The model traced, with every ``nn.Dropout`` call replaced by its input."""
    fx_model = symbolic_trace(model)
    modules = dict(fx_model.named_modules())
    for node in list(fx_model.graph.nodes):
        if node.op == "call_module" and isinstance(modules.get(node.target), nn.Dropout):
            node.replace_all_uses_with(node.args[0])
            fx_model.graph.erase_node(node)
    fx_model.graph.lint()
    fx_model.recompile()
    return fx_model
