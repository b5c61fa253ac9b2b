"""``torch.fx.Interpreter`` and ``Transformer``: run a GraphModule node by node.

``Interpreter.run`` evaluates each node with the method named by its op (``placeholder``,
``get_attr``, ``call_function``, ``call_method``, ``call_module``, ``output``); override one of
them, or ``run_node``, to observe or change what each node does (shape propagation, profiling,
swapping an op). ``Transformer`` runs the same methods on Proxies, so what it returns is a new
``GraphModule`` with the overridden behaviour recorded in its graph.
"""

from __future__ import annotations

import inspect
from contextlib import contextmanager

from ._symbolic_trace import Tracer
from .graph import Graph
from .node import Node, map_aggregate, map_arg
from .proxy import Proxy

__all__ = ["Interpreter", "Transformer"]


class Interpreter:
    """Runs ``module``'s graph (or ``graph``) one node at a time.

    Args:
        module: the GraphModule (or any Module holding the graph's attributes).
        garbage_collect_values: drop each value after its last use.
        graph: the graph to run (default ``module.graph``).
    """

    def __init__(self, module, garbage_collect_values: bool = True, graph: Graph | None = None):
        self.module = module
        self.submodules = dict(module.named_modules())
        self.graph = graph if graph is not None else module.graph
        self.env: dict = {}
        self.name = "Interpreter"
        self.garbage_collect_values = garbage_collect_values
        self.extra_traceback = True
        self.current_node = None
        if garbage_collect_values:
            self.user_to_last_uses: dict = {}
            seen: set = set()
            for node in reversed(list(self.graph.nodes)):
                for inp in node.all_input_nodes:
                    if inp not in seen:
                        seen.add(inp)
                        self.user_to_last_uses.setdefault(node, []).append(inp)

    def run(self, *args, initial_env: dict | None = None, enable_io_processing: bool = True):
        """Run the graph on ``args`` (one per placeholder, defaults filling in) and return what
        its output node returns."""
        self.env = dict(initial_env) if initial_env is not None else {}
        self.args_iter = iter(args)
        for node in self.graph.nodes:
            if node in self.env:  # given in initial_env
                continue
            try:
                self.env[node] = self.run_node(node)
            except Exception as e:
                if self.extra_traceback and not getattr(e, "_fx_noted", False):
                    if hasattr(e, "add_note"):  # (Python 3.11+: shown under the traceback)
                        e.add_note(f"While executing {node.format_node()}")
                    e._fx_noted = True
                raise
            if self.garbage_collect_values:
                for dead in self.user_to_last_uses.get(node, []):
                    self.env.pop(dead, None)
            if node.op == "output":
                return self.env[node]
        return None

    def boxed_run(self, args_list):
        args = list(args_list)
        args_list.clear()
        return self.run(*args)

    @contextmanager
    def _set_current_node(self, node):
        prev, self.current_node = self.current_node, node
        try:
            yield
        finally:
            self.current_node = prev

    def run_node(self, n: Node):
        """Evaluate one node: fetch its arguments' values and call the method named by its op."""
        with self._set_current_node(n):
            args, kwargs = self.fetch_args_kwargs_from_env(n)
            return getattr(self, n.op)(n.target, args, kwargs)

    # ------------------------------------------------------------------ one method per op
    def placeholder(self, target, args, kwargs):
        if target.startswith("*"):
            return list(self.args_iter)
        try:
            return next(self.args_iter)
        except StopIteration:
            if args:
                return args[0]
            raise RuntimeError(f"Expected positional argument for parameter {target}, but "
                               f"one was not passed in!") from None

    def get_attr(self, target, args, kwargs):
        return self.fetch_attr(target)

    def call_function(self, target, args, kwargs):
        return target(*args, **kwargs)

    def call_method(self, target, args, kwargs):
        self_obj, *rest = args
        return getattr(self_obj, target)(*rest, **kwargs)

    def call_module(self, target, args, kwargs):
        return self.fetch_attr(target)(*args, **kwargs)

    def output(self, target, args, kwargs):
        return args[0]

    # ------------------------------------------------------------------ helpers
    def fetch_attr(self, target: str):
        """The module attribute at dotted path ``target``."""
        obj = self.module
        for i, atom in enumerate(target.split(".")):
            if not hasattr(obj, atom):
                done = ".".join(target.split(".")[:i])
                raise RuntimeError(f"Node referenced nonexistent target {target} "
                                   f"(no attribute {atom!r} on {done or 'the module'})")
            obj = getattr(obj, atom)
        return obj

    def fetch_args_kwargs_from_env(self, n: Node):
        args = self.map_nodes_to_values(n.args, n)
        kwargs = self.map_nodes_to_values(n.kwargs, n)
        return args, kwargs

    def map_nodes_to_values(self, args, n: Node):
        def load(a):
            if a not in self.env:
                raise RuntimeError(f"Node {n} referenced nonexistent value {a}! Run "
                                   f"Graph.lint() to diagnose such issues")
            return self.env[a]
        return map_arg(args, load)


class _TransformerTracer(Tracer):
    def __init__(self, graph: Graph):
        super().__init__()
        self.graph = graph
        self.tensor_attrs = {}
        self._keep = []

    def is_leaf_module(self, m, module_qualified_name) -> bool:
        return True


class Transformer(Interpreter):
    """An Interpreter that runs on Proxies and returns a new GraphModule (``transform()``).

    Override ``call_function`` and the like to rewrite what each node becomes, e.g. calling
    ``super().call_function(torch.mul, args, kwargs)`` where the target was ``torch.add``.
    """

    def __init__(self, module):
        super().__init__(module)
        self.new_graph = Graph()
        self.new_graph._tracer_cls = getattr(module.graph, "_tracer_cls", None)
        self.tracer = _TransformerTracer(self.new_graph)
        self.tracer.root = module

    def placeholder(self, target, args, kwargs) -> Proxy:
        default = args[0] if args else inspect.Signature.empty
        return Proxy(self.new_graph.placeholder(target, default_value=default), self.tracer)

    def get_attr(self, target, args, kwargs) -> Proxy:
        return self.tracer.create_proxy("get_attr", target, args, kwargs)

    def call_module(self, target, args, kwargs):
        submod = self.fetch_attr(target)
        return self.tracer.call_module(submod, submod.forward, args, kwargs)

    def call_function(self, target, args, kwargs):
        return self.tracer.create_proxy("call_function", target, args, kwargs)

    def run_node(self, n: Node):
        result = super().run_node(n)
        if isinstance(result, Proxy):
            result.node.meta.update((k, v) for k, v in n.meta.items() if k != "is_wrapped")
        return result

    def transform(self):
        """Run the graph on Proxies and return the GraphModule of what was recorded."""
        from .._tensor import torch_function as tf
        from .graph_module import GraphModule

        was_active = tf.ACTIVE[0]
        tf.ACTIVE[0] = True  # gradkit functions called on Proxies in overrides are recorded
        try:
            result = self.run(enable_io_processing=False)
        finally:
            if not was_active:
                tf.ACTIVE[0] = False
        if result is not None:
            self.new_graph.output(map_aggregate(
                result, lambda a: a.node if isinstance(a, Proxy) else a))
        return GraphModule(self.module, self.new_graph)
