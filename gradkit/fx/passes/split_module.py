"""``torch.fx.passes.split_module``: cut a traced module into submodules, one per partition.

``split_module(gm, root, split_callback)`` asks ``split_callback(node)`` for each node's
partition and returns a GraphModule that calls ``submod_<p>`` (each a GraphModule) in an order
that respects their data dependencies, passing the values one partition needs from another
(tuples where a partition gives several). Placeholders and parameter reads (``get_attr``) stay
in the outer graph and are passed in, as PyTorch does.
"""

from __future__ import annotations

import operator

from ..graph import Graph
from ..graph_module import GraphModule
from ..node import map_arg

__all__ = ["Partition", "split_module"]


class Partition:
    """One part of the split: its nodes, and the values it takes and gives."""

    def __init__(self, name: str):
        self.name = name
        self.submod_name = f"submod_{name}"
        self.node_names: list = []
        self.inputs: dict = {}  # name -> None, in order of first use
        self.outputs: dict = {}
        self.dependencies: dict = {}  # partitions this one reads from
        self.dependents: dict = {}
        self.graph = Graph()
        self.environment: dict = {}
        self.targets: dict = {}

    def __repr__(self):
        return (f"name: {self.name},\n nodes: {self.node_names},\n inputs: "
                f"{list(self.inputs)},\n outputs: {list(self.outputs)},\n partitions depended "
                f"on: {list(self.dependencies)},\n partition dependents: "
                f"{list(self.dependents)}")


def split_module(m: GraphModule, root_m, split_callback, qualname_map: dict | None = None,
                 keep_original_order: bool = False, keep_original_node_name: bool = False):
    """Split ``m`` (a GraphModule traced from ``root_m``) by ``split_callback(node) -> int``.

    Returns:
        GraphModule: calls ``submod_0``, ``submod_1``, ... in dependency order.
    """
    if not isinstance(m, GraphModule):
        raise TypeError(f"split_module(): expected a GraphModule, got {type(m).__name__}")
    partitions: dict = {}
    owner: dict = {}  # node name -> partition name
    outer = []  # placeholders and get_attr nodes: kept in the outer graph
    for node in m.graph.nodes:
        if node.op in ("placeholder", "get_attr"):
            outer.append(node)
            continue
        if node.op == "output":
            continue
        key = str(split_callback(node))
        part = partitions.get(key)
        if part is None:
            part = partitions[key] = Partition(key)
        part.node_names.append(node.name)
        owner[node.name] = key

    def record(def_node, use_part):
        def_key = owner.get(def_node.name)
        if def_key == (use_part.name if use_part is not None else None):
            return
        if def_key is not None:
            partitions[def_key].outputs.setdefault(def_node.name)
        if use_part is not None:
            use_part.inputs.setdefault(def_node.name)
            if def_key is not None:
                partitions[def_key].dependents.setdefault(use_part.name)
                use_part.dependencies.setdefault(def_key)

    for node in m.graph.nodes:
        if node.op in ("placeholder", "get_attr"):
            continue
        use = partitions[owner[node.name]] if node.op != "output" else None
        map_arg((node.args, node.kwargs), lambda n, use=use: record(n, use))
    # partitions in an order where each comes after those it reads from
    order, done = [], set()
    pending = list(partitions)
    while pending:
        ready = [k for k in pending if all(d in done for d in partitions[k].dependencies)]
        if not ready:
            raise RuntimeError("split_module(): the partitions depend on each other in a cycle; "
                               "give split_callback partitions that can run one after another")
        for k in ready:
            order.append(k)
            done.add(k)
        pending = [k for k in pending if k not in done]
    # each partition's own graph
    nodes = {n.name: n for n in m.graph.nodes}
    for key in order:
        part = partitions[key]
        for name in part.inputs:
            part.environment[name] = part.graph.placeholder(name)
        for name in part.node_names:
            node = nodes[name]
            new = part.graph.node_copy(node, lambda n, part=part: part.environment[n.name])
            part.environment[name] = new
            if node.op == "call_module":
                part.targets[node.target] = m.get_submodule(node.target)
        outs = [part.environment[n] for n in part.outputs]
        part.graph.output(outs[0] if len(outs) == 1 else tuple(outs))
    # the outer graph
    base = Graph()
    env: dict = {}
    attrs: dict = {}
    for node in outer:
        if node.op == "placeholder":
            env[node.name] = base.node_copy(node)
    for node in outer:
        if node.op == "get_attr":
            env[node.name] = base.node_copy(node)
            attrs[node.target] = _attr(m, node.target)
    for key in order:
        part = partitions[key]
        sub = GraphModule(part.targets, part.graph, "GraphModule")
        attrs[part.submod_name] = sub
        call = base.call_module(part.submod_name, tuple(env[n] for n in part.inputs))
        names = list(part.outputs)
        if len(names) == 1:
            env[names[0]] = call
        else:
            for i, name in enumerate(names):
                env[name] = base.call_function(operator.getitem, (call, i))
    out = next(n for n in m.graph.nodes if n.op == "output")
    base.output(map_arg(out.args[0], lambda n: env[n.name]))
    return GraphModule(attrs, base, "GraphModule")


def _attr(m, target: str):
    obj = m
    for part in target.split("."):
        obj = getattr(obj, part)
    return obj
