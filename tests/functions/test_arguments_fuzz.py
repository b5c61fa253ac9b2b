"""Argument checks in PyTorch's order and with its exception types: the fuzzer's findings
(tests/fuzz) on list inputs and on out= checks, each against PyTorch."""

import pytest

import gradkit as gk
from gradkit.functions._args import NotATensorError

torch = pytest.importorskip("torch")

L = [[1.0, 2.0], [3.0, 4.0]]

CASES = {
    # torch/functional.py's Python functions: AttributeError on a list
    "split": lambda m: m.split(L, 1),
    "split_sections": lambda m: m.split(L, [1, 1], dim=1),
    "norm": lambda m: m.norm(L),
    "norm_dim": lambda m: m.norm(L, 1, dim=1, keepdim=True),
    "tensordot_a": lambda m: m.tensordot(L, m.zeros(2, 2)),
    "tensordot_b": lambda m: m.tensordot(m.zeros(2, 2), L),
    # the argument parser refuses a list input before any check of out=
    "logsumexp_out": lambda m: m.logsumexp(L, 0, out=m.empty(2)),
    "any_out": lambda m: m.any(L, out=m.empty(2)),
    # gcd/lcm take Tensors only
    "lcm_int": lambda m: m.lcm(m.ones(2, dtype=m.int64), 6),
    "gcd_int": lambda m: m.ones(2, dtype=m.int64).gcd(6),
    "gcd_int_input": lambda m: m.gcd(6, m.ones(2, dtype=m.int64)),
    # cat/stack: their shape checks come before out's dtype
    "stack_out_sizes": lambda m: m.stack([m.zeros(2, 0), m.zeros(2, 3)], 1,
                                         out=m.empty(0, dtype=m.bool)),
    "cat_out_0d": lambda m: m.cat([m.zeros(2, 3, dtype=m.uint8), m.tensor(-0.25)], dim=1,
                                  out=m.empty(0, dtype=m.uint8)),
    "cat_out_dtype": lambda m: m.cat([m.zeros(2, 3), m.zeros(2, 4)], dim=0,
                                     out=m.empty(0, dtype=m.bool)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_error_type_as_torch(name):
    with pytest.raises(Exception) as te:
        CASES[name](torch)
    with pytest.raises(type(te.value)):
        CASES[name](gk)


def test_list_to_python_level_functions_says_what_to_pass():
    with pytest.raises(NotATensorError, match=r"split\(\): argument 'tensor' must be a Tensor, "
                                              r"not list"):
        gk.split(L, 1)
    assert issubclass(NotATensorError, AttributeError)
