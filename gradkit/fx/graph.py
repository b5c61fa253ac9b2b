"""``torch.fx.graph``: the ordered list of nodes a trace produces, and the API passes use to
edit it (create, insert at a point, erase, copy, check, drop dead code, print)."""

from __future__ import annotations

import inspect
import warnings

from ._codegen import PythonCode, python_code
from ._names import Namespace, qualified_name, target_to_str
from .node import Node, _ValueAssertion, map_arg

__all__ = ["Graph", "PythonCode", "map_arg"]


class _InsertPoint:
    """Where ``create_node`` puts nodes until the ``with`` block ends (set on creation, so
    ``graph.inserting_after(n)`` also works without ``with``)."""

    def __init__(self, graph, new_insert):
        self.graph = graph
        self.orig = graph._insert
        graph._insert = new_insert

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        self.graph._insert = self.orig
        return False


class Graph:
    """A traced program: placeholders (inputs), operations, and one output node.

    Iterate ``graph.nodes`` in program order; build nodes with ``placeholder``, ``get_attr``,
    ``call_module``, ``call_method``, ``call_function`` and ``output`` (inserted at the current
    insert point: the end, or where ``inserting_before``/``inserting_after`` say).
    """

    def __init__(self, owning_module=None, tracer_cls=None, tracer_extras=None):
        self._root = Node(self, "", "root", "", (), {})
        self._len = 0
        self._namespace = Namespace()
        self._insert = self._root.prepend
        self._owning_module = owning_module
        self._tracer_cls = tracer_cls
        self._tracer_extras = tracer_extras

    @property
    def owning_module(self):
        return self._owning_module

    @owning_module.setter
    def owning_module(self, mod):
        self._owning_module = mod

    @property
    def nodes(self) -> _NodeList:
        """The nodes in program order (``reversed(graph.nodes)`` walks backwards)."""
        return _NodeList(self)

    # ------------------------------------------------------------------ building
    def create_node(self, op: str, target, args=None, kwargs=None, name: str | None = None,
                    type_expr=None) -> Node:
        args = () if args is None else args
        kwargs = {} if kwargs is None else kwargs
        if not isinstance(args, tuple):
            raise TypeError(f"Graph.create_node(): args must be a tuple, got "
                            f"{type(args).__name__}")
        if not isinstance(kwargs, dict):
            raise TypeError(f"Graph.create_node(): kwargs must be a dict, got "
                            f"{type(kwargs).__name__}")
        candidate = name if name is not None else target_to_str(target)
        node = Node(self, self._namespace.create_name(candidate), op, target, args, kwargs,
                    type_expr)
        self._insert(node)
        self._len += 1
        return node

    def placeholder(self, name: str, type_expr=None,
                    default_value=inspect.Signature.empty) -> Node:
        args = () if default_value is inspect.Signature.empty else (default_value,)
        return self.create_node("placeholder", name, args, type_expr=type_expr)

    def get_attr(self, qualified_name: str, type_expr=None) -> Node:
        return self.create_node("get_attr", qualified_name, type_expr=type_expr)

    def call_module(self, module_name: str, args=None, kwargs=None, type_expr=None) -> Node:
        return self.create_node("call_module", module_name, args, kwargs, type_expr=type_expr)

    def call_method(self, method_name: str, args=None, kwargs=None, type_expr=None) -> Node:
        return self.create_node("call_method", method_name, args, kwargs, type_expr=type_expr)

    def call_function(self, the_function, args=None, kwargs=None, type_expr=None) -> Node:
        return self.create_node("call_function", the_function, args, kwargs,
                                type_expr=type_expr)

    def output(self, result, type_expr=None) -> Node:
        return self.create_node("output", "output", (result,), type_expr=type_expr)

    def node_copy(self, node: Node, arg_transform=lambda x: x) -> Node:
        """Copy ``node`` (of any graph) into this one, its node arguments mapped through
        ``arg_transform`` (e.g. ``lambda n: env[n]``)."""
        args = map_arg(node.args, arg_transform)
        kwargs = map_arg(node.kwargs, arg_transform)
        name = node.name if node.op != "output" else None
        new = self.create_node(node.op, node.target, args, kwargs, name, node.type)
        new.meta = dict(node.meta)
        return new

    def graph_copy(self, g: Graph, val_map: dict, return_output_node: bool = False):
        """Copy every node of ``g`` but its output into this graph (``val_map`` maps ``g``'s
        nodes to the copies); returns the value the output returned."""
        for node in g.nodes:
            if node in val_map:
                continue
            if node.op == "output":
                rv = map_arg(node.args[0], lambda n: val_map[n])
                return (rv, node) if return_output_node else rv
            val_map[node] = self.node_copy(node, lambda n: val_map[n])
        return None

    def inserting_before(self, n: Node | None = None) -> _InsertPoint:
        """Insert new nodes before ``n`` (the beginning of the graph when None)."""
        if n is None:
            return self.inserting_after(self._root)
        self._check_own(n, "inserting_before")
        return _InsertPoint(self, n.prepend)

    def inserting_after(self, n: Node | None = None) -> _InsertPoint:
        """Insert new nodes after ``n`` (each after the last; the end when None)."""
        if n is None:
            return self.inserting_before(self._root)
        self._check_own(n, "inserting_after")
        return _InsertPoint(self, n.append)

    def _check_own(self, n, where):
        if not isinstance(n, Node) or n.graph is not self:
            if where == "erase_node":
                raise RuntimeError(f"Attempting to remove {n} from wrong graph! "
                                   f"(Graph.erase_node() takes a node of this graph)")
            raise _ValueAssertion(f"Graph.{where}(): expected a Node of this graph, got {n!r}")

    # ------------------------------------------------------------------ editing
    def erase_node(self, to_erase: Node) -> None:
        """Remove a node nobody uses (RuntimeError naming its users otherwise)."""
        self._check_own(to_erase, "erase_node")
        if to_erase.users:
            raise RuntimeError(f"Tried to erase Node {to_erase} but it still had "
                               f"{len(to_erase.users)} users in the graph: "
                               f"{dict(to_erase.users)}!")
        if to_erase._erased:
            warnings.warn(f"erase_node({to_erase}) on an already erased node", stacklevel=2)
            return
        # unlinked, but keeping its own links, so a loop over graph.nodes that erases the
        # node it stands on (or the next one) still finds its way on
        p, n = to_erase._prev, to_erase._next
        p._next, n._prev = n, p
        to_erase._erased = True
        self._len -= 1
        to_erase._update_args_kwargs((), {})
        self._namespace.release(to_erase.name)

    def eliminate_dead_code(self, is_impure_node=None) -> bool:
        """Erase nodes whose values nobody uses and that have no side effect; returns whether
        any was erased."""
        impure = is_impure_node or (lambda n: n.is_impure())
        changed = False
        for node in reversed(list(self.nodes)):
            if not node.users and not impure(node):
                self.erase_node(node)
                changed = True
        return changed

    def find_nodes(self, *, op: str, target=None, sort: bool = True) -> list:
        return [n for n in self.nodes if n.op == op and (target is None or n.target == target)]

    def lint(self) -> None:
        """Check the graph is well formed: every node belongs here, reads only nodes defined
        before it, names are unique, users agree with arguments, attribute targets exist."""
        seen, names = set(), set()
        for node in self.nodes:
            if node.graph is not self:
                raise RuntimeError(f"Node {node} does not belong to this Graph!")
            for inp in node.all_input_nodes:
                if inp.graph is not self:
                    raise RuntimeError(f"Argument '{inp}' of Node '{node}' does not belong "
                                       f"to this Graph, but was used as an argument!")
                if inp not in seen:
                    raise RuntimeError(f"Argument '{inp}' of Node '{node}' was used before "
                                       f"it has been defined! Please check that Nodes in "
                                       f"the graph are topologically ordered\n{self}")
                if node not in inp.users:
                    raise RuntimeError(f"Node '{inp}' does not list user '{node}'")
            if node.name in names:
                raise RuntimeError(f"Node redefined name {node.name}!")
            seen.add(node)
            names.add(node.name)
        mod = self._owning_module
        if mod is None:
            return
        for node in self.nodes:
            if node.op not in ("get_attr", "call_module"):
                continue
            obj = mod
            for i, atom in enumerate(node.target.split(".")):
                if not hasattr(obj, atom):
                    done = ".".join(node.target.split(".")[:i])
                    raise RuntimeError(f"Node {node} target {node.target} references "
                                       f"nonexistent attribute {atom} of {done or 'root'}")
                obj = getattr(obj, atom)
            from ..nn import Module

            if node.op == "call_module" and not isinstance(obj, Module):
                raise RuntimeError(f"Node {node} target {node.target} {atom} of "
                                   f"{type(obj).__name__} is not a Module")

    # ------------------------------------------------------------------ code and printing
    def python_code(self, root_module: str = "self", **kwargs) -> PythonCode:
        return python_code(self, root_module)

    def __str__(self) -> str:
        lines = [n.format_node() for n in self.nodes]
        return "graph():\n" + "\n".join(f"    {ln}" for ln in lines if ln)

    def __repr__(self) -> str:
        return self.__str__()

    def print_tabular(self) -> None:
        """Print the nodes as a table: opcode, name, target, args, kwargs."""
        rows = [[n.op, n.name, _tab_target(n), repr(n.args), repr(n.kwargs)]
                for n in self.nodes]
        print(_table(["opcode", "name", "target", "args", "kwargs"], rows))

    def __len__(self) -> int:
        return self._len

    def __deepcopy__(self, memo):
        g = Graph(tracer_cls=self._tracer_cls)
        memo[id(self)] = g
        out = g.graph_copy(self, {}, return_output_node=True)
        if out is not None:
            rv, old = out
            g.output(rv, type_expr=old.type)
        return g


def _tab_target(n) -> str:
    if n.op == "call_function" and \
            (getattr(n.target, "__module__", None) or "").startswith("gradkit"):
        return qualified_name(n.target)  # (PyTorch shows its C function's repr here)
    return str(n.target)


def _table(headers, rows) -> str:
    """A plain-text table with a dashed rule under the headers (the layout of tabulate's
    default format, which PyTorch's print_tabular uses)."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


class _NodeList:
    """``graph.nodes``: iterable in order and reversed, with a length."""

    def __init__(self, graph, reverse: bool = False):
        self._graph = graph
        self._reverse = reverse

    def __len__(self) -> int:
        return self._graph._len

    def __iter__(self):
        root = self._graph._root
        cur = root._prev if self._reverse else root._next
        while cur is not root:
            nxt = cur._prev if self._reverse else cur._next
            if not cur._erased:
                yield cur
            cur = nxt

    def __reversed__(self):
        return iter(_NodeList(self._graph, not self._reverse))

    def __repr__(self) -> str:
        return repr(list(self))
