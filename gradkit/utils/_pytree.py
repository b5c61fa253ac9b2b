"""``torch.utils._pytree``: flatten nested containers to a list of leaves and back.

Libraries built on PyTorch (Pyro's provenance tracking, functorch-style code) walk nested
tuples, lists, dicts and named tuples through this module. The containers are the ones PyTorch
registers (``tuple``, ``list``, ``dict``, ``OrderedDict``, ``defaultdict``, ``deque``, named
tuples, the ``return_types`` of ops and ``Size``) plus any type given to
:func:`register_pytree_node`; everything else, ``None`` included, is a leaf.
``tree_flatten`` gives ``(leaves, spec)``, ``tree_unflatten(leaves, spec)`` rebuilds the
container.
"""

from __future__ import annotations

import collections
from typing import Any, Callable

from .._tensor import Size

__all__ = ["TreeSpec", "LeafSpec", "register_pytree_node", "tree_is_leaf", "tree_flatten",
           "tree_unflatten", "tree_iter", "tree_leaves", "tree_structure", "tree_map", "tree_map_",
           "tree_map_only", "tree_all", "tree_any", "is_namedtuple", "is_namedtuple_class",
           "is_namedtuple_instance"]

# type -> (flatten: node -> (children, context), unflatten: (children, context) -> node)
_NODES: dict = {}


def is_namedtuple_class(cls) -> bool:
    return isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")


def is_namedtuple_instance(obj) -> bool:
    return is_namedtuple_class(type(obj))


def is_namedtuple(obj) -> bool:
    """True for a named tuple class or instance."""
    return is_namedtuple_class(obj if isinstance(obj, type) else type(obj))


def register_pytree_node(cls, flatten_fn: Callable, unflatten_fn: Callable, *,
                         serialized_type_name=None, to_dumpable_context=None,
                         from_dumpable_context=None, flatten_with_keys_fn=None) -> None:
    """Make ``cls`` a container: ``flatten_fn(node) -> (children, context)`` and
    ``unflatten_fn(children, context) -> node``."""
    if cls in _NODES:
        raise ValueError(f"register_pytree_node: {cls!r} is already registered as a pytree node")
    _NODES[cls] = (flatten_fn, unflatten_fn)


def _dict_flatten(d):
    return list(d.values()), list(d.keys())


def _defaultdict_flatten(d):
    return list(d.values()), [d.default_factory, list(d.keys())]


def _defaultdict_unflatten(values, context):
    factory, keys = context
    return collections.defaultdict(factory, zip(keys, values))


_NODES[tuple] = (lambda t: (list(t), None), lambda v, c: tuple(v))
_NODES[list] = (lambda t: (list(t), None), lambda v, c: list(v))
_NODES[dict] = (_dict_flatten, lambda v, c: dict(zip(c, v)))
_NODES[collections.OrderedDict] = (_dict_flatten, lambda v, c: collections.OrderedDict(zip(c, v)))
_NODES[collections.defaultdict] = (_defaultdict_flatten, _defaultdict_unflatten)
_NODES[collections.deque] = (lambda d: (list(d), d.maxlen),
                             lambda v, c: collections.deque(v, maxlen=c))
# a shape is a node, rebuilt as a plain tuple, as PyTorch's (tree_map over a shape gives a tuple)
_NODES[Size] = (lambda s: (list(s), None), lambda v, c: tuple(v))
_NAMEDTUPLE = (lambda t: (list(t), type(t)), lambda v, c: c(*v))


def _node_rule(tree):
    """The (flatten, unflatten) pair of ``tree``'s type, or None for a leaf."""
    kind = type(tree)
    rule = _NODES.get(kind)
    if rule is None and is_namedtuple_class(kind):
        return _NAMEDTUPLE
    return rule


def _node_type(tree):
    kind = type(tree)
    return kind if kind in _NODES or not is_namedtuple_class(kind) else "namedtuple"


class TreeSpec:
    """The shape of a pytree: a node's type, its context (keys, named-tuple class, ...) and
    the specs of its children; a leaf's spec has type ``None``."""

    def __init__(self, type, context, children_specs):
        self.type = type
        self.context = context
        self.children_specs = list(children_specs)
        self.num_leaves = 1 if type is None else sum(c.num_leaves for c in self.children_specs)
        self.num_children = len(self.children_specs)

    def is_leaf(self) -> bool:
        return self.type is None

    def __eq__(self, other):
        return (isinstance(other, TreeSpec) and self.type == other.type
                and self.context == other.context and self.children_specs == other.children_specs)

    def __hash__(self):
        return hash((self.type, self.num_leaves))

    def __repr__(self):
        if self.type is None:
            return "*"
        name = self.type if isinstance(self.type, str) else self.type.__name__
        return f"TreeSpec({name}, {self.context!r}, [{', '.join(map(repr, self.children_specs))}])"

    def flatten_up_to(self, tree) -> list:
        """The subtrees of ``tree`` at this spec's leaves (``tree`` must have this structure
        down to them)."""
        if self.type is None:
            return [tree]
        rule = _node_rule(tree)
        if rule is None or _node_type(tree) != self.type:
            raise ValueError(f"Node type mismatch; expected {self.type!r}, but got "
                             f"{type(tree)!r}.")
        children, context = rule[0](tree)
        if len(children) != self.num_children:
            raise ValueError(f"Node arity mismatch; expected {self.num_children}, but got "
                             f"{len(children)}.")
        if context != self.context and not isinstance(self.type, str):
            raise ValueError(f"Node context mismatch for node type {self.type!r}; expected "
                             f"{self.context!r}, but got {context!r}.")
        out = []
        for spec, child in zip(self.children_specs, children):
            out += spec.flatten_up_to(child)
        return out

    def unflatten(self, leaves):
        return tree_unflatten(leaves, self)


