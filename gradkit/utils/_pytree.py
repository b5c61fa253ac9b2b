"""``torch.utils._pytree``: nested containers flattened to leaves and a spec that rebuilds them.

A pytree is a leaf or a registered container of pytrees. ``tuple``, ``list``, ``dict``,
``OrderedDict``, ``defaultdict``, ``deque`` and named tuples are registered; libraries register
their own output classes with :func:`register_pytree_node` (model-output records, caches). A node
is matched by its exact type (a named tuple by being one), so an unregistered subclass is a leaf.
"""

from __future__ import annotations

import collections
import dataclasses
from typing import Any, Callable, NamedTuple

from .._tensor import Size

__all__ = [
    "Context",
    "GetAttrKey",
    "KeyPath",
    "LeafSpec",
    "MappingKey",
    "PyTree",
    "SUPPORTED_NODES",
    "SequenceKey",
    "TreeSpec",
    "register_pytree_node",
    "tree_all",
    "tree_any",
    "tree_flatten",
    "tree_flatten_with_path",
    "tree_leaves",
    "tree_map",
    "tree_map_",
    "tree_map_only",
    "tree_structure",
    "tree_unflatten",
]

Context = Any
PyTree = Any
KeyPath = tuple


@dataclasses.dataclass(frozen=True)
class SequenceKey:
    """The position of a child in a sequence node."""

    idx: int

    def __str__(self) -> str:
        return f"[{self.idx!r}]"

    def get(self, sequence):
        return sequence[self.idx]


@dataclasses.dataclass(frozen=True)
class MappingKey:
    """The key of a child in a mapping node."""

    key: Any

    def __str__(self) -> str:
        return f"[{self.key!r}]"

    def get(self, mapping):
        return mapping[self.key]


@dataclasses.dataclass(frozen=True)
class GetAttrKey:
    """The attribute name of a child in an object node."""

    name: str

    def __str__(self) -> str:
        return f".{self.name}"

    def get(self, obj):
        return getattr(obj, self.name)


class NodeDef(NamedTuple):
    type: type
    flatten_fn: Callable
    unflatten_fn: Callable
    flatten_with_keys_fn: Callable | None


SUPPORTED_NODES: dict[type, NodeDef] = {}


def register_pytree_node(
    cls,
    flatten_fn,
    unflatten_fn,
    *,
    serialized_type_name=None,
    to_dumpable_context=None,
    from_dumpable_context=None,
    flatten_with_keys_fn=None,
) -> None:
    """Make ``cls`` a container: ``flatten_fn(obj) -> (children, context)`` and
    ``unflatten_fn(children, context) -> obj``; ``flatten_with_keys_fn`` also names each child.

    Raises:
        ValueError: ``cls`` is registered already.
    """
    if cls in SUPPORTED_NODES:
        raise ValueError(f"{cls} is already registered as pytree node.")
    SUPPORTED_NODES[cls] = NodeDef(cls, flatten_fn, unflatten_fn, flatten_with_keys_fn)


def _is_namedtuple_instance(tree) -> bool:
    return isinstance(tree, tuple) and hasattr(type(tree), "_fields")


def _node_type(tree):
    # every namedtuple class is one node type, keyed by the ``collections.namedtuple`` factory as
    # in PyTorch (whose SUPPORTED_NODES holds that key)
    return collections.namedtuple if _is_namedtuple_instance(tree) else type(tree)


def _get_node_type(tree):
    """``torch.utils._pytree._get_node_type``: the key of ``tree``'s node in ``SUPPORTED_NODES``
    (``collections.namedtuple`` for any namedtuple; libraries walk trees with it)."""
    return _node_type(tree)


def _seq_flatten(seq):
    return list(seq), None


def _seq_keys(seq):
    return [(SequenceKey(i), v) for i, v in enumerate(seq)], None


def _dict_flatten(d):
    return list(d.values()), list(d.keys())


def _dict_flatten_with_keys(d):
    values, keys = _dict_flatten(d)
    return [(MappingKey(k), v) for k, v in zip(keys, values)], keys


def _dict_unflatten(values, context):
    return dict(zip(context, values))


def _namedtuple_flatten(nt):
    return list(nt), type(nt)


def _namedtuple_keys(nt):
    return [(GetAttrKey(f), v) for f, v in zip(nt._fields, nt)], type(nt)


