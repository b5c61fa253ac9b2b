"""The output layout of an elementwise op (``_stride_order.elementwise_strides``, PyTorch's
TensorIterator rule) against torch's on random shapes and layouts: row-major, permuted,
sliced, expanded, channels-last and 0-d operands, broadcast against each other."""

import random

import numpy as np
import pytest

import gradkit as gk
from gradkit._stride_order import elementwise_strides

torch = pytest.importorskip("torch")

_KINDS = ("row", "permuted", "sliced", "expanded", "channels_last", "scalar")


def _recipe(rng, shape):
    kind = rng.choice(_KINDS)
    if kind == "channels_last" and len(shape) != 4 or kind == "permuted" and len(shape) < 2:
        kind = "row"
    order = list(range(len(shape)))
    rng.shuffle(order)
    kept = [1 if rng.random() < 0.5 else n for n in shape]
    return kind, tuple(shape), order, kept


def _build(L, recipe, values):
    kind, shape, order, kept = recipe
    if kind == "permuted":
        raw = L.tensor(values([shape[d] for d in order]))
        return raw.permute(*[order.index(d) for d in range(len(shape))])
    if kind == "sliced":
        return L.tensor(values([2 * n for n in shape]))[tuple(slice(None, None, 2) for _ in shape)]
    if kind == "expanded":
        return L.tensor(values(kept)).expand(tuple(shape))
    if kind == "channels_last":
        return L.tensor(values(shape)).contiguous(memory_format=L.channels_last)
    if kind == "scalar":
        return L.tensor(1.5)
    return L.tensor(values(shape))


def _values(seed):
    gen = np.random.default_rng(seed)
    return lambda shape: gen.standard_normal(shape).astype(np.float32)


def _case(seed):
    rng = random.Random(seed)
    shape = [rng.choice((1, 2, 3, 4)) for _ in range(rng.randint(1, 4))]

    def part():
        if rng.random() < 0.5:
            return shape
        tail = shape[len(shape) - rng.randint(0, len(shape)):]
        return [n if rng.random() < 0.7 else 1 for n in tail]
    return [_recipe(rng, part()) for _ in range(rng.choice((1, 2, 2, 3)))]


@pytest.mark.parametrize("seed", range(400))
def test_elementwise_strides_as_torch(seed):
    recipes = _case(seed)
    values = _values(seed)
    ops = [_build(torch, r, values) for r in recipes]
    described = [(tuple(o.shape), tuple(o.stride())) for o in ops]
    if len(ops) == 1:
        out, described = ops[0] * 2.0, described + [((), ())]  # (a number is a 0-d operand)
    elif len(ops) == 2:
        out = ops[0] + ops[1]
    else:
        out = torch.addcmul(*ops)
    assert elementwise_strides(tuple(out.shape), described) == out.stride()


_BINARY = {
    "add": lambda L, a, b: a + b,
    "mul": lambda L, a, b: a * b,
    "sub_alpha": lambda L, a, b: L.sub(a, b, alpha=2),
    "maximum": lambda L, a, b: L.maximum(a, b),
    "atan2": lambda L, a, b: L.atan2(a, b),
    "gt": lambda L, a, b: a > b,
    "eq": lambda L, a, b: a == b,
    "logical_and": lambda L, a, b: L.logical_and(a, b),
    "where": lambda L, a, b: L.where(a > 0, a, b),
    "lerp": lambda L, a, b: L.lerp(a, b, 0.5),
    "addcmul": lambda L, a, b: L.addcmul(a, a, b),
    "add_out": lambda L, a, b: L.add(a, b, out=L.empty(0)),
    "bitwise_and": lambda L, a, b: (a > 0) & (b > 0),
    "masked_fill": lambda L, a, b: a.masked_fill(b > 0, 1.0),
}


def _order(t):
    """The strides of the dims that are not size 1 (the order memory is walked in)."""
    return tuple(s for s, n in zip(t.stride(), t.shape) if n != 1)


@pytest.mark.parametrize("name", sorted(_BINARY))
@pytest.mark.parametrize("seed", range(40))
def test_elementwise_ops_lay_out_as_torch(name, seed):
    rng = random.Random(seed)
    shape = [rng.choice((2, 3, 4)) for _ in range(rng.randint(2, 4))]
    ra, rb = _recipe(rng, shape), _recipe(rng, shape[rng.randint(0, len(shape) - 1):])
    outs = []
    for L in (gk, torch):
        values = _values(seed)
        a, b = (_build(L, r, values) for r in (ra, rb))
        outs.append(_BINARY[name](L, a, b))
    ours, theirs = outs
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert _order(ours) == _order(theirs)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
