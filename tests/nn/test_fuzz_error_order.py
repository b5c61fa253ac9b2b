"""Findings of the nn fuzzer (``tests/fuzz/nn_fuzzer.py``): inputs both libraries refuse, where
gradkit raised another exception type than PyTorch because it checked in another order or with
another type; and the few wrong values found beside them. Each case runs in both libraries
(``oracle.same_as_torch``: the same exception type, or the same values)."""

from __future__ import annotations

import pytest
from oracle import same_as_torch


def F(L):
    return L.nn.functional


# ------------------------------------------------------------------ losses
@pytest.mark.parametrize("fn", [
    # a class-index target whose batch size is not the input's: ValueError, a 0-D target's
    # batch size read as 0
    lambda L: F(L).nll_loss(L.zeros(1, 5), L.tensor(0)),
    lambda L: F(L).nll_loss(L.zeros(1, 2, 3), L.tensor([1, 0])),
    lambda L: F(L).nll_loss(L.zeros(4, 5), L.zeros(1, 4, dtype=L.int64)),
    lambda L: F(L).cross_entropy(L.zeros(3, 5, 1), L.zeros(1, 3, 1, dtype=L.int64)),
    lambda L: F(L).cross_entropy(L.zeros(2, 5), L.tensor(4)),
    lambda L: F(L).nll_loss(L.zeros(()), L.tensor(0)),
    # multilabel_soft_margin_loss in PyTorch's order: the elementwise loss, the class dim, the
    # reduction
    lambda L: F(L).multilabel_soft_margin_loss(L.tensor(1.3), L.tensor(0.6)),
    lambda L: F(L).multilabel_soft_margin_loss(L.tensor(1.3), L.tensor([0.6, 0.1])),
    lambda L: F(L).multilabel_soft_margin_loss(L.zeros(4), L.zeros(0)),
    lambda L: F(L).multilabel_soft_margin_loss(L.zeros(2, 3), L.zeros(2, 4)),
    lambda L: F(L).multilabel_soft_margin_loss(L.zeros(2, 3), L.zeros(1, 3)),  # broadcasts
    lambda L: F(L).multilabel_soft_margin_loss(L.zeros(2, 3, dtype=L.int64), L.zeros(2, 3)),
    lambda L: F(L).multilabel_soft_margin_loss(L.tensor(0.5), L.tensor(False)),
    lambda L: F(L).multilabel_soft_margin_loss(L.tensor(0.5), L.tensor(1.0), reduction="x"),
    lambda L: L.nn.MultiLabelSoftMarginLoss(reduction="")(L.tensor(0.5), L.tensor([1.0])),
    lambda L: F(L).logsigmoid(L.tensor(True)),
    lambda L: F(L).logsigmoid(L.ones(2, dtype=L.int32)),
    lambda L: F(L).leaky_relu(L.ones(2, dtype=L.int32)),
    lambda L: F(L).leaky_relu_(L.ones(2, 3, dtype=L.uint8)),
    # multilabel_margin_loss: shapes, then the input's dtype, the target's dtype, its values
    lambda L: F(L).multilabel_margin_loss(L.tensor(0.5), L.tensor([0])),
    lambda L: F(L).multilabel_margin_loss(L.tensor(0.5), L.tensor([[0], [-1]])),
    lambda L: F(L).multilabel_margin_loss(L.zeros(3, 0), L.zeros(3, 4, dtype=L.int64)),
    lambda L: F(L).multilabel_margin_loss(L.zeros(1, 1), L.zeros(0, 1, dtype=L.int64)),
    lambda L: F(L).multilabel_margin_loss(L.zeros(2), L.zeros(2, 2, dtype=L.int64)),
    lambda L: F(L).multilabel_margin_loss(L.zeros(3, 2, dtype=L.int64), L.zeros(3, 2) > 0),
    lambda L: F(L).multilabel_margin_loss(L.zeros(1, 3, dtype=L.float16),
                                          L.zeros(1, 3, dtype=L.int64)),
    lambda L: F(L).multilabel_margin_loss(L.zeros(1, 3), L.zeros(1, 3, dtype=L.float64)),
    lambda L: F(L).multilabel_margin_loss(L.zeros(1, 2), L.tensor([[0, 5]])),
    lambda L: F(L).multilabel_margin_loss(L.tensor([[0.5, 1.0, 2.0]]), L.tensor([[2, 0, -1]]),
                                          reduction="none"),
    # triplet_margin_with_distance_loss: inputs of different ranks
    lambda L: F(L).triplet_margin_with_distance_loss(L.zeros(3, 1), L.tensor(0.1),
                                                     L.zeros(3, 1)),
    # a bool operand of input - target
    lambda L: F(L).l1_loss(L.zeros(2, 3) > 0, L.zeros(2, 3)),
    lambda L: F(L).gaussian_nll_loss(L.zeros(2, 3), L.zeros(2, 3) > 0, L.ones(2, 3)),
    # an integer var (clamped in place at eps) and the reduction checked after var's size
    lambda L: F(L).gaussian_nll_loss(L.zeros(3, 1), L.zeros(3, 1), L.ones(3, 1, dtype=L.int64)),
    lambda L: F(L).gaussian_nll_loss(L.zeros(3, 1), L.zeros(3, 1), L.ones(3, 1),
                                     reduction="x"),
    lambda L: F(L).gaussian_nll_loss(L.zeros(3, 2), L.zeros(3, 2), L.ones(2, 3),
                                     reduction="x"),
    # a loss module takes any reduction string; its forward refuses a bad one
    lambda L: L.nn.L1Loss(reduction="avg")(L.zeros(2), L.zeros(2)),
])
def test_loss_errors_in_torch_order(torch, fn):
    same_as_torch(torch, fn)
