"""Findings of the nn differential fuzzer (tests/fuzz/nn_fuzzer.py), each checked against
PyTorch: the same values, dtypes and gradients, or the same exception type (never a raw
NumPy/Python error, never accepting what PyTorch rejects)."""

import numpy as np
import pytest

import gradkit as gk

pytestmark = pytest.mark.filterwarnings("ignore")


# messages of NumPy/Python internals (never gradkit's own)
RAW = ("has no attribute", "index out of range", "could not be broadcast", "numpy boolean")


def _outcome(lib, fn):
    """``("raises", type)`` or the results as arrays (float64) with their dtype names."""
    try:
        r = fn(lib, lib.nn.functional)
    except Exception as e:  # noqa: BLE001 - compared with PyTorch's
        return ("raises", e)
    rs = r if isinstance(r, tuple) else (r,)
    return [(str(t.dtype).split(".")[-1], t.detach().double().numpy()) for t in rs]


def _same(fn, torch):
    g, t = _outcome(gk, fn), _outcome(torch, fn)
    if t[0] == "raises":
        assert g[0] == "raises", f"gradkit returned {g}, torch raised {t[1]!r}"
        assert isinstance(g[1], type(t[1])), f"gradkit {g[1]!r}, torch {t[1]!r}"
        assert not any(m in str(g[1]) for m in RAW), f"a raw error: {g[1]!r}"
        return
    assert g[0] != "raises", f"gradkit raised {g[1]!r}, torch returned {t}"
    assert [d for d, _ in g] == [d for d, _ in t]
    for (_, a), (_, b) in zip(g, t):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7, equal_nan=True)


def _grads(lib, fn, *arrays):
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    y = fn(lib, lib.nn.functional, *xs)
    u = np.random.default_rng(0).standard_normal(tuple(y.shape))
    gs = lib.autograd.grad(y, xs, lib.tensor(u), allow_unused=True)
    return [np.zeros(a.shape) if g is None else g.detach().numpy() for g, a in zip(gs, arrays)]


LIST = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
_INF_NAN = np.zeros((1, 1, 2, 2, 2), dtype=np.float32)
_INF_NAN[0, 0, 0, 0, 0], _INF_NAN[0, 0, 1, 1, 1] = np.inf, np.nan
_NEG_INF_5D = np.random.default_rng(0).standard_normal((1, 5, 6, 6))
_NEG_INF_5D[0, 4, 4, 0] = -np.inf
_TWO_NANS = np.arange(36.0).reshape(1, 1, 6, 6)
_TWO_NANS[0, 0, 0, 1], _TWO_NANS[0, 0, 1, 1], _TWO_NANS[0, 0, 1, 0] = np.inf, np.nan, np.nan

