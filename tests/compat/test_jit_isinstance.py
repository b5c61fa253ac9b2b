"""``torch.jit.isinstance`` (container type refinement in eager mode) against PyTorch."""

from typing import Dict, List, Optional, Tuple, Union

import pytest

import gradkit as gk
from gradkit.compat import jit

CASES = [
    ([1, 2], List[int]), ([1, "a"], List[int]), ([], List[str]), ((1, 2), List[int]),
    ({"a": 1}, Dict[str, int]), ({"a": "b"}, Dict[str, int]), ({1: 1}, Dict[str, int]),
    ((1, "a"), Tuple[int, str]), ((1, "a", 2), Tuple[int, str]), ((1, 2, 3), Tuple[int, ...]),
    (None, Optional[int]), (3, Optional[int]), ("x", Optional[int]),
    (3, Union[int, str]), (2.5, Union[int, str]),
    ([[1], [2, 3]], List[List[int]]), ([[1], ["a"]], List[List[int]]),
    (3, (str, int)), (3.0, (str, int)), (True, int), ("s", str),
]


@pytest.mark.parametrize("i", range(len(CASES)))
def test_jit_isinstance_refines_containers_as_torch(i):
    torch = pytest.importorskip("torch")
    obj, target = CASES[i]
    assert jit.isinstance(obj, target) == torch.jit.isinstance(obj, target)


def test_jit_isinstance_on_tensors_and_bad_targets():
    t = gk.zeros(2)
    assert jit.isinstance(t, gk.Tensor)
    assert jit.isinstance([t, t], List[gk.Tensor])
    assert not jit.isinstance(None, gk.Tensor)
    assert jit.isinstance(None, Optional[gk.Tensor])
    with pytest.raises(RuntimeError, match="must be a type or a tuple of types"):
        jit.isinstance(1, [int])
