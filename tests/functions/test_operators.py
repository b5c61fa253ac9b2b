"""Tensor's Python operators with a list or tuple operand, against torch."""

import pytest

import gradkit as gk


def _outcome(fn):
    try:
        return ("ok", fn())
    except TypeError as e:
        return ("TypeError", str(e).split(";")[0])


CASES = [
    lambda lib: [0] * lib.tensor(3),  # Opacus: [1] * max_batch_size (a 0-d int tensor)
    lambda lib: lib.tensor([2]) * [7, 8],
    lambda lib: (1, 2) * lib.tensor([2]),
    lambda lib: [1.5] * lib.tensor(2.0),  # not an index: the TypeError of __index__
    lambda lib: [1] * lib.tensor([1, 2]),
    lambda lib: lib.tensor([1]).mul([2]),  # the method and function still refuse a list
    lambda lib: lib.mul(lib.tensor([1]), (2,)),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_sequence_times_tensor_as_torch(torch, case):
    ours = _outcome(lambda: CASES[case](gk))
    theirs = _outcome(lambda: CASES[case](torch))
    assert ours[0] == theirs[0]
    if ours[0] == "ok":
        assert ours[1] == theirs[1] and type(ours[1]) is type(theirs[1])
    elif "index" in theirs[1]:
        assert ours[1] == theirs[1]
    else:
        assert ours[1].startswith("mul(): argument 'other' (position 1) must be Tensor, not")


def test_other_operators_keep_refusing_a_list():
    with pytest.raises(TypeError, match="not list"):
        gk.tensor([1]) + [1, 2]
    with pytest.raises(TypeError, match="not tuple"):
        (1,) - gk.tensor([1])