def _defaultdict_flatten(d):
    return list(d.values()), [d.default_factory, list(d.keys())]


def _defaultdict_keys(d):
    values, context = _defaultdict_flatten(d)
    return [(MappingKey(k), v) for k, v in zip(context[1], values)], context


def _deque_flatten(d):
    return list(d), d.maxlen


register_pytree_node(tuple, _seq_flatten, lambda v, c: tuple(v), flatten_with_keys_fn=_seq_keys)
register_pytree_node(list, _seq_flatten, lambda v, c: list(v), flatten_with_keys_fn=_seq_keys)
register_pytree_node(
    dict, _dict_flatten, _dict_unflatten, flatten_with_keys_fn=_dict_flatten_with_keys
)
register_pytree_node(
    collections.OrderedDict,
    _dict_flatten,
    lambda v, c: collections.OrderedDict(zip(c, v)),
    flatten_with_keys_fn=_dict_flatten_with_keys,
)
register_pytree_node(
    collections.defaultdict,
    _defaultdict_flatten,
    lambda v, c: collections.defaultdict(c[0], zip(c[1], v)),
    flatten_with_keys_fn=_defaultdict_keys,
)
register_pytree_node(
    collections.deque,
    _deque_flatten,
    lambda v, c: collections.deque(v, maxlen=c),
    flatten_with_keys_fn=lambda d: (_seq_keys(d)[0], d.maxlen),
)
# a shape is a node, rebuilt as a plain tuple, as PyTorch's (tree_map over a shape gives a tuple)
register_pytree_node(Size, _seq_flatten, lambda v, c: tuple(v), flatten_with_keys_fn=_seq_keys)
SUPPORTED_NODES[collections.namedtuple] = NodeDef(collections.namedtuple, _namedtuple_flatten,
                                                  lambda v, c: c(*v), _namedtuple_keys)


def _nodedef(node_type):
    return SUPPORTED_NODES.get(node_type)


@dataclasses.dataclass(eq=True)
class TreeSpec:
    """The structure of a flattened pytree: node type, its context and the children's specs."""

    type: Any
    context: Context
    children_specs: list

    @property
    def num_leaves(self) -> int:
        return 1 if self.type is None else sum(c.num_leaves for c in self.children_specs)

    @property
    def num_children(self) -> int:
        return len(self.children_specs)

    def is_leaf(self) -> bool:
        return self.type is None

    def unflatten(self, leaves):
        return tree_unflatten(leaves, self)

    def __repr__(self, indent: int = 0) -> str:
        if self.type is None:
            return "*"
        name = self.type if isinstance(self.type, str) else self.type.__name__
        pad = "\n" + " " * (indent + 2)
        children = ("," + pad).join(c.__repr__(indent + 2) for c in self.children_specs)
        return f"TreeSpec({name}, {self.context!r}, [{children}])"


def LeafSpec() -> TreeSpec:  # noqa: N802 (PyTorch's name for the spec of one leaf)
    """The spec of a single leaf."""
    return TreeSpec(None, None, [])


def _flatten(tree, is_leaf, leaves):
    if is_leaf is not None and is_leaf(tree):
        leaves.append(tree)
        return LeafSpec()
    node_type = _node_type(tree)
    node = _nodedef(node_type)
    if node is None:
        leaves.append(tree)
        return LeafSpec()
    children, context = node.flatten_fn(tree)
    return TreeSpec(node_type, context, [_flatten(c, is_leaf, leaves) for c in children])


def tree_flatten(tree, is_leaf=None):
    """``(leaves, spec)``: the leaves in order and the :class:`TreeSpec` that rebuilds ``tree``."""
    leaves: list = []
    return leaves, _flatten(tree, is_leaf, leaves)


def tree_unflatten(leaves, treespec: TreeSpec):
    """Rebuild the pytree ``treespec`` describes from ``leaves`` (as many as it holds)."""
    if not isinstance(treespec, TreeSpec):
        raise TypeError(
            f"tree_unflatten(leaves, treespec): expected a TreeSpec, got {type(treespec).__name__}"
        )
    leaves = list(leaves)
    if len(leaves) != treespec.num_leaves:
        raise ValueError(
            f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but the spec refers "
            f"to a pytree that holds {treespec.num_leaves} items ({treespec!r})."
        )
    it = iter(leaves)

    def build(spec):
        if spec.type is None:
            return next(it)
        return _nodedef(spec.type).unflatten_fn(
            [build(c) for c in spec.children_specs], spec.context
        )

    return build(treespec)


