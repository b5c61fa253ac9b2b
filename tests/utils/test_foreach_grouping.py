"""``torch.utils._foreach_utils`` (and ``torch._C._group_tensors_by_device_and_dtype``): the
helpers optimizer libraries import to split parameter lists by device and dtype before the
``_foreach_*`` calls, compared with PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk
from gradkit.utils import _foreach_utils as fu

torch = pytest.importorskip("torch")
from torch.utils import _foreach_utils as tfu  # noqa: E402


def _both(values, dtype):
    arr = np.asarray(values, dtype=dtype)
    return gk.tensor(arr), torch.tensor(arr)


def _summary(groups, lib):
    """Each group as (dtype name, [[values or None] per list], indices), sorted by dtype."""
    out = []
    for (device, dtype), (lists, idx) in groups.items():
        assert device == lib.device("cpu")
        out.append((str(dtype).split(".")[-1],
                    [[None if t is None else t.tolist() for t in lst] for lst in lists],
                    list(idx)))
    return sorted(out)


def _inputs():
    a, ta = _both([0.5, 1.5], np.float32)
    b, tb = _both([2.0, 3.0, 4.0], np.float64)
    c, tc = _both([5.0], np.float32)
    return (a, b, c), (ta, tb, tc)


@pytest.mark.parametrize("with_indices", [False, True])
@pytest.mark.parametrize("shape", ["one", "with_none", "empty_second"])
def test_grouping_matches_pytorch(shape, with_indices):
    (a, b, c), (ta, tb, tc) = _inputs()
    mine = {"one": [[a, b, c]], "with_none": [[a, b, c], [None, b, c]],
            "empty_second": [[a, b, c], []]}[shape]
    theirs = {"one": [[ta, tb, tc]], "with_none": [[ta, tb, tc], [None, tb, tc]],
              "empty_second": [[ta, tb, tc], []]}[shape]
    got = fu._group_tensors_by_device_and_dtype(mine, with_indices)
    want = tfu._group_tensors_by_device_and_dtype(theirs, with_indices)
    assert _summary(got, gk) == _summary(want, torch)


def test_groups_hold_the_input_tensors():
    (a, b, c), _ = _inputs()
    groups = gk._C._group_tensors_by_device_and_dtype([[a, b, c]], True)
    (lists, idx), = [v for k, v in groups.items() if k[1] == gk.float32]
    assert lists[0][0] is a and lists[0][1] is c and idx == [0, 2]
    gk._foreach_add_(lists[0], 1.0)
    assert a.tolist() == [1.5, 2.5] and c.tolist() == [6.0]


def test_bad_arguments_raise_pytorchs_types():
    (a, b, c), (ta, tb, tc) = _inputs()
    for mine, theirs, exc in [([[a, b], None], [[ta, tb], None], TypeError),
                              ([[a, b], [1, 2]], [[ta, tb], [1, 2]], TypeError),
                              ([[None, a]], [[None, ta]], RuntimeError),
                              ([[a, b], [a]], [[ta, tb], [ta]], RuntimeError)]:
        with pytest.raises(exc):
            tfu._group_tensors_by_device_and_dtype(theirs, True)
        with pytest.raises(exc, match="_group_tensors_by_device_and_dtype"):
            fu._group_tensors_by_device_and_dtype(mine, True)


def test_support_queries_match_pytorch():
    (a, _, _), (ta, _, _) = _inputs()
    assert fu._get_fused_kernels_supported_devices() == tfu._get_fused_kernels_supported_devices()
    assert (fu._get_foreach_kernels_supported_devices()
            == tfu._get_foreach_kernels_supported_devices())
    assert fu._device_has_foreach_support(gk.device("cpu")) is True
    assert fu._has_foreach_support([a, None], a.device) is tfu._has_foreach_support([ta, None],
                                                                                   ta.device)
    assert fu._has_foreach_support([gk.nn.Parameter(a)], a.device) is False
    assert tfu._has_foreach_support([torch.nn.Parameter(ta)], ta.device) is False


def test_group_order_as_pytorch_for_few_groups():
    """Code that walks the groups (and prints per group) sees PyTorch's order: a hash map's,
    which for a few groups is the reverse of the order they were met."""
    for dtypes in (["float32", "float64"], ["float64", "float32", "float16"],
                   ["int64", "float32"]):
        mine = gk._C._group_tensors_by_device_and_dtype(
            [[gk.zeros(1, dtype=getattr(gk, d)) for d in dtypes]], False)
        theirs = torch._C._group_tensors_by_device_and_dtype(
            [[torch.zeros(1, dtype=getattr(torch, d)) for d in dtypes]], False)
        assert [str(k[1]).split(".")[-1] for k in mine] == \
            [str(k[1]).split(".")[-1] for k in theirs]
