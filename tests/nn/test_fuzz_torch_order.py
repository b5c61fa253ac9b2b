"""Findings of the nn fuzzer (``tests/fuzz/nn_fuzzer.py``, seeds 1-6): arguments PyTorch checks
in another order than gradkit did (or not at all), so gradkit raised another exception type, or
refused what PyTorch takes. Each case runs in both libraries (``oracle.same_as_torch``: the same
exception type, or the same values)."""

from __future__ import annotations

import pytest
from oracle import same_as_torch


def F(L):
    return L.nn.functional


def _mha(L, w, b, q=None, self_attn=False, kv_same=False):
    q = L.ones(3, 2, 4, dtype=L.float64) if q is None else q
    k = q if self_attn else L.ones(2, 2, 4, dtype=L.float64)
    v = k if (self_attn or kv_same) else L.ones(2, 2, 4, dtype=L.float64)
    return F(L).multi_head_attention_forward(
        q, k, v, 4, 2, w, b, None, None, False, 0.0, L.ones(4, 4, dtype=L.float64),
        L.zeros(4, dtype=L.float64), training=False, need_weights=False)[0]


CASES = [
    # batch_norm in training: torch.nn.functional's batch-size check (ValueError) comes before
    # the arguments' types (TypeError) and the shapes; a 0-D input fails on its size[0]
    lambda L: F(L).batch_norm(L.ones(1, 1), None, [1.0], training=True),
    lambda L: F(L).batch_norm(L.ones(1), None, None, training=True),
    lambda L: F(L).batch_norm(L.tensor(1.0), None, None, training=True),
    lambda L: F(L).batch_norm(L.ones(1, 1), None, [1.0], training=False),
    # multi_head_attention_forward cuts the packed projection with chunk(3) (key is not value)
    # or split([E, 2E]) (key is value): a 0-D or short weight/bias fails as in PyTorch
    lambda L: _mha(L, L.ones(12, 4, dtype=L.float64), L.tensor(0.5, dtype=L.float64)),
    lambda L: _mha(L, L.tensor(0.5, dtype=L.float64), None),
    lambda L: _mha(L, L.ones(12, 4, dtype=L.float64), L.ones(1, 12, dtype=L.float64)),
    lambda L: _mha(L, L.ones(12, 4, dtype=L.float64), L.ones(2, dtype=L.float64)),
    lambda L: _mha(L, L.ones(12, 4, dtype=L.float64), L.ones(9, dtype=L.float64), kv_same=True),
    lambda L: _mha(L, L.ones(12, 4, dtype=L.float64), L.ones(12, dtype=L.float64), kv_same=True),
    lambda L: _mha(L, L.ones(12, 4, dtype=L.float64), L.ones(12, dtype=L.float64)),
    # constructors take what PyTorch's take: the forward decides
    lambda L: L.nn.BatchNorm1d(2, momentum=2.0).double()(
        L.tensor([[1.0, 2.0], [4.0, 3.0], [0.5, 7.0]], dtype=L.float64)),
    lambda L: L.nn.BatchNorm1d(2, momentum=-0.5).eval()(L.arange(6.0).reshape(3, 2)),
    lambda L: L.nn.InstanceNorm1d(2, momentum=-0.5)(L.ones(2, 2, 3, dtype=L.bool)),
    lambda L: L.nn.BatchNorm1d(2, eps=-1.0).eval()(L.arange(6.0).reshape(3, 2)),
    lambda L: L.nn.GroupNorm(1, 0)(L.ones(2, 3, 3)),
    lambda L: L.nn.GroupNorm(1, 0)(L.ones(2, 0, 3)),
    lambda L: L.nn.GroupNorm(-2, 4)(L.ones(2, 4)),
    lambda L: L.nn.GroupNorm(2, -4),
    lambda L: L.nn.GroupNorm(3, 4),
    lambda L: L.nn.SmoothL1Loss(beta=-1.0)(L.ones(3, 0), L.ones(3, 1)),
    lambda L: L.nn.SmoothL1Loss(beta=-1.0)(L.ones(3), L.ones(3)),
]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("fn", CASES)
def test_same_outcome_as_torch(torch, fn):
    same_as_torch(torch, fn)
