"""gradkit.utils._pytree (torch.utils._pytree) against torch's: leaves, specs, maps, nodes."""

import collections

import pytest

from gradkit.utils import _pytree as ours

theirs = pytest.importorskip("torch.utils._pytree")

Point = collections.namedtuple("Point", "x y")
TREES = [
    (1, [2, {"a": 3, "b": None}]),
    {"z": [1, 2], "a": (3,)},
    collections.OrderedDict(b=1, a=[2, 3]),
    Point(1, [2, 3]),
    collections.defaultdict(list, {"k": [1, 2]}),
    collections.deque([1, (2, 3)], maxlen=4),
    [],
    5,
    None,
]


@pytest.mark.parametrize("tree", TREES, ids=range(len(TREES)))
def test_flatten_unflatten_and_spec_text_match_torch(tree):
    leaves, spec = ours.tree_flatten(tree)
    t_leaves, t_spec = theirs.tree_flatten(tree)
    assert leaves == t_leaves
    assert repr(spec) == repr(t_spec)
    assert spec.num_leaves == t_spec.num_leaves
    rebuilt = ours.tree_unflatten([x * 10 if isinstance(x, int) else x for x in leaves], spec)
    expected = theirs.tree_unflatten(
        [x * 10 if isinstance(x, int) else x for x in t_leaves], t_spec
    )
    assert rebuilt == expected and type(rebuilt) is type(expected)


def test_maps_paths_and_dict_helpers_match_torch():
    tree = (1, {"a": 2, "b": [3, "s"]})
    assert ours.tree_map(lambda a, b: a + b, (1, 2), (3, 4)) == theirs.tree_map(
        lambda a, b: a + b, (1, 2), (3, 4)
    )
    assert ours.tree_map_only(int, lambda x: -x, tree) == theirs.tree_map_only(
        int, lambda x: -x, tree
    )
    assert ours.tree_leaves(tree, is_leaf=lambda x: isinstance(x, list)) == theirs.tree_leaves(
        tree, is_leaf=lambda x: isinstance(x, list)
    )
    got, _ = ours.tree_flatten_with_path(tree)
    want, _ = theirs.tree_flatten_with_path(tree)
    assert [("".join(map(str, p)), v) for p, v in got] == [
        ("".join(map(str, p)), v) for p, v in want
    ]
    assert ours._dict_flatten({"a": 1}) == theirs._dict_flatten({"a": 1})
    assert ours._dict_unflatten([1], ["a"]) == theirs._dict_unflatten([1], ["a"])


def test_registered_class_flattens_and_double_registration_and_bad_leaves_raise():
    class Box:
        def __init__(self, items):
            self.items = items

    ours.register_pytree_node(
        Box,
        lambda b: (b.items, None),
        lambda v, c: Box(list(v)),
        flatten_with_keys_fn=lambda b: (
            [(ours.SequenceKey(i), v) for i, v in enumerate(b.items)],
            None,
        ),
    )
    try:
        leaves, spec = ours.tree_flatten([Box([1, 2]), 3])
        assert leaves == [1, 2, 3]
        assert ours.tree_unflatten([4, 5, 6], spec)[0].items == [4, 5]
        with pytest.raises(ValueError, match="already registered"):
            ours.register_pytree_node(Box, None, None)
    finally:
        del ours.SUPPORTED_NODES[Box]
    with pytest.raises(ValueError, match="has length 1"):
        ours.tree_unflatten([1], ours.tree_structure((1, 2)))
    with pytest.raises(ValueError, match="already registered"):
        ours.register_pytree_node(tuple, None, None)
