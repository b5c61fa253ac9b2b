"""``torch.fx.node``: a node of a traced graph (one placeholder, attribute fetch, call or output),
and the helpers that walk the nested arguments a node holds (``map_arg``, ``map_aggregate``).

A node keeps its ``args``/``kwargs`` and, from them, the set of nodes it reads
(``all_input_nodes``); every node it reads lists it in ``users``. Changing ``args`` (or calling
``replace_all_uses_with``/``replace_input_with``) keeps both sides of that relation in step, which
is what lets a pass rewrite the graph and ``Graph.lint`` check it.
"""

from __future__ import annotations

import builtins
import operator
import types
from typing import Any, Callable

__all__ = ["Node", "map_arg", "map_aggregate", "Argument", "Target"]

class _TypeAssertion(TypeError, AssertionError):
    """A wrong type where PyTorch's check is an assertion: caught as either."""


class _ValueAssertion(ValueError, AssertionError):
    """A wrong value where PyTorch's check is an assertion: caught as either."""


# shown in tracebacks under the name that says what is wrong
for _cls, _shown in ((_TypeAssertion, "TypeError"), (_ValueAssertion, "ValueError")):
    _cls.__name__ = _cls.__qualname__ = _shown
    _cls.__module__ = "builtins"


Argument = Any
Target = Any

_OPCODES = ("placeholder", "call_method", "call_module", "call_function", "get_attr", "output",
            "root")


def map_aggregate(a, fn: Callable):
    """Apply ``fn`` to every leaf of ``a`` (tuples, lists, dicts and slices looked into), keeping
    the containers' kinds (a namedtuple stays that namedtuple)."""
    t = type(a)
    if t is tuple or (isinstance(a, tuple) and not hasattr(a, "_fields")):
        return tuple(map_aggregate(v, fn) for v in a)
    if isinstance(a, tuple):  # a namedtuple
        return t(*(map_aggregate(v, fn) for v in a))
    if isinstance(a, list):
        return [map_aggregate(v, fn) for v in a]
    if isinstance(a, dict):
        return {k: map_aggregate(v, fn) for k, v in a.items()}
    if isinstance(a, slice):
        return slice(map_aggregate(a.start, fn), map_aggregate(a.stop, fn),
                     map_aggregate(a.step, fn))
    return fn(a)


def map_arg(a, fn: Callable):
    """Apply ``fn`` to every Node inside the argument structure ``a``."""
    if not callable(fn):
        raise TypeError(f"map_arg(): fn must be callable, got {type(fn).__name__}")
    return map_aggregate(a, lambda x: fn(x) if isinstance(x, Node) else x)


def _qualified_name(target) -> str:
    """How a call_function target is written: ``operator.add``, ``torch.relu``,
    ``torch.nn.functional.relu``, or ``module.qualname``."""
    from ._names import qualified_name

    return qualified_name(target)


def _format_target(op, target) -> str:
    if op == "call_function":
        return _qualified_name(target)
    return str(target)


def _percent(a):
    """An argument as ``Node.format_node`` prints it: nodes as ``%name``."""
    if isinstance(a, tuple) and not hasattr(a, "_fields"):
        inner = ", ".join(_percent(v) for v in a)
        return f"({inner},)" if len(a) == 1 else f"({inner})"
    if isinstance(a, list):
        return "[" + ", ".join(_percent(v) for v in a) + "]"
    if isinstance(a, dict):
        return "{" + ", ".join(f"{k}: {_percent(v)}" for k, v in a.items()) + "}"
    if isinstance(a, Node):
        return "%" + a.name
    return str(a)