# a list where a Tensor goes: PyTorch's C++ bindings raise TypeError, its Python functions an
# AttributeError (``input.dim()``); gradkit's error is of that type, never a silent conversion
CASES = {
    "list-mse": lambda L, F: F.mse_loss(LIST, L.ones(2, 3)),
    "list-mse-target": lambda L, F: F.mse_loss(L.ones(2, 3), LIST),
    "list-bce-target": lambda L, F: F.binary_cross_entropy(L.full((2, 3), 0.5), LIST),
    "list-cross-entropy": lambda L, F: F.cross_entropy(LIST, L.tensor([0, 1])),
    "list-interpolate": lambda L, F: F.interpolate([LIST], scale_factor=2),
    "list-normalize": lambda L, F: F.normalize(LIST),
    "list-local-response-norm": lambda L, F: F.local_response_norm([LIST], 2),
    "list-pad": lambda L, F: F.pad([LIST], (1, 1)),
    "list-ctc": lambda L, F: F.ctc_loss([LIST], L.tensor([[1]]), (1,), (1,)),
    "list-margin-ranking-target": lambda L, F: F.margin_ranking_loss(
        L.ones(3), L.zeros(3), [1.0, -1.0, 1.0]),
    "list-batchnorm-module": lambda L, F: L.nn.BatchNorm1d(3)(LIST),
    "list-layernorm-module": lambda L, F: L.nn.LayerNorm(3)(LIST),
    "list-groupnorm-module": lambda L, F: L.nn.GroupNorm(1, 2)([LIST]),
    "list-conv-module": lambda L, F: L.nn.Conv1d(2, 1, 2, padding_mode="replicate",
                                                 padding=1)([LIST]),
    "list-l1-module": lambda L, F: L.nn.L1Loss()(LIST, L.ones(2, 3)),
    "list-grucell-hx": lambda L, F: L.nn.GRUCell(3, 3)(L.ones(2, 3), LIST),
    # 0-d and out-of-range arguments
    "glu-dim-out-of-range": lambda L, F: F.glu(L.ones(2, 4), 2),
    "glu-0d": lambda L, F: F.glu(L.tensor(1.0), 0),
    "sdpa-0d-key": lambda L, F: F.scaled_dot_product_attention(
        L.ones(2, 2, 2, 1), L.tensor(1.0), L.ones(2, 2, 4, 2)),
    "bilinear-module-0d": lambda L, F: L.nn.Bilinear(1, 2, 1)(L.ones(3, 1), L.tensor(1.0)),
    # dtypes
    "relu-bool": lambda L, F: F.relu(L.ones(3, dtype=L.bool)),
    "hardtanh-bool": lambda L, F: F.hardtanh(L.ones(3, dtype=L.bool)),
    "relu6-uint8": lambda L, F: F.relu6(L.tensor([0, 3, 9], dtype=L.uint8)),
    "hardtanh-int-bounds": lambda L, F: F.hardtanh(L.tensor([-3, 1, 5]), -1.5, 2.7),
    "huber-int-input": lambda L, F: F.huber_loss(L.tensor([1, 2, 3]), L.ones(3)),
    "huber-bool-input": lambda L, F: F.huber_loss(L.ones(3, dtype=L.bool), L.ones(3)),
    "softshrink-inf-lambda": lambda L, F: F.softshrink(L.ones(3), float("inf")),
    "softshrink-nan-lambda": lambda L, F: F.softshrink(L.ones(3, dtype=L.float64),
                                                       float("nan")),
    "softshrink-half-lambda": lambda L, F: F.softshrink(L.ones(3, dtype=L.float16), 7e4),
    # shapes: an empty input against a longer target broadcasts to an error, not (1,)
    "smooth-l1-empty-vs-3": lambda L, F: F.smooth_l1_loss(L.ones(0), L.ones(3)),
    "huber-empty-vs-3": lambda L, F: F.huber_loss(L.ones(0), L.ones(3)),
    # BCE: NaN is outside [0, 1] for the input and the target
    "bce-nan-target": lambda L, F: F.binary_cross_entropy(L.full((2,), 0.5),
                                                         L.tensor([0.5, float("nan")])),
    "bce-nan-input": lambda L, F: F.binary_cross_entropy(L.tensor([0.5, float("nan")]),
                                                        L.full((2,), 0.5)),
    "bce-target-above-1-half": lambda L, F: F.binary_cross_entropy(
        L.full((2,), 0.5, dtype=L.float16), L.tensor([0.5, 2.0], dtype=L.float16)),
    # fractional max pooling: PyTorch's checks and types
    "frac2d-output-size-length": lambda L, F: F.fractional_max_pool2d(
        L.ones(1, 1, 6, 6), 2, output_size=(2,), _random_samples=L.rand(1, 1, 2)),
    "frac2d-samples-dtype": lambda L, F: F.fractional_max_pool2d(
        L.ones(1, 1, 6, 6), 2, output_size=(2, 3),
        _random_samples=L.rand(1, 1, 2, dtype=L.float64)),
    "frac2d-samples-size": lambda L, F: F.fractional_max_pool2d(
        L.ones(1, 1, 6, 6), 2, output_size=(2, 3), _random_samples=L.rand(1, 1, 3)),
    "frac2d-empty-channels": lambda L, F: F.fractional_max_pool2d(
        L.ones(1, 0, 6, 6), 2, output_size=(2, 3), _random_samples=L.rand(1, 0, 2)),
    "frac2d-exact-fit": lambda L, F: F.fractional_max_pool2d(
        L.arange(56.0).reshape(1, 1, 7, 8), 2, output_size=(6, 3),
        _random_samples=L.full((1, 1, 2), 0.5)),
    "frac3d-strict-fit": lambda L, F: F.fractional_max_pool3d(
        L.ones(1, 1, 4, 4, 4), 2, output_size=3, _random_samples=L.rand(1, 1, 3)),
    "frac3d-0d": lambda L, F: F.fractional_max_pool3d(
        L.tensor(1.0), 2, output_size=1, _random_samples=L.rand(1, 1, 3)),
    # losses at special values
    "cross-entropy-ignored-inf-row": lambda L, F: F.cross_entropy(
        L.tensor([[65504.0, 2.0, float("inf")], [1.0, 2.0, 3.0]], dtype=L.float16),
        L.tensor([0, 1]), ignore_index=0, reduction="none"),
    "nll-ignored-inf": lambda L, F: F.nll_loss(
        L.tensor([[float("-inf"), 2.0], [1.0, 2.0]], dtype=L.float64), L.tensor([0, 1]),
        ignore_index=0, reduction="none"),
    "multi-margin-nan-score": lambda L, F: F.multi_margin_loss(
        L.tensor([[-0.95, 1.06, 0.4], [0.33, float("nan"), 0.003]], dtype=L.float64),
        L.tensor([0, 1]), p=2, margin=0.5, reduction="none"),
    "gaussian-nll-int-input": lambda L, F: F.gaussian_nll_loss(
        L.tensor([[-2, 1, -1]]), L.tensor([[0.75, -0.89, 1.05]], dtype=L.float64),
        L.tensor([[0.49, 1.99, 1.16]], dtype=L.float64), full=True, reduction="sum"),
    "gaussian-nll-inf-var": lambda L, F: F.gaussian_nll_loss(
        L.tensor([[-2.0, 1.0]]), L.tensor([[0.75, -0.89]]), L.tensor([[float("inf"), 1e-9]]),
        reduction="none"),
    "gaussian-nll-negative-var-before-shapes": lambda L, F: F.gaussian_nll_loss(
        L.ones(2, 0), L.ones(2, 3), L.tensor([[1.0, -1e30, 1.0], [1.0, 1.0, 1.0]])),
    # negative sizes: PyTorch's torch.empty RuntimeError
    "linear-negative-in": lambda L, F: L.nn.Linear(-4, 2),
    "bilinear-negative-out": lambda L, F: L.nn.Bilinear(3, 2, -1),
    "batchnorm-negative": lambda L, F: L.nn.BatchNorm3d(-1),
    "conv-negative-in": lambda L, F: L.nn.Conv3d(-1, 2, 1),
    "conv-transpose-negative-out": lambda L, F: L.nn.ConvTranspose2d(2, -1, 3),
    "layernorm-negative": lambda L, F: L.nn.LayerNorm([-1, 3]),
    "embedding-bag-negative-dim": lambda L, F: L.nn.EmbeddingBag(3, -2),
    # interpolate, fold, unfold: PyTorch's types
    "interpolate-bad-mode": lambda L, F: F.interpolate(L.ones(1, 1, 2, 2), scale_factor=2,
                                                       mode="bogus"),
    "interpolate-6d": lambda L, F: F.interpolate(L.ones(1, 1, 2, 2, 2, 2), scale_factor=2),
    "interpolate-empty-output": lambda L, F: F.interpolate(L.ones(1, 0, 5, 1, 4),
                                                           scale_factor=0.5),
    "upsample-bilinear-negative-scale": lambda L, F: F.upsample_bilinear(L.ones(1, 1, 1, 3),
                                                                         scale_factor=-0.5),
    "fold-blocks": lambda L, F: F.fold(L.ones(2, 12, 2), (2, 1), (2, 3)),
    "unfold-kernel-too-big": lambda L, F: F.unfold(L.ones(1, 1, 2, 3), 3),
    "unfold-negative-dilation": lambda L, F: F.unfold(L.ones(1, 1, 4, 4), 2, dilation=-1),
    "lstm-input-dtype": lambda L, F: L.nn.LSTM(2, 3).double()(L.ones(3, 2)),
    "affine-grid-bool": lambda L, F: F.affine_grid(L.ones(1, 2, 3, dtype=L.bool), [1, 1, 2, 2],
                                                   align_corners=False),
    "affine-grid-bfloat16": lambda L, F: F.affine_grid(
        L.tensor([[[1.0, 0.5, 0.0], [0.0, 1.0, 0.25]]]).to(L.bfloat16), [1, 1, 2, 3],
        align_corners=True).float(),
    "pdist-nan-p": lambda L, F: F.pdist(L.ones(2, 1), p=float("nan")),
    # a number where a Tensor goes
    "number-softsign": lambda L, F: F.softsign(2.0),
    "number-softmax-module": lambda L, F: L.nn.Softmax(0)(2.0),
    "number-conv-module": lambda L, F: L.nn.ConvTranspose3d(2, 1, 1)(1.5),
    "number-relu": lambda L, F: F.relu(2.0),
    # batch norm: a channel mismatch against running statistics is PyTorch's RuntimeError;
    # without statistics or parameters any channel count is normalised
    "batchnorm-channels": lambda L, F: L.nn.BatchNorm1d(2)(L.ones(3, 4)),
    "batchnorm-channels-no-stats": lambda L, F: L.nn.BatchNorm1d(
        2, affine=False, track_running_stats=False)(L.arange(12.0, dtype=L.float64)
                                                    .reshape(3, 4)),
    "instancenorm-zero-features": lambda L, F: L.nn.InstanceNorm1d(0)(L.arange(12.0)
                                                                      .reshape(3, 1, 4)),
    "lstmcell-negative": lambda L, F: L.nn.LSTMCell(-2, 3),
    # pooling at special values: NaN wins over an inf before it (3-D adaptive max), an inf is
    # not turned into NaN by an uneven window (3-D adaptive average), the last NaN's index
    "adaptive-max3d-inf-then-nan": lambda L, F: F.adaptive_max_pool3d(
        L.tensor(_INF_NAN), (1, 1, 1), return_indices=True),
    "adaptive-max3d-inf-then-nan-bf16": lambda L, F: F.adaptive_max_pool3d(
        L.tensor(_INF_NAN).to(L.bfloat16), (1, 1, 1)).float(),
    "adaptive-avg3d-uneven-inf": lambda L, F: F.adaptive_avg_pool3d(L.tensor(_NEG_INF_5D),
                                                                    (3, 3, 2)),
    "fractional-two-nans": lambda L, F: F.fractional_max_pool2d(
        L.tensor(_TWO_NANS), 2, output_size=2, _random_samples=L.full((1, 1, 2), 0.3,
                                                                     dtype=L.float64),
        return_indices=True),
    "fractional-empty-output": lambda L, F: F.fractional_max_pool3d(
        L.ones(1, 1, 6, 6, 6), 2, output_size=(3, 3, 0), _random_samples=L.rand(1, 1, 3),
        return_indices=True),
    # linear: one dtype for input, weight and bias (an integer input too), as PyTorch
    "linear-int-input": lambda L, F: F.linear(L.tensor([[-6, -1], [1, 2]]), L.ones(4, 2)),
    "linear-bias-dtype": lambda L, F: F.linear(L.ones(3, 3, dtype=L.float16),
                                               L.ones(3, 3, dtype=L.float16),
                                               L.tensor([0, 2, -3], dtype=L.int32)),
    "mha-uint8-query": lambda L, F: L.nn.MultiheadAttention(6, 3)(
        L.ones(1, 2, 6, dtype=L.uint8), L.ones(1, 2, 6), L.ones(1, 2, 6)),
    # avg_pool3d: the unpadded input must hold the kernel (PyTorch's check)
    "avg-pool3d-input-smaller-than-kernel": lambda L, F: F.avg_pool3d(
        L.ones(1, 2, 3, 6, 2), 3, stride=(2, 1, 1), padding=(0, 1, 1)),
    "lp-pool3d-input-smaller-than-kernel": lambda L, F: F.lp_pool3d(
        L.ones(1, 1, 2, 4, 3), 1.0, (3, 2, 3), ceil_mode=True),
    # PyTorch's RuntimeErrors for argument checks
    "conv-stride-length": lambda L, F: L.nn.Conv1d(2, 2, 2, stride=(1, 1))(L.ones(1, 2, 5)),
    "conv-negative-padding": lambda L, F: L.nn.Conv2d(2, 2, 3, padding=-1)(L.ones(1, 2, 5, 5)),
    "conv-zero-stride": lambda L, F: L.nn.Conv2d(2, 2, 3, stride=0)(L.ones(1, 2, 5, 5)),
    "max-unpool-bad-index": lambda L, F: F.max_unpool2d(L.ones(1, 1, 1, 1),
                                                        L.tensor([[[[40]]]]), 2),
    "smooth-l1-nan-beta": lambda L, F: F.smooth_l1_loss(L.ones(2), L.zeros(2),
                                                        beta=float("nan")),
    "huber-zero-delta": lambda L, F: F.huber_loss(L.ones(2), L.zeros(2), delta=0.0),
    "cross-entropy-label-smoothing-2": lambda L, F: F.cross_entropy(
        L.ones(2, 3), L.zeros(2, dtype=L.int64), label_smoothing=2.0),
    "gelu-bad-approximate": lambda L, F: F.gelu(L.ones(2), approximate="TANH"),
    "multilabel-soft-margin-bf16-input": lambda L, F: F.multilabel_soft_margin_loss(
        L.tensor([-0.212, 1.3]).to(L.bfloat16), L.tensor([0.736, 0.1], dtype=L.float64)),
    # a list where a Tensor goes in Python-level functions: PyTorch's AttributeError/TypeError
    "list-embedding-bag-weight": lambda L, F: F.embedding_bag(L.tensor([[4, 0]]), LIST * 3),
    "list-embedding-bag-input": lambda L, F: F.embedding_bag([[1, 0]], L.ones(5, 3)),
    "list-embedding-bag-offsets": lambda L, F: F.embedding_bag(L.tensor([1, 0]), L.ones(5, 3),
                                                               [0]),
    "list-mha-out-proj-bias": lambda L, F: F.multi_head_attention_forward(
        L.ones(3, 1, 4), L.ones(1, 1, 4), L.ones(1, 1, 4), 4, 1, L.ones(12, 4), L.ones(12),
        None, None, False, 0.0, L.ones(4, 4), [0.5] * 4, training=False, need_weights=False),
    "list-mha-in-proj-bias": lambda L, F: F.multi_head_attention_forward(
        L.ones(3, 1, 4), L.ones(1, 1, 4), L.ones(1, 1, 4), 4, 1, L.ones(12, 4), [0.5] * 12,
        None, None, False, 0.0, L.ones(4, 4), L.ones(4), training=False, need_weights=False),
    # a bfloat16 input with a float32 target: PyTorch's result is float32 (the target's dtype)
    "bce-logits-bf16-input-f32-target": lambda L, F: F.binary_cross_entropy_with_logits(
        L.tensor([-0.236, -0.762]).to(L.bfloat16), L.tensor([0.722, 0.031]), reduction="none"),
    "bce-logits-bf16-input-f32-target-mean": lambda L, F: F.binary_cross_entropy_with_logits(
        L.tensor([[-0.236, 1.5]]).to(L.bfloat16), L.tensor([[0.722, 0.031]])),
    # an inf score outside the (target, non-target) pairs enters no hinge: no NaN
    "multilabel-margin-inf": lambda L, F: F.multilabel_margin_loss(
        L.tensor([[3e38, 2.236], [0.0418, float("-inf")], [float("inf"), 0.748]],
                 dtype=L.float64), L.tensor([[-1, -1], [0, -1], [0, -1]]), reduction="none"),
    # float16 statistics in float32, as PyTorch's kernels: 65504 does not overflow the variance
    "batch-norm-half-65504": lambda L, F: F.batch_norm(
        L.tensor([[[65504.0, 1.0]], [[-65504.0, 3.0]]]).half().transpose(1, 2), None, None,
        training=True),
    "group-norm-half-65504": lambda L, F: F.group_norm(
        L.tensor([[[65504.0, -65504.0], [1.0, 3.0]]]).half(), 2),
    # PyTorch's kernel has no integer/bool binary_cross_entropy: NotImplementedError when the
    # dtypes agree (RuntimeError when they differ)
    "bce-int32-int32": lambda L, F: F.binary_cross_entropy(
        L.tensor([1, 0, 3], dtype=L.int32), L.tensor([2, 3, 2], dtype=L.int32), reduction="none"),
    "bce-bool-bool": lambda L, F: F.binary_cross_entropy(L.tensor([True]), L.tensor([False])),
    "bce-int64-int32": lambda L, F: F.binary_cross_entropy(L.tensor([1, 0]),
                                                           L.tensor([1, 0], dtype=L.int32)),
    # instance_norm's spatial-size ValueError comes first, for 0-d and 1-D inputs too
    "instance-norm-0d": lambda L, F: F.instance_norm(
        L.tensor(-2.777).half(), L.zeros(4).half(), L.ones(4).half(), use_input_stats=True),
    "instance-norm-1d": lambda L, F: F.instance_norm(L.ones(3)),
    "instance-norm-1d-running": lambda L, F: F.instance_norm(
        L.ones(3), L.zeros(3), L.ones(3), use_input_stats=False),
    # a 1-D batch_norm input has 0 channels for PyTorch: its per-channel parameters fail first
    "batch-norm-1d-running": lambda L, F: F.batch_norm(
        L.tensor([-6.585, -1.306, -0.252]), L.zeros(3), L.ones(3), training=True),
    "batch-norm-1d-weight": lambda L, F: F.batch_norm(L.ones(3), None, None, L.ones(3),
                                                      training=True),
    "batch-norm-1d-none": lambda L, F: F.batch_norm(L.ones(3), None, None, training=True),
    # the states' ranks are checked before the input's dtype
    "gru-int-input-2d-state": lambda L, F: L.nn.GRU(3, 2, batch_first=True, bidirectional=True)(
        L.ones(2, 1, 3, dtype=L.int64), L.ones(2, 2)),
    "rnn-int-unbatched-3d-state": lambda L, F: L.nn.RNN(3, 2)(
        L.ones(1, 3, dtype=L.int32), L.ones(1, 1, 2)),
    "lstm-int-input-2d-states": lambda L, F: L.nn.LSTM(3, 2)(
        L.ones(2, 1, 3, dtype=L.int64), (L.ones(1, 2), L.ones(1, 2))),
    # max_unpool sizes the output by the kernel's length: a 1-tuple kernel in 2-D/3-D fails
    "max-unpool2d-kernel-1-tuple": lambda L, F: F.max_unpool2d(
        *F.max_pool2d(L.ones(1, 2, 3, 5), (1,), return_indices=True), (1,)),
    "max-unpool3d-kernel-1-tuple": lambda L, F: F.max_unpool3d(
        *F.max_pool3d(L.ones(1, 2, 3, 3, 3), (1,), return_indices=True), (1,)),
    # an unsigned input with negative (integer) limits is refused, empty or not; -0.5 is 0
    "hardtanh-uint8-empty": lambda L, F: F.hardtanh_(L.ones(4, 0, 4, dtype=L.uint8)),
    "hardtanh-uint8": lambda L, F: F.hardtanh(L.tensor([0, 3, 200], dtype=L.uint8)),
    "hardtanh-uint8-half-negative": lambda L, F: F.hardtanh(
        L.tensor([0, 3, 200], dtype=L.uint8), -0.5, 2.0),
    # _random_samples' dtype is checked before an empty output is returned
    "fractional-max-pool3d-samples-dtype-empty-output": lambda L, F: F.fractional_max_pool3d(
        L.ones(2, 2, 6, 7, 7).half(), 3, output_size=(3, 0, 1),
        _random_samples=L.full((2, 2, 3), 0.5, dtype=L.float64)),
    # a linear layer of no input features (a feed-forward width of 0): the bias
    "linear-no-in-features": lambda L, F: F.linear(L.ones(3, 2, 0), L.ones(4, 0),
                                                   L.tensor([1.0, 2.0, 3.0, 4.0])),
    "linear-no-out-features": lambda L, F: F.linear(L.ones(3, 2, 4), L.ones(0, 4), L.ones(0)),
    # a list as linear's weight or bias: PyTorch's TypeError (a raw AttributeError)
    "linear-list-weight": lambda L, F: F.linear(L.ones(3, 2), [[1.0, 2.0]]),
    "linear-list-bias": lambda L, F: F.linear(L.ones(3, 2), L.ones(1, 2), [1.0]),
    # max_unpool has no integer or bool kernel: NotImplementedError before the indices' check
    "max-unpool3d-uint8-bad-index": lambda L, F: F.max_unpool3d(
        L.ones(2, 1, 5, 3, 2, dtype=L.uint8), L.full((2, 1, 5, 3, 2), 50, dtype=L.int64),
        (1, 2, 2)),
    "max-unpool2d-int64": lambda L, F: F.max_unpool2d(
        L.ones(2, 1, 5, 3, dtype=L.int64), L.zeros(2, 1, 5, 3, dtype=L.int64), 1),
    # an Embedding of no rows: index_select's RuntimeError, whatever the indices
    "embedding-module-no-rows": lambda L, F: L.nn.Embedding(0, 1)(L.tensor([1, 1, 2])),
    # nn.FractionalMaxPool3d refuses a kernel size <= 0 when built (ValueError)
    "fractional-max-pool3d-module-kernel-0": lambda L, F: L.nn.FractionalMaxPool3d(
        (2, 2, 0), output_size=1),
    # max_unpool3d's kernel (not max_unpool2d's) refuses a stride <= 0 after the rank and the
    # indices (nn seed 47 case 2739: MaxUnpool3d(0) returned an empty result)
    "max-unpool3d-module-kernel-0": lambda L, F: L.nn.MaxUnpool3d(0)(
        L.ones(1, 1, 3, 2, 2), L.zeros(1, 1, 3, 2, 2, dtype=L.int64)),
    "max-unpool3d-one-stride-0": lambda L, F: F.max_unpool3d(
        L.ones(1, 1, 3, 2, 2), L.zeros(1, 1, 3, 2, 2, dtype=L.int64), 2, (1, 0, 1)),
    "max-unpool3d-stride-0-rank-first": lambda L, F: F.max_unpool3d(
        L.ones(2, 2, 2), L.zeros(2, 2, 2, dtype=L.int64), 2, 0),
    "max-unpool3d-negative-padding": lambda L, F: F.max_unpool3d(
        L.ones(1, 1, 3, 2, 2), L.zeros(1, 1, 3, 2, 2, dtype=L.int64), 2, 2, -1),
    "max-unpool2d-kernel-0": lambda L, F: L.nn.MaxUnpool2d(0)(
        L.ones(1, 1, 2, 2), L.zeros(1, 1, 2, 2, dtype=L.int64)),
    # the module's rank error is the function's RuntimeError (nn seed 47 case 1576: the
    # module's name has "Max", which the check looked for as "max": IndexError)
    "adaptive-max-pool3d-module-0d": lambda L, F: L.nn.AdaptiveMaxPool3d(1)(L.tensor(0.5)),
    "adaptive-max-pool3d-module-2d": lambda L, F: L.nn.AdaptiveMaxPool3d(1)(L.ones(3, 3)),
    "adaptive-avg-pool3d-module-0d": lambda L, F: L.nn.AdaptiveAvgPool3d(1)(L.tensor(0.5)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_outcome_as_torch(torch, name):
    _same(CASES[name], torch)


def test_list_errors_are_of_torchs_exact_type(torch):
    """A C++ binding's TypeError stays a TypeError; a Python function's AttributeError is
    matched (gradkit's error there is both)."""
    for fn in (CASES["list-cross-entropy"], CASES["list-pad"], CASES["list-mse"]):
        g, t = _outcome(gk, fn)[1], _outcome(torch, fn)[1]
        assert isinstance(g, type(t)) and "must be Tensor, not list" in str(g)


GRAD_CASES = {
    # PyTorch's backward: the positive side's gradient is 1 whatever the slope (NaN too)
    "leaky-relu-nan-slope": (lambda L, F, x: F.leaky_relu(x, float("nan")),
                             [np.array([0.33, -1.7, 0.46, 1.03])]),
    "gelu-0d": (lambda L, F, x: F.gelu(x), [np.array(-2.22)]),
    "linear-no-in-features-3d": (lambda L, F, x, w, b: F.linear(x, w, b),
                                 [np.zeros((3, 2, 0)), np.zeros((4, 0)), np.ones(4)]),
    "multi-margin-nan": (lambda L, F, x: F.multi_margin_loss(x, L.tensor([0, 1]),
                                                             reduction="none"),
                         [np.array([[-0.95, 1.06, 0.4], [0.33, np.nan, 0.003]])]),
    "adaptive-avg3d-uneven-inf": (lambda L, F, x: F.adaptive_avg_pool3d(x, (3, 3, 2)),
                                  [_NEG_INF_5D]),
    "gaussian-nll-inf-var": (lambda L, F, x, v: F.gaussian_nll_loss(
        x, L.zeros(2, dtype=L.float64), v, reduction="none"),
        [np.array([0.5, -1.0]), np.array([np.inf, 1e-9])]),
    "multilabel-margin-inf": (lambda L, F, x: F.multilabel_margin_loss(
        x, L.tensor([[0, -1, 0], [1, -1, 0]]), reduction="none"),
        [np.array([[np.inf, 0.748, -0.3], [0.2, -np.inf, 1.5]])]),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_gradients_as_torch(torch, name):
    fn, arrays = GRAD_CASES[name]
    for a, b in zip(_grads(gk, fn, *arrays), _grads(torch, fn, *arrays)):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-12, equal_nan=True)


def test_multihead_attention_rejects_a_0d_query(torch):
    m = gk.nn.MultiheadAttention(4, 2)
    with pytest.raises(RuntimeError, match="unbatched 2D or batched 3D"):
        m(gk.tensor(1.0), gk.ones(3, 4), gk.ones(3, 4))
    with pytest.raises(AssertionError):  # PyTorch's own check is an assert
        torch.nn.MultiheadAttention(4, 2)(torch.tensor(1.0), torch.ones(3, 4), torch.ones(3, 4))


def test_fractional_max_pool_refuses_a_non_positive_kernel(torch):
    """PyTorch 2.13 takes it unchecked (empty windows: -inf, and indices past the input)."""
    x = np.arange(30.0).reshape(1, 1, 6, 5)
    with pytest.raises(RuntimeError, match="kernel_size must be positive"):
        gk.nn.functional.fractional_max_pool2d(gk.tensor(x), -1, output_size=2,
                                               _random_samples=gk.full((1, 1, 2), 0.5))
    y, i = torch.nn.functional.fractional_max_pool2d(
        torch.tensor(x), -1, output_size=2, _random_samples=torch.full((1, 1, 2), 0.5,
                                                                        dtype=torch.float64),
        return_indices=True)
    assert np.isneginf(y.numpy()).all() and int(i.max()) >= x.size


def test_hardtanh_gradient_at_a_nan_bound_is_zero(torch):
    """PyTorch 2.13's hardtanh backward at a NaN bound zeroes the gradient in its SIMD body and
    passes it in its scalar tail (which elements depends on the CPU's vector width: the
    fuzzer's allow-list names it); gradkit zeroes it everywhere, as the SIMD body."""
    x = np.linspace(-0.5, 0.5, 19)
    gx = gk.tensor(x, requires_grad=True)
    g, = gk.autograd.grad(gk.nn.functional.hardtanh(gx, -1.0, float("nan")).sum(), gx)
    assert (g.numpy() == 0).all()
    tx = torch.tensor(x, requires_grad=True)
    t, = torch.autograd.grad(torch.nn.functional.hardtanh(tx, -1.0, float("nan")).sum(), tx)
    assert (t.numpy()[:8] == 0).all()  # the SIMD body's elements


@pytest.mark.parametrize("call", [
    lambda m: m.nn.functional.linear(m.ones(3, 5, dtype=m.bool), m.ones(2, 5, dtype=m.bool)),
    lambda m: m.nn.functional.linear(m.ones(3, 5, dtype=m.bool), m.ones(2, 5, dtype=m.bool),
                                     m.ones(2, dtype=m.bool)),
    lambda m: m.rnn_relu_cell(m.ones(3, 4, dtype=m.float64), m.ones(3, 5, dtype=m.bool),
                              m.ones(5, 4, dtype=m.float64), m.ones(5, 5, dtype=m.bool)),
    lambda m: m.gru_cell(m.ones(3, 4, dtype=m.bool), m.ones(3, 5), m.ones(15, 4, dtype=m.bool),
                         m.ones(15, 5)),
    lambda m: m.rnn_tanh_cell(m.ones(3, 4, dtype=m.float64), m.ones(3, 5, dtype=m.int64),
                              m.ones(5, 4, dtype=m.float64), m.ones(5, 5, dtype=m.int64)),
])
def test_bool_products_of_linear_and_cells_raise_torchs_kernel_error(call):
    # a bool product has no kernel in PyTorch (NotImplementedError): linear returned a bool
    # tensor, the cells raised a dtype RuntimeError
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as want:
        call(torch)
    with pytest.raises(want.type):
        call(gk)
