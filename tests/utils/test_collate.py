"""default_collate / default_convert against torch.utils.data on the same structures."""

from collections import namedtuple

import numpy as np
import pytest

import gradkit as gk
from gradkit.utils.data import default_collate, default_convert

Point = namedtuple("Point", ["x", "y"])


def _to_torch(torch, obj):
    """The same structure with gradkit tensors replaced by torch tensors."""
    if isinstance(obj, gk.Tensor):
        return torch.from_numpy(obj.numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_torch(torch, v) for k, v in obj.items()}
    if isinstance(obj, Point):
        return Point(*(_to_torch(torch, v) for v in obj))
    if isinstance(obj, tuple):
        return tuple(_to_torch(torch, v) for v in obj)
    if isinstance(obj, list):
        return [_to_torch(torch, v) for v in obj]
    return obj


def _assert_same(torch, ours, theirs, where="batch"):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, gk.Tensor), f"{where}: expected a Tensor, got {type(ours)}"
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "gradkit."), where
        assert tuple(ours.shape) == tuple(theirs.shape), where
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=where)
        return
    assert type(ours) is type(theirs), f"{where}: {type(ours)} vs {type(theirs)}"
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs), where
        for k in theirs:
            _assert_same(torch, ours[k], theirs[k], f"{where}[{k!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _assert_same(torch, a, b, f"{where}[{i}]")
    else:
        assert ours == theirs, where


def _samples(rng):
    return {
        "tensors": [gk.tensor(rng.standard_normal((2, 3)).astype(np.float32)) for _ in range(4)],
        "int_tensors_0d": [gk.tensor(i) for i in range(5)],
        "ints": [1, 2, 3],
        "floats": [0.5, 1.5, -2.0],
        "bools": [True, False, True],
        "mixed_int_float": [1, 2.5, 3],
        "strings": ["a", "bb", "c"],
        "numpy_arrays": [rng.standard_normal(4).astype(np.float32) for _ in range(3)],
        "numpy_int_arrays": [np.arange(3, dtype=np.int32) + i for i in range(3)],
        "numpy_scalars_f64": [np.float64(1.5), np.float64(2.5)],
        "numpy_scalars_f32": [np.float32(1.5), np.float32(2.5)],
        "numpy_scalars_i16": [np.int16(3), np.int16(4)],
        "tuples": [(gk.tensor([1.0, 2.0]), 0), (gk.tensor([3.0, 4.0]), 1)],
        "lists": [[1, 2.0, "x"], [3, 4.0, "y"]],
        "dicts": [{"img": gk.ones(2, 2), "label": 3, "name": "a"},
                  {"img": gk.zeros(2, 2), "label": 4, "name": "b"}],
        "namedtuples": [Point(1.0, gk.tensor([1, 2])), Point(2.0, gk.tensor([3, 4]))],
        "nested": [{"a": (1, [2.0, 3.0]), "b": {"c": np.array([1, 2], dtype=np.uint8)}},
                   {"a": (4, [5.0, 6.0]), "b": {"c": np.array([3, 4], dtype=np.uint8)}}],
        "float64_tensor": [gk.tensor([1.0], dtype=gk.float64), gk.tensor([2.0], dtype=gk.float64)],
    }


@pytest.mark.parametrize("case", list(_samples(np.random.default_rng(0))))
def test_default_collate_matches_torch(torch, case):
    from torch.utils.data import default_collate as torch_collate

    batch = _samples(np.random.default_rng(0))[case]
    ours = default_collate(batch)
    theirs = torch_collate(_to_torch(torch, batch))
    _assert_same(torch, ours, theirs)


@pytest.mark.parametrize("case", ["tuples", "dicts", "numpy_arrays", "numpy_scalars_f32",
                                  "namedtuples", "strings", "ints"])
def test_default_convert_matches_torch(torch, case):
    from torch.utils.data import default_convert as torch_convert

    sample = _samples(np.random.default_rng(0))[case][0]
    _assert_same(torch, default_convert(sample), torch_convert(_to_torch(torch, sample)))


def test_collate_stacks_without_sharing_memory():
    a, b = gk.tensor([1.0, 2.0]), gk.tensor([3.0, 4.0])
    out = default_collate([a, b])
    out[0, 0] = 10.0
    assert a.tolist() == [1.0, 2.0]


def test_collate_keeps_autograd():
    a = gk.tensor([1.0, 2.0], requires_grad=True)
    out = default_collate([a, a * 2])
    out.sum().backward()
    assert a.grad.tolist() == [3.0, 3.0]


def test_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([gk.zeros(2), gk.zeros(3)])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_collate_ragged_arrays_name_the_offending_entry():
    # torch: "stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at
    # entry 2"; gradkit listed the set of shapes without saying which sample differs
    batch = [np.ones(2), np.ones(2), np.ones(3)]
    with pytest.raises(RuntimeError, match=r"got \[2\] at entry 0 and \[3\] at entry 2"):
        default_collate(batch)


class _Box:
    """A sample type default_collate does not know."""

    def __init__(self, v):
        self.v = v


def _collate_box(batch, *, collate_fn_map=None):
    return [b.v * 10 for b in batch]


def test_collate_registry_names_match_torch_private_module():
    torch = pytest.importorskip("torch")
    from torch.utils.data._utils import collate as tc

    from gradkit.utils.data import collate as gc
    for name in ("collate", "collate_tensor_fn", "collate_numpy_array_fn",
                 "collate_numpy_scalar_fn", "collate_float_fn", "collate_int_fn",
                 "collate_str_fn", "default_collate_fn_map", "default_collate_err_msg_format",
                 "np_str_obj_array_pattern"):
        assert hasattr(gc, name), name
    assert gc.np_str_obj_array_pattern.pattern == tc.np_str_obj_array_pattern.pattern
    assert gc.default_collate_err_msg_format == tc.default_collate_err_msg_format
    keys = [k.__name__ if isinstance(k, type) else tuple(t.__name__ for t in k)
            for k in tc.default_collate_fn_map]
    ours = [k.__name__ if isinstance(k, type) else tuple(t.__name__ for t in k)
            for k in gc.default_collate_fn_map]
    assert ours == keys
    # a custom map that knows only tensors: containers are still walked with it
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 2)).astype(np.float32)
    b = rng.standard_normal((2, 2)).astype(np.float32)
    batch = [{"img": gk.tensor(a), "n": [gk.tensor(1.0)]},
             {"img": gk.tensor(b), "n": [gk.tensor(2.0)]}]
    ours = gc.collate(batch, collate_fn_map={gk.Tensor: gc.collate_tensor_fn})
    theirs = tc.collate(_to_torch(torch, batch),
                        collate_fn_map={torch.Tensor: tc.collate_tensor_fn})
    _assert_same(torch, ours, theirs)


def test_default_collate_follows_an_extended_default_map():
    from gradkit.utils.data import collate as gc
    gc.default_collate_fn_map[_Box] = _collate_box
    try:
        out = default_collate([(_Box(1), 0.5), (_Box(2), 1.5)])
    finally:
        del gc.default_collate_fn_map[_Box]
    assert out[0] == [10, 20]
    np.testing.assert_array_equal(out[1].numpy(), [0.5, 1.5])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([_Box(1), _Box(2)])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        gc.collate_numpy_array_fn([np.array(["a"]), np.array(["b"])])