def LeafSpec() -> TreeSpec:  # noqa: N802 -- PyTorch's name
    """The spec of a single leaf."""
    return TreeSpec(None, None, [])


def tree_is_leaf(tree, is_leaf: Callable | None = None) -> bool:
    if is_leaf is not None and is_leaf(tree):
        return True
    return _node_rule(tree) is None


def _flatten_into(tree, leaves, is_leaf):
    if tree_is_leaf(tree, is_leaf):
        leaves.append(tree)
        return TreeSpec(None, None, [])
    flatten, _ = _node_rule(tree)
    children, context = flatten(tree)
    specs = [_flatten_into(c, leaves, is_leaf) for c in children]
    return TreeSpec(_node_type(tree), context, specs)


def tree_flatten(tree: Any, is_leaf: Callable | None = None) -> tuple:
    """``(leaves, spec)``: the leaves of ``tree`` in order, and its structure."""
    leaves: list = []
    spec = _flatten_into(tree, leaves, is_leaf)
    return leaves, spec


def tree_unflatten(leaves, treespec: TreeSpec) -> Any:
    """Rebuild the tree of ``treespec`` with ``leaves`` in place of its leaves."""
    if not isinstance(treespec, TreeSpec):
        raise TypeError(f"tree_unflatten(leaves, treespec): Expected `treespec` to be an instance "
                        f"of TreeSpec but got item of type {type(treespec)}.")
    leaves = list(leaves)
    if len(leaves) != treespec.num_leaves:
        raise ValueError(f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but the "
                         f"spec refers to a pytree that holds {treespec.num_leaves} items "
                         f"({treespec}).")
    it = iter(leaves)

    def build(spec):
        if spec.type is None:
            return next(it)
        children = [build(c) for c in spec.children_specs]
        if spec.type == "namedtuple":
            return _NAMEDTUPLE[1](children, spec.context)
        return _NODES[spec.type][1](children, spec.context)

    return build(treespec)


def tree_leaves(tree: Any, is_leaf: Callable | None = None) -> list:
    return tree_flatten(tree, is_leaf)[0]


def tree_iter(tree: Any, is_leaf: Callable | None = None):
    return iter(tree_leaves(tree, is_leaf))


def tree_structure(tree: Any, is_leaf: Callable | None = None) -> TreeSpec:
    return tree_flatten(tree, is_leaf)[1]


def tree_map(func: Callable, tree: Any, *rests: Any, is_leaf: Callable | None = None) -> Any:
    """Apply ``func`` to each leaf of ``tree`` (and the matching leaves of ``rests``, which
    must have ``tree``'s structure down to its leaves) and rebuild the structure."""
    leaves, spec = tree_flatten(tree, is_leaf)
    others = [spec.flatten_up_to(r) for r in rests]
    return tree_unflatten([func(*xs) for xs in zip(leaves, *others)], spec)


def tree_map_(func: Callable, tree: Any, *rests: Any, is_leaf: Callable | None = None) -> Any:
    """Like :func:`tree_map` for ``func``'s side effects; returns ``tree`` itself."""
    leaves, spec = tree_flatten(tree, is_leaf)
    others = [spec.flatten_up_to(r) for r in rests]
    for xs in zip(leaves, *others):
        func(*xs)
    return tree


def _type_filter(type_or_types, func):
    def apply(x):
        return func(x) if isinstance(x, type_or_types) else x
    return apply


def tree_map_only(type_or_types, func: Callable, tree: Any,
                  is_leaf: Callable | None = None) -> Any:
    """:func:`tree_map` over the leaves that are instances of ``type_or_types``; the others
    are kept."""
    return tree_map(_type_filter(type_or_types, func), tree, is_leaf=is_leaf)


def tree_all(pred: Callable, tree: Any, is_leaf: Callable | None = None) -> bool:
    return all(map(pred, tree_leaves(tree, is_leaf)))


def tree_any(pred: Callable, tree: Any, is_leaf: Callable | None = None) -> bool:
    return any(map(pred, tree_leaves(tree, is_leaf)))
