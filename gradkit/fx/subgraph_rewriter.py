"""``torch.fx.subgraph_rewriter.replace_pattern``: find every occurrence of a small traced
function (the pattern) in a GraphModule's graph and put another traced function (the
replacement) in its place.

A match ties each pattern node to a graph node with the same op, target and constant
arguments; the pattern's inputs (placeholders) match any value, the same one wherever the
pattern reuses them; the values computed inside a match must not be used outside it (only the
pattern's result is). Matches do not overlap; the graph is searched from its end.
"""

from __future__ import annotations

from typing import NamedTuple

from .graph_module import GraphModule
from .node import Node, map_arg

__all__ = ["Match", "replace_pattern"]


class Match(NamedTuple):
    """One replaced occurrence: the graph node that matched the pattern's result (``anchor``)
    and the map from pattern nodes to the graph nodes they matched."""

    anchor: Node
    nodes_map: dict


def _graph_of(f):
    from ._symbolic_trace import symbolic_trace
    from .graph import Graph

    if isinstance(f, Graph):
        return f
    if isinstance(f, GraphModule):
        return f.graph
    return symbolic_trace(f).graph


class _Matcher:
    def __init__(self, pattern):
        self.placeholders = [n for n in pattern.nodes if n.op == "placeholder"]
        out = next(n for n in pattern.nodes if n.op == "output")
        result = out.args[0]
        if not isinstance(result, Node):
            raise ValueError("replace_pattern(): the pattern must return one traced value "
                             f"(it returns {result!r})")
        self.anchor = result

    def match(self, node: Node) -> dict | None:
        nodes_map: dict = {}
        if not self._match(self.anchor, node, nodes_map):
            return None
        inner = {g for p, g in nodes_map.items() if p.op != "placeholder"}
        for p, g in nodes_map.items():  # values made inside the match stay inside it
            if p.op != "placeholder" and g is not node and any(u not in inner for u in g.users):
                return None
        return nodes_map

    def _match(self, p, g, nodes_map) -> bool:
        if p in nodes_map:
            return nodes_map[p] is g
        if p.op == "placeholder":
            if g in nodes_map.values():
                return False
            nodes_map[p] = g
            return True
        if not isinstance(g, Node) or p.op != g.op or p.target != g.target or \
                len(p.args) != len(g.args) or set(p.kwargs) != set(g.kwargs):
            return False
        nodes_map[p] = g
        ok = self._match_args(p.args, g.args, nodes_map) and all(
            self._match_args(p.kwargs[k], g.kwargs[k], nodes_map) for k in p.kwargs)
        if not ok:
            del nodes_map[p]
        return ok

    def _match_args(self, pa, ga, nodes_map) -> bool:
        if isinstance(pa, Node):
            return isinstance(ga, Node) and self._match(pa, ga, nodes_map)
        if isinstance(pa, (list, tuple)):
            return type(pa) is type(ga) and len(pa) == len(ga) and all(
                self._match_args(a, b, nodes_map) for a, b in zip(pa, ga))
        if isinstance(pa, dict):
            return isinstance(ga, dict) and pa.keys() == ga.keys() and all(
                self._match_args(pa[k], ga[k], nodes_map) for k in pa)
        return type(pa) is type(ga) and pa == ga


def replace_pattern(gm: GraphModule, pattern, replacement) -> list:
    """Replace every non-overlapping occurrence of ``pattern`` in ``gm`` by ``replacement``
    (functions, Modules or Graphs with the same inputs) and recompile ``gm``; returns the
    ``Match`` of each replaced occurrence.

    Example::

        def pattern(x, y):
            return torch.cat([x, y]).sum()

        def replacement(x, y):
            return torch.stack([x, y])

        replace_pattern(traced, pattern, replacement)
    """
    graph = gm.graph
    matcher = _Matcher(_graph_of(pattern))
    repl = _graph_of(replacement)
    repl_inputs = [n for n in repl.nodes if n.op == "placeholder"]
    if len(repl_inputs) != len(matcher.placeholders):
        raise ValueError(f"replace_pattern(): the pattern takes {len(matcher.placeholders)} "
                         f"inputs and the replacement {len(repl_inputs)}; give both the same "
                         f"inputs")
    matches, taken, anchors = [], set(), []
    for node in graph.nodes:
        if node.op in ("placeholder", "output") or node in taken:
            continue
        nodes_map = matcher.match(node)
        if nodes_map is None:
            continue
        inner = [g for p, g in nodes_map.items() if p.op != "placeholder"]
        if any(g in taken for g in inner):
            continue
        taken.update(inner)
        matches.append(Match(anchor=matcher.anchor, nodes_map=nodes_map))
        anchors.append(node)
    replaced: dict = {}  # an anchor replaced earlier -> the value that took its place
    for m, anchor in zip(matches, anchors):
        val_map = {}
        for r, p in zip(repl_inputs, matcher.placeholders):
            g = m.nodes_map[p]
            while g in replaced:
                g = replaced[g]
            val_map[r] = m.nodes_map[p] = g  # (the match names the value it now reads)
        # (PyTorch's placement: just before the first node that reads the match's result)
        at = anchor._next
        while at.op != "root" and at not in anchor.users:
            at = at._next
        with graph.inserting_before(anchor if at.op == "root" else at):
            result = None
            for r in repl.nodes:
                if r.op == "placeholder":
                    continue
                if r.op == "output":
                    result = map_arg(r.args[0], val_map.__getitem__)
                    break
                if r.op == "get_attr" or r.op == "call_module":
                    raise NotImplementedError("replace_pattern(): a replacement that reads "
                                              "module attributes is not supported; write it "
                                              "with functions of its inputs")
                val_map[r] = graph.node_copy(r, val_map.__getitem__)
        anchor.replace_all_uses_with(result)
        replaced[anchor] = result
        for p, g in m.nodes_map.items():  # the result first, then what it was computed from
            if p.op != "placeholder" and not g.users:
                graph.erase_node(g)
    gm.recompile()
    return matches