class Node:
    """One operation of a ``Graph``.

    Attributes:
        op: ``placeholder``, ``get_attr``, ``call_function``, ``call_method``, ``call_module``
            or ``output``.
        name: the node's unique name (the variable it gets in the generated code).
        target: the argument name (placeholder), attribute path (get_attr, call_module), method
            name (call_method), the callable (call_function), or ``"output"``.
        args, kwargs: the operation's arguments; Nodes stand for earlier results.
        users: the nodes that read this node's value (a dict used as an ordered set).
        meta: free-form per-node data (``ShapeProp`` writes ``meta["tensor_meta"]``).
    """

    def __init__(self, graph, name: str, op: str, target, args: tuple, kwargs: dict,
                 return_type=None):
        if op not in _OPCODES:
            raise _ValueAssertion(f"Node(): op must be one of {_OPCODES[:-1]}, got {op!r}")
        if op == "call_function" and not callable(target):
            raise ValueError(f"Node(): a call_function target must be callable, got "
                             f"{type(target).__name__} {target!r}")
        if op in ("call_method", "call_module", "get_attr", "placeholder") and \
                not isinstance(target, str):
            raise _TypeAssertion(f"Node(): a {op} target must be a str, got "
                                 f"{type(target).__name__} {target!r}")
        self.graph = graph
        self.name = name
        self.op = op
        self.target = target
        self._input_nodes: dict = {}
        self.users: dict = {}
        self.type = return_type
        self.meta: dict = {}
        self._prev = self
        self._next = self
        self._erased = False
        self._args: tuple = ()
        self._kwargs: dict = {}
        self._update_args_kwargs(map_arg(args, lambda x: x), map_arg(kwargs, lambda x: x))

    # ------------------------------------------------------------------ the linked list
    @property
    def next(self) -> Node:
        return self._next

    @property
    def prev(self) -> Node:
        return self._prev

    def prepend(self, x: Node) -> None:
        """Move ``x`` (a node of this graph) to just before this node."""
        if x is self:
            raise RuntimeError("Node.prepend(): a node cannot be placed before itself")
        if x.graph is not self.graph:
            raise RuntimeError("Node.prepend(): the node belongs to a different graph; "
                               "copy it in with graph.node_copy() first")
        x._remove_from_list()
        p = self._prev
        p._next, x._prev = x, p
        x._next, self._prev = self, x

    def append(self, x: Node) -> None:
        """Move ``x`` to just after this node."""
        self._next.prepend(x)

    def _remove_from_list(self):
        p, n = self._prev, self._next
        p._next, n._prev = n, p
        self._prev = self._next = self

    @property
    def stack_trace(self) -> str | None:
        """Where in the traced program the node was made (gradkit records none: None unless
        a pass sets it)."""
        return self.meta.get("stack_trace")

    @stack_trace.setter
    def stack_trace(self, trace: str | None) -> None:
        self.meta["stack_trace"] = trace

    # ------------------------------------------------------------------ arguments and users
    @property
    def args(self) -> tuple:
        return self._args

    @args.setter
    def args(self, a) -> None:
        self._update_args_kwargs(map_arg(a, lambda x: x), self._kwargs)

    @property
    def kwargs(self) -> dict:
        return self._kwargs

    @kwargs.setter
    def kwargs(self, k) -> None:
        self._update_args_kwargs(self._args, map_arg(k, lambda x: x))

    @property
    def all_input_nodes(self) -> list:
        """The nodes this node reads, in the order they first appear in its arguments."""
        return list(self._input_nodes)

    def update_arg(self, idx: int, arg) -> None:
        args = list(self._args)
        args[idx] = arg
        self.args = tuple(args)

    def insert_arg(self, idx: int, arg) -> None:
        args = list(self._args)
        args.insert(idx, arg)
        self.args = tuple(args)

    def update_kwarg(self, key: str, arg) -> None:
        kwargs = dict(self._kwargs)
        kwargs[key] = arg
        self.kwargs = kwargs

    def _update_args_kwargs(self, new_args, new_kwargs):
        if isinstance(new_args, list):  # (PyTorch takes a list here too)
            new_args = tuple(new_args)
        if not isinstance(new_args, tuple):
            raise TypeError(f"Node.args must be a tuple, got {type(new_args).__name__}")
        if not isinstance(new_kwargs, dict):
            raise TypeError(f"Node.kwargs must be a dict, got {type(new_kwargs).__name__}")
        for old in self._input_nodes:
            old.users.pop(self, None)
        self._args, self._kwargs = new_args, new_kwargs
        self._input_nodes = {}
        collect = self._input_nodes.setdefault
        map_arg(new_args, lambda n: collect(n))
        map_arg(new_kwargs, lambda n: collect(n))
        for n in self._input_nodes:
            n.users.setdefault(self)

    def replace_all_uses_with(self, replace_with: Node, delete_user_cb: Callable = lambda u: True,
                              *, propagate_meta: bool = False) -> list:
        """Make every user of this node read ``replace_with`` instead; returns those users
        (the ones ``delete_user_cb`` accepted)."""
        if propagate_meta:
            if replace_with.meta:
                raise RuntimeError("Node.replace_all_uses_with(propagate_meta=True): the "
                                   "replacement node already has meta; clear it first")
            replace_with.meta.update(self.meta)
        changed = [u for u in list(self.users) if delete_user_cb(u)]
        for u in changed:
            u._replace_input(self, replace_with)
        return changed

    def replace_input_with(self, old_input: Node, new_input: Node) -> None:
        """Read ``new_input`` wherever this node read ``old_input``."""
        self._replace_input(old_input, new_input)

    def _replace_input(self, old, new):
        def swap(n):
            return new if n is old else n

        self._update_args_kwargs(map_arg(self._args, swap), map_arg(self._kwargs, swap))

    # ------------------------------------------------------------------ printing
    def format_node(self, placeholder_names: list | None = None,
                    maybe_return_typename: list | None = None) -> str | None:
        """The node as one line of ``print(graph)``."""
        from ._names import type_text

        typed = type_text(self.type)
        typed = f"{typed} " if typed else ""
        if self.op == "placeholder":
            if placeholder_names is not None:
                placeholder_names.append(self.target)
            default = f"(default={self.args[0]!r})" if self.args else ""
            return (f"%{self.name} : {typed}[num_users={len(self.users)}] = "
                    f"placeholder[target={self.target}]{default}")
        if self.op == "output":
            return f"return {self.args[0]!r}" if self.args else "return None"
        if self.op == "get_attr":
            return (f"%{self.name} : {typed}[num_users={len(self.users)}] = "
                    f"get_attr[target={self.target}]")
        return (f"%{self.name} : {typed}[num_users={len(self.users)}] = "
                f"{self.op}[target={_format_target(self.op, self.target)}]"
                f"(args = {_percent(self._args)}, kwargs = {_percent(self._kwargs)})")

    def is_impure(self, impure_random: bool = True) -> bool:
        """Whether dead-code elimination must keep this node although nobody reads it:
        placeholders, the output, asserts and other functions marked ``_is_impure``, in-place
        functions, random draws (with ``impure_random``), modules marked ``_is_impure``.
        (Method calls count as pure, as in PyTorch.)"""
        if self.op in ("placeholder", "output"):
            return True
        if self.op == "call_module":
            mod = self.graph.owning_module
            if mod is None:
                raise RuntimeError("Node.is_impure(): the graph has no owning module to look "
                                   "the submodule up in; build a GraphModule from it first")
            return getattr(mod.get_submodule(self.target), "_is_impure", False) is True
        if self.op == "call_function":
            if getattr(self.target, "_is_impure", False) is True:
                return True
            name = getattr(self.target, "__name__", "") or ""
            return name == "_assert" or (name.endswith("_") and not name.endswith("__")) or \
                (impure_random and name in _RANDOM)
        return False

    def __repr__(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.name


# functions whose every call draws new random numbers
_RANDOM = frozenset(("rand", "randn", "randint", "randperm", "rand_like", "randn_like",
                     "randint_like", "bernoulli", "multinomial", "normal", "poisson", "dropout",
                     "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
                     "feature_alpha_dropout"))
# names the generated code must not bind (they are the Python builtins and keywords)
_BUILTIN_NAMES = frozenset(dir(builtins))
_OPERATOR_FUNCS = frozenset(v for v in vars(operator).values()
                            if isinstance(v, types.BuiltinFunctionType))