def tree_leaves(tree, is_leaf=None) -> list:
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None) -> TreeSpec:
    return tree_flatten(tree, is_leaf)[1]


def tree_map(func, tree, *rests, is_leaf=None):
    """Apply ``func`` to each leaf (and the matching leaves of ``rests``, of the same structure)."""
    leaves, spec = tree_flatten(tree, is_leaf)
    others = [_leaves_matching(r, spec, is_leaf) for r in rests]
    return tree_unflatten([func(*xs) for xs in zip(leaves, *others)], spec)


def _leaves_matching(tree, spec, is_leaf):
    """``tree`` flattened up to ``spec`` (a subtree where ``spec`` has a leaf is one leaf), or
    PyTorch's ValueError naming the first node that differs."""
    leaves: list = []
    _flatten_up_to(tree, spec, is_leaf, leaves)
    return leaves


def _flatten_up_to(tree, spec, is_leaf, leaves):
    if spec.type is None:
        leaves.append(tree)
        return
    node_type = _node_type(tree) if is_leaf is None or not is_leaf(tree) else None
    node = None if node_type is None else _nodedef(node_type)
    if node is None or node_type != spec.type:
        raise ValueError(f"Node type mismatch; expected {spec.type!r}, but got {type(tree)!r}.")
    children, context = node.flatten_fn(tree)
    if len(children) != len(spec.children_specs):
        raise ValueError(f"Node arity mismatch; expected {len(spec.children_specs)}, but got "
                         f"{len(children)}.")
    if context != spec.context:
        if node_type in (dict, collections.OrderedDict, collections.defaultdict):
            want = set(spec.context[1] if node_type is collections.defaultdict else spec.context)
            got = set(context[1] if node_type is collections.defaultdict else context)
            if want != got:
                raise ValueError(f"Node keys mismatch; missing key(s): {want - got}; extra "
                                 f"key(s): {got - want}.")
            # the same keys in another order: the values are taken in the spec's order
            order = dict(zip(context[1] if node_type is collections.defaultdict else context,
                             children))
            keys = spec.context[1] if node_type is collections.defaultdict else spec.context
            children = [order[k] for k in keys]
        else:
            raise ValueError(f"Node context mismatch for custom node type; expected "
                             f"{spec.context!r}, but got {context!r}.")
    for child, child_spec in zip(children, spec.children_specs):
        _flatten_up_to(child, child_spec, is_leaf, leaves)


def tree_map_(func, tree, *rests, is_leaf=None):
    """Apply ``func`` to each leaf for its effect; returns ``tree``."""
    tree_map(func, tree, *rests, is_leaf=is_leaf)
    return tree


def tree_map_only(type_or_types, func, tree, is_leaf=None):
    """Apply ``func`` to the leaves that are instances of ``type_or_types``; keep the others."""
    return tree_map(lambda x: func(x) if isinstance(x, type_or_types) else x, tree, is_leaf=is_leaf)


def tree_all(pred, tree, is_leaf=None) -> bool:
    return all(map(pred, tree_leaves(tree, is_leaf)))


def tree_any(pred, tree, is_leaf=None) -> bool:
    return any(map(pred, tree_leaves(tree, is_leaf)))


def _flatten_with_path(tree, is_leaf, path, out):
    if is_leaf is not None and is_leaf(tree):
        out.append((path, tree))
        return LeafSpec()
    node_type = _node_type(tree)
    node = _nodedef(node_type)
    if node is None:
        out.append((path, tree))
        return LeafSpec()
    if node.flatten_with_keys_fn is None:
        raise ValueError(
            f"tree_flatten_with_path: {node_type} was registered without flatten_with_keys_fn"
        )
    keyed, context = node.flatten_with_keys_fn(tree)
    return TreeSpec(
        node_type, context, [_flatten_with_path(c, is_leaf, path + (k,), out) for k, c in keyed]
    )


def tree_flatten_with_path(tree, is_leaf=None):
    """``([(key_path, leaf), ...], spec)``: each leaf with the keys that lead to it."""
    out: list = []
    return out, _flatten_with_path(tree, is_leaf, (), out)
