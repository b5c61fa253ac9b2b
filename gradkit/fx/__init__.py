"""``torch.fx``: capture a model's ``forward`` as a graph, edit it, and run it again.

``symbolic_trace(model)`` runs ``forward`` on Proxies and returns a ``GraphModule``: an
``nn.Module`` whose ``graph`` lists the operations (``gm.graph.nodes``, ``print(gm.graph)``,
``gm.graph.print_tabular()``) and whose ``code`` is the Python generated from it. Passes edit the
graph (``node.replace_all_uses_with``, ``graph.erase_node``, ``graph.inserting_after``,
``graph.call_function``, ...) and call ``gm.recompile()``; ``Interpreter`` and ``Transformer`` run
or rewrite it node by node; ``passes.shape_prop.ShapeProp`` records each value's shape and dtype.

Imported on first use of ``gradkit.fx`` (``torch.fx`` under ``gradkit run``), not by
``import gradkit``.
"""

from . import graph, graph_module, interpreter, node, proxy, subgraph_rewriter
from ._symbolic_trace import PH, Tracer, symbolic_trace, wrap
from .graph import Graph
from .graph_module import GraphModule
from .interpreter import Interpreter, Transformer
from .node import Node, map_arg
from .proxy import Proxy
from .subgraph_rewriter import replace_pattern

__all__ = ["symbolic_trace", "Tracer", "wrap", "Graph", "GraphModule", "Node", "Proxy",
           "Interpreter", "Transformer", "map_arg", "PH", "graph", "graph_module",
           "interpreter", "node", "proxy", "subgraph_rewriter", "replace_pattern"]
