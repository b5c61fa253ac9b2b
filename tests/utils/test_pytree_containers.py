"""``gradkit.utils._pytree`` (``torch.utils._pytree``) flattens and rebuilds nested containers
as PyTorch's does: the same leaves in the same order, the same rebuilt objects, the same errors."""

from __future__ import annotations

import collections

import pytest

from gradkit.utils import _pytree as pt

Point = collections.namedtuple("Point", "x y")

_TREES = [
    5, None, (), [], {},
    (1, None, [2, 3]),
    {"b": 1, "a": [2, (3, 4)]},
    collections.OrderedDict([("z", 1), ("y", (2,))]),
    collections.defaultdict(list, {"k": [1, 2]}),
    collections.deque([1, [2, 3]], maxlen=4),
    Point(1, [2, {"q": 3}]),
    [Point(1, 2), (Point(3, 4),)],
]


@pytest.fixture(scope="module")
def torch_pytree():
    return pytest.importorskip("torch.utils._pytree")


@pytest.mark.parametrize("tree", _TREES, ids=repr)
def test_flatten_unflatten_as_torch(torch_pytree, tree):
    leaves, spec = pt.tree_flatten(tree)
    t_leaves, t_spec = torch_pytree.tree_flatten(tree)
    assert leaves == t_leaves
    assert spec.num_leaves == t_spec.num_leaves
    rebuilt = pt.tree_unflatten([("x", v) for v in leaves], spec)
    t_rebuilt = torch_pytree.tree_unflatten([("x", v) for v in t_leaves], t_spec)
    assert type(rebuilt) is type(t_rebuilt) and rebuilt == t_rebuilt
    assert pt.tree_leaves(tree) == torch_pytree.tree_leaves(tree)
    assert pt.tree_structure(tree) == spec


def test_sizes_and_op_results_are_nodes_as_torch(torch_pytree):
    import torch

    import gradkit

    x = gradkit.arange(12.0).reshape(3, 4)
    y = torch.arange(12.0).reshape(3, 4)
    for ours, theirs in [(x.shape, y.shape), (x.max(0), y.max(0)),
                         (gradkit.linalg.slogdet(gradkit.eye(2)), torch.linalg.slogdet(y[:2, :2]))]:
        leaves, spec = pt.tree_flatten(ours)
        t_leaves, t_spec = torch_pytree.tree_flatten(theirs)
        assert len(leaves) == len(t_leaves) and spec.num_leaves == t_spec.num_leaves
        back = pt.tree_unflatten(leaves, spec)
        t_back = torch_pytree.tree_unflatten(t_leaves, t_spec)
        assert type(back).__name__ == type(t_back).__name__ and tuple(back) == tuple(ours)
    assert pt.tree_leaves(x.shape) == [3, 4] and pt.tree_map(lambda n: n * 2, x.shape) == (6, 8)
    assert type(pt.tree_map(int, x.shape)) is type(torch_pytree.tree_map(int, y.shape)) is tuple


def test_map_over_several_trees_and_leaf_predicate(torch_pytree):
    a, b = {"u": [1, 2], "v": (3,)}, {"u": [10, 20], "v": (30,)}
    assert pt.tree_map(lambda x, y: x + y, a, b) == torch_pytree.tree_map(lambda x, y: x + y, a, b)
    tree = [[1, 2], [3]]
    is_leaf = lambda x: isinstance(x, list) and len(x) == 1  # noqa: E731
    assert pt.tree_map(str, tree, is_leaf=is_leaf) == \
        torch_pytree.tree_map(str, tree, is_leaf=is_leaf)
    mixed = [1, "a", 2.5, (3, "b")]
    double = lambda x: x * 2  # noqa: E731
    assert pt.tree_map_only(int, double, mixed) == torch_pytree.tree_map_only(int, double, mixed)
    assert pt.tree_all(bool, [1, (2,)]) and not pt.tree_any(bool, [0, (None,)])
    seen = []
    assert pt.tree_map_(seen.append, [1, (2,)]) == [1, (2,)] and seen == [1, 2]


@pytest.mark.parametrize("args", [([1, 2], [3]), ([1, 2], (3, 4)), ({"a": 1}, {"b": 1})],
                         ids=["arity", "type", "keys"])
def test_mismatched_structures_raise_as_torch(torch_pytree, args):
    f = lambda x, y: x  # noqa: E731
    with pytest.raises(ValueError) as theirs:
        torch_pytree.tree_map(f, *args)
    with pytest.raises(type(theirs.value), match="mismatch"):
        pt.tree_map(f, *args)


def test_unflatten_checks_its_arguments(torch_pytree):
    _, spec = pt.tree_flatten([1, 2])
    with pytest.raises(ValueError, match="length 1"):
        pt.tree_unflatten([1], spec)
    with pytest.raises(TypeError, match="TreeSpec"):
        pt.tree_unflatten([1, 2], [1, 2])


def test_registered_node_flattens_through_its_functions():
    class Pair:
        def __init__(self, a, b):
            self.a, self.b = a, b

    pt.register_pytree_node(Pair, lambda p: ([p.a, p.b], None), lambda v, c: Pair(*v))
    leaves, spec = pt.tree_flatten([Pair(1, (2, 3))])
    assert leaves == [1, 2, 3]
    back = pt.tree_unflatten([4, 5, 6], spec)[0]
    assert isinstance(back, Pair) and back.a == 4 and back.b == (5, 6)
    with pytest.raises(ValueError, match="already registered"):
        pt.register_pytree_node(Pair, lambda p: ([], None), lambda v, c: Pair())


def test_node_types_are_keyed_in_supported_nodes_as_torch():
    """``_get_node_type`` gives the key of a tree's node in ``SUPPORTED_NODES``; any namedtuple is
    keyed by ``collections.namedtuple`` (pytorch_lightning's own flatten walks trees this way)."""
    ours = pt
    theirs = pytest.importorskip("torch.utils._pytree")
    point = collections.namedtuple("Point", "x y")
    for tree in (point(1, 2), (1, 2), [1], {"a": 1}, collections.OrderedDict(a=1), 3, "s"):
        assert ours._get_node_type(tree) is theirs._get_node_type(tree)
        assert (ours._get_node_type(tree) in ours.SUPPORTED_NODES) == (
            theirs._get_node_type(tree) in theirs.SUPPORTED_NODES)
    node = ours.SUPPORTED_NODES[ours._get_node_type(point(1, 2))]
    children, context = node.flatten_fn(point(1, 2))
    assert children == [1, 2] and context is point
