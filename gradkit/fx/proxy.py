"""``torch.fx.proxy``: the stand-in value a traced program computes with.

A ``Proxy`` holds the graph ``Node`` that will produce its value. Operators on it, its methods
(``x.view(...)``), its attributes (``x.shape``) and gradkit functions called on it
(``torch.relu(x)``, through the ``__torch_function__`` protocol) each add a node to the tracer's
graph and return a new Proxy. What cannot be recorded, because the program would need the value
now (``if x.sum() > 0:``, ``for row in x:``, ``len(x)``), raises ``TraceError``.
"""

from __future__ import annotations

import dis
import inspect
import operator
from bisect import bisect_left

from .node import Node, map_aggregate

__all__ = ["Proxy", "Attribute", "TraceError", "GraphAppendingTracer"]


class TraceError(ValueError):
    """A traced program did something symbolic tracing cannot record (PyTorch's
    ``torch.fx.proxy.TraceError``)."""


class GraphAppendingTracer:
    """The least a Proxy needs: a graph to append nodes to (``Proxy(node)`` without a tracer
    gets one over ``node.graph``)."""

    def __init__(self, graph):
        from ._symbolic_trace import Tracer

        self._impl = Tracer()
        self._impl.graph = graph
        self._impl.root = None
        # the Proxies it records are this tracer's, as the ones made with ``tracer=self``:
        # a call mixing both (e3nn's generated tensor products) stays within one trace
        self._impl.proxy = lambda node: Proxy(node, self)
        self.graph = graph

    def __getattr__(self, name):
        return getattr(self._impl, name)


class Proxy:
    """A value being traced: each operation on it is appended to its tracer's graph.

    Args:
        node: the node whose result this Proxy stands for.
        tracer: the tracer recording the operations (default: one appending to ``node.graph``).
    """

    def __init__(self, node: Node, tracer=None):
        if tracer is None:
            tracer = GraphAppendingTracer(node.graph)
        self.tracer = tracer
        self.node = node

    def __repr__(self) -> str:
        return f"Proxy({self.node.name})"

    __hash__ = object.__hash__

    def __getattr__(self, name: str):
        # Python's own protocol probes (``__array__``, ``__len__`` through hasattr, ...) are
        # not recorded: no traced program reads a dunder as a value
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"'Proxy' object has no attribute {name!r}")
        return Attribute(self, name)

    def __call__(self, *args, **kwargs):
        return self.tracer.create_proxy("call_method", "__call__", (self, *args), kwargs)

    def __bool__(self):
        raise TraceError("symbolically traced variables cannot be used as inputs to control "
                         "flow")

    def __iter__(self):
        caller = inspect.currentframe().f_back
        instructions = list(dis.get_instructions(caller.f_code))
        at = bisect_left([i.offset for i in instructions], caller.f_lasti)
        if at < len(instructions) and instructions[at].opname == "UNPACK_SEQUENCE":
            # ``a, b = proxy``: a fixed number of items, each one a getitem node
            return (self[i] for i in range(instructions[at].argval))
        raise TraceError(
            "Proxy object cannot be iterated. This can be attempted when the Proxy is used in "
            "a loop or as a *args or **kwargs function argument. See the torch.fx docs on "
            "pytorch.org for a more detailed explanation of what types of control flow can "
            "be traced, and check out the Proxy docstring for help troubleshooting Proxy "
            "iteration errors")

    def __len__(self):
        raise RuntimeError("'len' is not supported in symbolic tracing by default. If you want "
                           "this call to be recorded, please call torch.fx.wrap('len') at "
                           "module scope")

    def keys(self):
        return self.tracer.keys(self)

    def __deepcopy__(self, memo):
        raise TraceError("a Proxy cannot be deep-copied while tracing; copy the module "
                         "before tracing it, or trace the copy")

    @classmethod
    def __torch_function__(cls, orig_method, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        tracers: dict = {}

        def find(a):
            if isinstance(a, Proxy):
                tracers[id(a.tracer)] = a.tracer
            return a

        map_aggregate(args, find)
        map_aggregate(kwargs, find)
        if len(tracers) > 1:
            raise RuntimeError(f"{getattr(orig_method, '__name__', orig_method)}(): found "
                               f"Proxies from {len(tracers)} different tracers; a traced "
                               f"call can only mix values of one trace")
        tracer = next(iter(tracers.values()))
        from .. import Tensor

        name = getattr(orig_method, "__name__", None)
        if name is not None and getattr(Tensor, name, None) is orig_method:
            return tracer.create_proxy("call_method", name, args, kwargs)
        return tracer.create_proxy("call_function", orig_method, args, kwargs)


class Attribute(Proxy):
    """``proxy.name``: called, it records ``call_method name``; used as a value, it records
    ``getattr(proxy, "name")`` (once)."""

    def __init__(self, root: Proxy, attr: str):
        self.root = root
        self.attr = attr
        self.tracer = root.tracer
        self._node = None

    @property
    def node(self):
        if self._node is None:
            self._node = self.tracer.create_proxy("call_function", getattr,
                                                  (self.root, self.attr), {}).node
        return self._node

    def __call__(self, *args, **kwargs):
        return self.tracer.create_proxy("call_method", self.attr, (self.root, *args), kwargs)


# operators a Proxy records, by the operator function that computes them
_BINARY = ("add", "sub", "mul", "floordiv", "truediv", "mod", "pow", "lshift", "rshift",
           "and_", "or_", "xor", "matmul")
_COMPARE = ("eq", "ne", "lt", "gt", "le", "ge")
_UNARY = ("neg", "pos", "invert", "abs")


def _install_operators():
    def forward(fn):
        def method(self, *rest):
            return self.tracer.create_proxy("call_function", fn, (self, *rest), {})
        return method

    def reflected(fn):
        def method(self, other):
            return self.tracer.create_proxy("call_function", fn, (other, self), {})
        return method

    for name in _BINARY + _COMPARE + _UNARY + ("getitem",):
        dunder = name.rstrip("_")
        setattr(Proxy, f"__{dunder}__", forward(getattr(operator, name)))
    for name in _BINARY:
        dunder = name.rstrip("_")
        setattr(Proxy, f"__r{dunder}__", reflected(getattr(operator, name)))


_install_operators()
