"""Findings of the nn fuzzer (``tests/fuzz/nn_fuzzer.py``, seeds 1-6): arguments PyTorch checks
in another order than gradkit did (or not at all), so gradkit raised another exception type, or
refused what PyTorch takes. Each case runs in both libraries (``oracle.same_as_torch``: the same
exception type, or the same values)."""

from __future__ import annotations

import pytest
from oracle import same_as_torch

import gradkit as gk


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
    # ... a 0-D weight fails its chunk(3) before the packed bias (a list) is read
    lambda L: _mha(L, L.tensor(0.5, dtype=L.float64), [0.5] * 12),
    lambda L: _mha(L, L.tensor(0.5, dtype=L.float64), [0.5] * 12, kv_same=True),
    lambda L: _mha(L, L.ones(12, 4, dtype=L.float64), [0.5] * 12),
    lambda L: _mha(L, L.ones(12, 4, dtype=L.float64), [0.5] * 12, self_attn=True),
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
    lambda L: L.nn.GroupNorm(1, 2).double()(L.ones(1, 1, 1, dtype=L.float64)),
    lambda L: L.nn.GroupNorm(1, 2)(L.ones(2, 3, 4)),
    lambda L: L.nn.GroupNorm(1, 2, affine=False)(L.ones(2, 3, 4)),
    lambda L: L.nn.GroupNorm(2, 2, affine=False)(L.ones(2, 3, 4)),
    lambda L: L.nn.GroupNorm(1, 2)(L.ones(3)),
    # MultiheadAttention's projection of a negative kdim/vdim: torch.empty's RuntimeError
    lambda L: L.nn.MultiheadAttention(2, 2, kdim=-3, vdim=2),
    lambda L: L.nn.MultiheadAttention(2, 2, kdim=2, vdim=-1),
    lambda L: L.nn.SmoothL1Loss(beta=-1.0)(L.ones(3, 0), L.ones(3, 1)),
    lambda L: L.nn.SmoothL1Loss(beta=-1.0)(L.ones(3), L.ones(3)),
    lambda L: L.nn.LayerNorm([0])(L.ones(3, 0)),
    lambda L: L.nn.LayerNorm([4, 0])(L.ones(2, 4, 0, dtype=L.float64)),
    lambda L: L.nn.LayerNorm([0])(L.tensor(0.5)),
    lambda L: L.nn.LayerNorm([])(L.ones(3, 2)),
    lambda L: L.nn.LayerNorm([1.5]),
    # batch_norm: ATen's eps check before the shapes (NaN passes; 0 only in evaluation)
    lambda L: F(L).batch_norm(L.ones(3, 2), L.ones(5), L.ones(5), eps=-1.0),
    lambda L: F(L).batch_norm(L.ones(3, 2), L.ones(2), L.ones(2), eps=0.0, training=True),
    lambda L: F(L).batch_norm(L.ones(3, 2), L.ones(2), L.ones(2), eps=0.0),
    lambda L: L.nn.BatchNorm1d(2, eps=-1.0).eval()(L.arange(6.0).reshape(3, 2)),
    # a C++-bound loss reads its reduction before its arguments' types
    lambda L: F(L).multilabel_margin_loss(L.zeros(3, 2), [[-1, -1]] * 3, reduction=""),
    lambda L: F(L).multi_margin_loss(L.zeros(3, 2), [0, 1, 1], reduction="x"),
    lambda L: F(L).nll_loss(L.zeros(3, 2), [0, 1, 1], reduction="x"),
    lambda L: F(L).multilabel_margin_loss(L.zeros(3, 2), [[-1, -1]] * 3, reduce=False),
    # multilabel_soft_margin_loss multiplies a number target in (PyTorch's Python code)
    lambda L: F(L).multilabel_soft_margin_loss(L.ones(2, 3), 0.4),
    lambda L: F(L).multilabel_soft_margin_loss(L.ones(2, 3, dtype=L.bfloat16), 1),
    lambda L: F(L).multilabel_soft_margin_loss(L.tensor(1.5, dtype=L.bfloat16), 0.4),
    lambda L: F(L).multilabel_soft_margin_loss(L.ones(2, 3), [[1.0, 0.0, 1.0]] * 2),
    # group_norm: torch.nn.functional's rank check (RuntimeError), num_groups=0 (its floor
    # division), the values per group, then ATen's
    lambda L: F(L).group_norm(L.tensor(1.0), 1),
    lambda L: F(L).group_norm(L.ones(3), 1),
    lambda L: F(L).group_norm(L.ones(1, 2), 2),
    lambda L: F(L).group_norm(L.ones(1, 2), 0),
    lambda L: F(L).group_norm(L.ones(1, 2), -1),
    lambda L: F(L).group_norm(L.ones(1, 2), 3),
    lambda L: F(L).group_norm(L.ones(2, 2), 2, L.ones(3)),
    # Embedding: the indices' dtype before their range
    lambda L: L.nn.Embedding(2, 1)(L.tensor([0, 3], dtype=L.uint8)),
    lambda L: L.nn.Embedding(2, 1)(L.tensor([0, 3])),
    # a padding_mode convolution pads with F.pad first (its errors first)
    lambda L: L.nn.Conv2d(2, 2, 3, padding=1, padding_mode="reflect")(L.ones(5, 3)),
    lambda L: L.nn.Conv2d(2, 2, 3, padding=3, padding_mode="reflect")(L.ones(1, 2, 3, 3)),
    lambda L: L.nn.Conv1d(1, 1, 2, padding=1, padding_mode="circular")(L.ones(1, 1, 0)),
    # RNNs: PyTorch's check_input (the dtype first), then its kernel's (no steps, a state of
    # another dtype)
    lambda L: L.nn.RNN(3, 1, num_layers=2).to(L.bfloat16)(L.ones(2, 1, 3), L.ones(2, 2, 1)),
    lambda L: L.nn.LSTM(2, 3)(L.ones(1, 1, 2, dtype=L.float64), (L.ones(1, 1, 4), L.ones(1, 1, 3))),
    lambda L: L.nn.LSTM(2, 3)(L.ones(0, 1, 2)),
    lambda L: L.nn.GRU(2, 3, batch_first=True)(L.ones(2, 0, 2)),
    lambda L: L.nn.LSTM(2, 3)(L.ones(1, 1, 2), (L.ones(1, 1, 3, dtype=L.float64), L.ones(1, 1, 3))),
    lambda L: L.nn.LSTM(2, 3)(L.ones(1, 1, 2), (L.ones(1, 1, 3), L.ones(1, 1, 3, dtype=L.float64))),
    lambda L: L.nn.GRU(2, 3)(L.ones(1, 1, 2), L.ones(1, 1, 3, dtype=L.float64)),
    lambda L: L.nn.LSTM(2, 3)(L.ones(3, 0, 2))[0],
    # a NaN dropout probability is refused in evaluation too
    lambda L: L.nn.Dropout(float("nan")).eval()(L.ones(2)),
    lambda L: L.nn.TransformerEncoderLayer(4, 1, dim_feedforward=4, dropout=float("nan"))
    .eval()(L.ones(2, 4)),
    # nll_loss / cross_entropy of a 1-D input take a 1-D target of one class
    lambda L: F(L).nll_loss(L.zeros(4), L.tensor([2, 2, 3, 2])),
    lambda L: F(L).nll_loss(L.arange(4.0), L.tensor([2])),
    lambda L: F(L).nll_loss(L.zeros(4), L.tensor([[2]])),
    lambda L: F(L).nll_loss(L.zeros(4), L.zeros(0, dtype=L.int64)),
    lambda L: F(L).cross_entropy(L.arange(4.0), L.tensor([2]), reduction="none"),
    # dropout2d/dropout3d check the rank only where noise is drawn (ATen's feature noise);
    # dropout3d takes any rank but 5 as unbatched
    lambda L: L.nn.Dropout2d(0.0).eval()(L.tensor(0.5)),
    lambda L: F(L).dropout2d(L.ones(3), 0.5, training=False),
    lambda L: F(L).dropout2d(L.ones(3), 0.5, training=True),
    lambda L: F(L).dropout2d(L.ones(3), 1.0, training=True),
    lambda L: F(L).dropout3d(L.ones(1, 3, 1, 2, 1, 1), 1.0, training=True),
    lambda L: F(L).dropout3d(L.ones(3), 0.0, training=True),
    lambda L: F(L).dropout3d(L.tensor(0.5), 0.5, training=True),
    lambda L: F(L).dropout3d(L.tensor(0.5), 0.5, training=False),
    lambda L: F(L).dropout1d(L.ones(3), 0.5, training=False),
    # AdaptiveLogSoftmaxWithLoss reads input.size(0) first
    lambda L: L.nn.AdaptiveLogSoftmaxWithLoss(2, 5, [2, 4])(L.tensor(1.5), L.tensor([1, 1])),
    # fold/unfold: every pair's length, then the bounds, then the input's rank
    lambda L: F(L).unfold(L.tensor(1.0), (2,)),
    lambda L: F(L).unfold(L.tensor(1.0), (3, 1)),
    lambda L: F(L).unfold(L.ones(3, 3), (3, 1)),
    lambda L: F(L).unfold(L.ones(2, 2, 3, 3, 3), 1),
    lambda L: F(L).unfold(L.ones(1, 1, 3, 3), 2, stride=0, padding=(1, 1, 1)),
    lambda L: F(L).fold(L.ones(1, 12, 4), (3, 3), (2,)),
    lambda L: F(L).fold(L.tensor(1.0), (3,), 2),
    lambda L: L.nn.Unfold((1, 1))(L.tensor(0.5)),
    # max_pool3d(return_indices=True) is PyTorch Python code (AttributeError for a list)
    lambda L: F(L).max_pool3d([[[[[1.0, 2.0]]]]], 1, return_indices=True),
    lambda L: F(L).max_pool3d([[[[[1.0, 2.0]]]]], 1),
    # TransformerDecoderLayer: memory is checked by the attention over it
    lambda L: L.nn.TransformerDecoderLayer(4, 2, dim_feedforward=2, dropout=0.0,
                                           batch_first=True)(L.ones(1, 3, 4), L.tensor(True)),
    lambda L: L.nn.TransformerDecoderLayer(4, 1, dim_feedforward=4, dropout=0.0)(
        L.ones(2, 2, 4), [[[0.5] * 4] * 2]),
    # loss modules: the functional's order (the reduction string first where PyTorch's is)
    lambda L: L.nn.NLLLoss(reduction="bogus")([[0.5, 0.7]], L.tensor([1])),
    lambda L: L.nn.TripletMarginWithDistanceLoss(reduction="MEAN")(
        [[1.0, 2.0]], L.ones(1, 2), L.ones(1, 2)),
    lambda L: L.nn.MultiLabelSoftMarginLoss(reduction="MEAN")(L.tensor(2.0), L.ones(1)),
    lambda L: F(L).margin_ranking_loss(L.ones(1), [1.0], L.ones(1), reduction="bogus"),
    lambda L: F(L).binary_cross_entropy(L.tensor(0.8), 0.375, reduction=""),
    lambda L: F(L).binary_cross_entropy_with_logits([-0.5, 0.9], L.ones(2), reduction="bogus"),
    lambda L: F(L).binary_cross_entropy_with_logits([-0.5, 0.9], L.ones(2), reduction="sum"),
    lambda L: L.nn.HuberLoss(delta=-0.5)(L.ones(3), L.zeros(3)),
    lambda L: F(L).multi_margin_loss(L.ones(3, 2), L.tensor([1, 1, 0]), weight=L.tensor(1.5)),
    # multi_margin_loss's Python code checks p (ValueError) before the binding the input's type
    lambda L: F(L).multi_margin_loss([[1.5, -0.9], [0.8, 0.8]], L.tensor([0, 1]), p=0),
    lambda L: F(L).multi_margin_loss([[1.5, -0.9]], L.tensor([0]), 3, 1.0, None, None, None),
    lambda L: F(L).multi_margin_loss([[1.5, -0.9]], L.tensor([0]), p=2),
    # embedding's Python code: padding_idx against weight.size(0) (AttributeError for a list,
    # AssertionError out of range), max_norm's input.contiguous(), then the binding's types
    lambda L: F(L).embedding(L.tensor([0, 1]), [[0.5, 1.0], [2.0, 3.0]], padding_idx=1),
    lambda L: F(L).embedding(L.tensor([0, 1]), [[0.5, 1.0], [2.0, 3.0]], padding_idx=0),
    lambda L: F(L).embedding(L.tensor([0, 1]), L.ones(2, 3), padding_idx=2),
    lambda L: F(L).embedding(L.tensor([0, 1]), L.ones(2, 3), padding_idx=-3),
    lambda L: F(L).embedding(L.tensor([0, 1]), L.ones(2, 3), padding_idx=-2),
    lambda L: F(L).embedding([0, 1], [[0.5, 1.0], [2.0, 3.0]], max_norm=1.0),
    lambda L: F(L).embedding([0, 1], L.ones(2, 3)),
    lambda L: F(L).embedding(L.tensor([0, 1]), [[0.5, 1.0], [2.0, 3.0]], max_norm=0.5),
    lambda L: F(L).embedding(L.tensor([0, 1]), L.ones(3, 2, dtype=L.bool), max_norm=0.5),
    lambda L: F(L).embedding(L.tensor([2]), L.ones(3, 2, dtype=L.int64), max_norm=0.5),
    lambda L: F(L).embedding(L.tensor([], dtype=L.int64), L.ones(3, 2, dtype=L.int64),
                             max_norm=0.5),
    lambda L: F(L).embedding(L.tensor(2), L.ones(0, 2), max_norm=1.0),  # (renorm's select)
    lambda L: F(L).embedding(L.tensor(2), L.ones(0, 2)),
    # PReLU's weight is torch.empty(num_parameters): 0 parameters build, fail in forward
    lambda L: L.nn.PReLU(0, init=1.5)(L.ones(1, 2, 3, 1)),
    lambda L: L.nn.PReLU(0)(L.ones(2, 0, 3)),
    lambda L: L.nn.PReLU(-1),
    lambda L: L.nn.GRU(2, 2)(L.ones(3, 2), [[0.5, 0.5]]),
    # an adaptive pool's output_size is not repeated from one value (RuntimeError); lp_pool2d/3d
    # unpack their kernel (ValueError)
    lambda L: F(L).adaptive_avg_pool2d(L.ones(1, 2, 5, 6), (1,)),
    lambda L: F(L).adaptive_max_pool2d(L.ones(1, 2, 5, 6), (4,)),
    lambda L: F(L).adaptive_avg_pool3d(L.ones(1, 1, 4, 4, 4), (1,)),
    lambda L: L.nn.AdaptiveMaxPool2d((4,))(L.ones(1, 2, 5, 6)),
    lambda L: F(L).adaptive_avg_pool2d(L.ones(1, 2, 5, 6), (None, 2)),
    # ... a size as long as the input's rank is Python's ValueError, whatever the rank
    lambda L: F(L).adaptive_avg_pool2d(L.ones(2, 3, 4), (1, 1, 1)),
    lambda L: F(L).adaptive_max_pool2d(L.ones(1, 2, 3, 4), (2, 2, 2, 2)),
    lambda L: F(L).adaptive_max_pool3d(L.ones(1, 2, 3, 4), (1, 1, 1, 1)),
    lambda L: L.nn.AdaptiveAvgPool2d((2, 2, 2))(L.ones(2, 3, 4)),
    lambda L: F(L).adaptive_avg_pool3d(L.ones(3, 4), (1,)),
    # the modules take the functions' one-per-plane mean, of any rank (a 5-D input)
    lambda L: L.nn.AdaptiveAvgPool2d(1)(L.arange(18.0).reshape(1, 1, 1, 3, 6)),
    lambda L: L.nn.AdaptiveAvgPool2d((1, None))(L.arange(18.0).reshape(1, 1, 1, 3, 1)),
    lambda L: L.nn.AdaptiveAvgPool3d(1)(L.arange(36.0).reshape(1, 1, 1, 2, 3, 6)),
    lambda L: F(L).lp_pool2d(L.ones(1, 2, 5, 6), 3.0, (3,), stride=1),
    lambda L: F(L).lp_pool3d(L.ones(1, 1, 4, 4, 4), 1.5, (1, 2)),
    lambda L: F(L).lp_pool1d(L.ones(1, 2, 5), 2.0, (2, 3)),
    lambda L: F(L).lp_pool2d(L.ones(1, 2, 5, 6), 2.0, [2, 2]),
    # ... before they touch the input (a list input: the kernel's ValueError first)
    lambda L: F(L).lp_pool2d([[[[0.5, 1.0], [2.0, 3.0]]]], 1.0, (1,), stride=(3, 2)),
    lambda L: F(L).lp_pool3d([[[[[0.5, 1.0], [2.0, 3.0]]]]], 1.0, (2, 1)),
    # max unpooling: the Python face reads the input's last sizes (IndexError), the kernel
    # checks int64 indices, the rank and the indices' shape (RuntimeError)
    lambda L: L.nn.MaxUnpool1d(3)(L.ones(1, 2), L.ones(1, 1, 2, dtype=L.int64)),
    lambda L: L.nn.MaxUnpool1d(3)(L.ones(1, 2, 2, 3), L.ones(2, 2, 3, dtype=L.int64)),
    lambda L: L.nn.MaxUnpool2d(1)(L.tensor(0.5), L.ones(2, 1, 3, 3, dtype=L.int64)),
    lambda L: L.nn.MaxUnpool3d(2)(L.ones(1, 3, 3, 1), L.ones(2, 1, 3, 3, 1, dtype=L.int64)),
    lambda L: F(L).max_unpool1d([[[0.5, 1.0]]], L.ones(1, 1, 2, dtype=L.int64), 2),
    lambda L: F(L).max_unpool2d(L.ones(1, 1, 1, 3, 3), L.ones(1, 1, 3, 3, dtype=L.int64), 2),
    lambda L: F(L).max_unpool2d(L.ones(1, 1, 3, 3), L.ones(1, 1, 3, 3, dtype=L.int32), 2),
    lambda L: L.nn.MaxUnpool2d(-1)(L.ones(1, 2, 1, 3), L.zeros(1, 2, 1, 3, dtype=L.int64)),
    # ... the Python face's output size before the kernel's indices checks
    lambda L: L.nn.MaxUnpool3d(-2)(L.ones(2, 1, 0, 1, 1), L.zeros(2, 1, 3, 1, 1, dtype=L.int64)),
    lambda L: F(L).max_unpool3d(L.ones(1, 2, 3, 1, 0), L.zeros(1, 2, 3, 1, 2, dtype=L.int64), 3,
                                output_size=(9, 3, 6)),
    lambda L: F(L).max_unpool1d(L.ones(1, 2, 3), L.zeros(1, 2, 3, dtype=L.int64), 1,
                                padding=2),
    # cross_entropy: a target of the input's shape is class probabilities (floating only)
    lambda L: F(L).cross_entropy(L.ones(4), L.tensor([1, 0, 2, 2])),
    lambda L: F(L).cross_entropy(L.ones(1), L.tensor([0])),
    lambda L: F(L).cross_entropy(L.ones(2, 3), L.ones(2, 3, dtype=L.int64)),
    # a 0-D target of an empty batch: its size(0) (IndexError); of a batch: batch size 0
    lambda L: F(L).cross_entropy(L.ones(0, 5), L.tensor(3), reduction="none"),
    lambda L: F(L).nll_loss(L.ones(0, 5, 2), L.tensor(3)),
    lambda L: F(L).nll_loss(L.ones(3, 5), L.tensor(3)),
    # batch_norm's running statistics are vectors (its weight may be 0-D)
    lambda L: F(L).batch_norm(L.ones(2, 1, 4, 3), L.ones(1), L.tensor(1.0)),
    lambda L: F(L).batch_norm(L.ones(2, 1, 4, 3), L.ones(1), L.ones(1, 1)),
    lambda L: F(L).batch_norm(L.ones(2, 1, 4, 3), L.tensor(1.0), L.tensor(1.0), training=True),
    lambda L: F(L).batch_norm(L.ones(2, 1, 4, 3), L.ones(1), L.ones(1), L.tensor(2.0)),
    # ... read by the kernel after its dispatch on the input's dtype (NotImplementedError)
    lambda L: F(L).batch_norm(L.ones(3, 1, 1, dtype=L.int64), L.ones(1, dtype=L.float64),
                              L.tensor(1.5, dtype=L.float64), training=True),
    lambda L: F(L).batch_norm(L.ones(3, 1, 1, dtype=L.int64), L.ones(1, dtype=L.float64),
                              L.ones(2, dtype=L.float64)),
    # constructors PyTorch does not check; its arithmetic's errors
    lambda L: L.nn.CrossEntropyLoss(label_smoothing=float("inf"))(L.ones(2, 2), L.tensor([1, 0])),
    lambda L: L.nn.AdaptiveLogSoftmaxWithLoss(3, 4, [2], div_value=0.0),
    lambda L: L.nn.LPPool1d(0.0, 1, stride=2)(L.ones(1, 1, 5)),
    lambda L: F(L).lp_pool2d(L.ones(1, 1, 4, 4), 0.0, 2),
    # ctc_loss: a 0-D log_probs' IndexError before the dtype
    lambda L: F(L).ctc_loss(L.tensor(1, dtype=L.uint8), L.ones(2, 2, dtype=L.int64),
                            L.tensor([3, 3]), L.tensor([1, 2])),
    lambda L: F(L).ctc_loss(L.ones(3, 2, dtype=L.uint8), L.ones(2, 2, dtype=L.int64),
                            L.tensor([3, 3]), L.tensor([1, 2])),
]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("fn", CASES)
def test_same_outcome_as_torch(torch, fn):
    try:
        fn(torch)
    except Exception as te:  # noqa: BLE001 - any exception type PyTorch raises
        # gradkit's NotATensorError is both PyTorch's TypeError and AttributeError
        with pytest.raises(type(te)):
            fn(gk)
        return
    same_as_torch(torch, fn)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("x,y,reduction", [
    ([[-0.354, 0.52]], [[1.0, -float("inf")]], "sum"),  # gradient NaN (inf * 0), not inf
    ([-0.935, -0.038, -0.103, 2.136], [1e30, 1.0, -1e30, -1.0], "mean"),  # exp overflows: inf
    ([-0.261, 1.31, 1.136, 1.449], [6.55e4, -1.0, -float("inf"), -1.0], "mean"),
])
def test_soft_margin_loss_extremes_as_torch(torch, x, y, reduction):
    """soft_margin_loss is PyTorch's log1p(exp(-x y)), with its gradient, at extreme values."""
    import numpy as np

    out = {}
    for L in (torch, gk):
        xt = L.tensor(x, dtype=L.float64, requires_grad=True)
        loss = L.nn.functional.soft_margin_loss(xt, L.tensor(y, dtype=L.float64),
                                                reduction=reduction)
        loss.backward()
        out[L] = (loss.detach().numpy(), xt.grad.numpy())
    for g, t in zip(out[gk], out[torch]):
        np.testing.assert_allclose(g, t, rtol=1e-12, equal_nan=True)
