"""The nn functions PyTorch exports at the top level (``torch.conv2d``, ``torch.dropout``,
``torch.layer_norm``, ``torch.lstm_cell``, ...), declared in the op registry so that
``gradkit.<name>`` (and the in-place ``gradkit.<name>_`` where PyTorch has one) exist.

These are ATen's signatures, not ``torch.nn.functional``'s: ``torch.dropout(input, p, train)``
has no defaults, losses take ``reduction`` as an integer (0 none, 1 mean, 2 sum),
``torch.batch_norm`` puts ``weight, bias`` before the running statistics, ``torch.embedding``
takes the weight first, the pools' ``stride=()`` means the kernel size, the cells take ``hx``
as one argument. The losses' ``reduction`` defaults to 0 (none): ATen declares ``Mean``, but
PyTorch's Python binding reads that default as 0, so ``torch.kl_div(x, t)`` is unreduced.
Each form calls the functional implementation.
"""

from __future__ import annotations

import importlib

import numpy as np

from ... import functions as _F
from ..._tensor import Tensor, as_tensor_arg
from ...functions._args import _tensors_only
from ...functions._registry import declare

# the submodules by name: ``from . import linear`` would give the function the package exports
_A, _C, _D, _E, _L, _LS, _N, _P, _R, _RS, _LA = (
    importlib.import_module(f"{__package__}.{m}") for m in (
        "activation", "conv", "dropout", "embedding", "linear", "loss", "normalization",
        "pooling", "recurrent", "resample", "_loss_aten"))

__all__: list = []

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(reduction, name: str, pos: int) -> str:
    """ATen's integer ``reduction``: 1 mean, 2 sum, any other integer none (as
    ``apply_loss_reduction``); functional's strings are taken too."""
    if isinstance(reduction, str) and reduction in ("none", "mean", "sum"):
        return reduction
    if isinstance(reduction, (int, np.integer)) and not isinstance(reduction, bool):
        return _REDUCTIONS.get(int(reduction), "none")
    raise TypeError(f"{name}(): argument 'reduction' (position {pos}) must be int, not "
                    f"{type(reduction).__name__}")


def _tensor(x, name="input") -> Tensor:
    return x if isinstance(x, Tensor) else as_tensor_arg(x, name=name)


def _stride(stride):
    """ATen's pools take ``stride=[]`` for "the kernel size"."""
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        return None
    return stride


# ------------------------------------------------------------------ convolution
for _name in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d"):
    declare(getattr(_C, _name), name=_name, method=False)


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups):
    """``torch.convolution``: the N-d (transposed) convolution chosen by ``weight``'s rank."""
    w = _tensor(weight, "weight")
    n = w.ndim - 2
    if n not in (1, 2, 3):
        raise RuntimeError(f"convolution: expected a 3-D, 4-D or 5-D weight, got shape "
                           f"{tuple(w.shape)}")
    if transposed:
        fn = getattr(_C, f"conv_transpose{n}d")
        return fn(input, w, bias, stride, padding, output_padding, groups, dilation)
    return getattr(_C, f"conv{n}d")(input, w, bias, stride, padding, dilation, groups)


def conv_tbc(input, weight, bias, pad=0):
    """``torch.conv_tbc``: 1-D convolution of time-batch-channel input ``(T, B, C_in)`` with a
    ``(K, C_in, C_out)`` weight; the result is ``(T', B, C_out)``."""
    x, w = _tensor(input), _tensor(weight, "weight")
    if x.ndim != 3 or w.ndim != 3:
        raise RuntimeError(f"conv_tbc: expected a 3-D input (T, B, C) and a 3-D weight "
                           f"(K, C_in, C_out), got {tuple(x.shape)} and {tuple(w.shape)}")
    out = _C.conv1d(x.permute(1, 2, 0), w.permute(2, 1, 0), bias, 1, pad)
    return out.permute(2, 0, 1)


declare(convolution, method=False)
declare(conv_tbc, method=False)


# ------------------------------------------------------------------ dropout
def dropout(input, p, train):
    """``torch.dropout(input, p, train)``."""
    return _D.dropout(input, p, train)


def dropout_(input, p, train):
    """``torch.dropout_``: :func:`dropout` written into ``input``."""
    return _D.dropout(input, p, train, True)


def alpha_dropout(input, p, train):
    """``torch.alpha_dropout(input, p, train)``."""
    return _D.alpha_dropout(input, p, train)


def alpha_dropout_(input, p, train):
    return _D.alpha_dropout(input, p, train, True)


def feature_dropout(input, p, train):
    """``torch.feature_dropout``: zero whole channels of ``(N, C, ...)`` input."""
    return _D._feature_dropout(input, p, train)


def feature_dropout_(input, p, train):
    return _D._feature_dropout(input, p, train, True)


def feature_alpha_dropout(input, p, train):
    """``torch.feature_alpha_dropout``: alpha dropout of whole channels."""
    return _D.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input, p, train):
    return _D.feature_alpha_dropout(input, p, train, True)


# The random in-place forms are declared on their own (function faces only): the generated
# in-place face would draw a second mask.
for _fn in (dropout, dropout_, alpha_dropout, alpha_dropout_, feature_dropout, feature_dropout_,
            feature_alpha_dropout, feature_alpha_dropout_):
    declare(_fn, method=False)


# ------------------------------------------------------------------ normalization
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled):
    """``torch.batch_norm`` (ATen's order: weight and bias before the running statistics)."""
    return _N.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                  eps, cudnn_enabled):
    """``torch.instance_norm`` (ATen's order)."""
    return _N.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                            momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    """``torch.layer_norm``."""
    return _N.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):
    """``torch.group_norm``."""
    return _N.group_norm(input, num_groups, weight, bias, eps)


def norm_except_dim(v, pow=2, dim=0):
    """``torch.norm_except_dim``: the ``pow``-norm over every dimension but ``dim`` (kept, with
    size 1 elsewhere); ``dim=-1`` gives the norm of the whole tensor (weight norm's ``g``)."""
    v = _tensor(v, "v")
    if dim == -1:
        return _F.norm(v, pow)
    d = dim % v.ndim if v.ndim else 0
    axes = tuple(i for i in range(v.ndim) if i != d)
    return _F.norm(v, pow, axes, True)


for _fn in (batch_norm, instance_norm, layer_norm, group_norm, norm_except_dim):
    declare(_fn, method=False)
declare(_N.rms_norm, name="rms_norm", method=False)
for _name in ("pdist", "cosine_similarity", "pairwise_distance"):
    declare(getattr(_N, _name), name=_name, method=False)


# ------------------------------------------------------------------ linear, embedding, resample
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """``torch.embedding(weight, indices, ...)``: the weight first; ``padding_idx=-1`` is none."""
    pad = None if padding_idx is None or padding_idx < 0 else padding_idx
    return _E.embedding(indices, weight, pad, None, 2.0, scale_grad_by_freq, sparse)


def embedding_renorm_(input, indices, max_norm, norm_type):
    """``torch.embedding_renorm_``: rescale, in place and without a gradient, the rows of
    ``input`` picked by ``indices`` whose ``norm_type``-norm exceeds ``max_norm``."""
    w, idx = _tensor(input), _tensor(indices, "indices")
    data = w._data
    rows = np.unique(np.asarray(idx._data).reshape(-1))
    if rows.size:
        picked = data[rows]
        norms = np.linalg.norm(picked.reshape(rows.size, -1), ord=norm_type, axis=1)
        big = norms > max_norm
        scale = (max_norm / (norms[big] + 1e-7)).astype(data.dtype)
        data[rows[big]] = picked[big] * scale[:, None]
        w._vc[0] += 1
    return w


def constant_pad_nd(input, pad, value=0):
    """``torch.constant_pad_nd``: :func:`~gradkit.nn.functional.pad` in constant mode
    (negative pads crop)."""
    return _RS.pad(input, pad, "constant", value)


_GRID_MODES = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_GRID_PADDING = {0: "zeros", 1: "border", 2: "reflection"}


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """``torch.grid_sampler``: :func:`grid_sample` with ATen's integer modes (interpolation 0
    bilinear, 1 nearest, 2 bicubic; padding 0 zeros, 1 border, 2 reflection)."""
    if interpolation_mode not in _GRID_MODES or padding_mode not in _GRID_PADDING:
        raise ValueError(f"grid_sampler: interpolation_mode must be 0, 1 or 2 and padding_mode "
                         f"0, 1 or 2, got {interpolation_mode!r} and {padding_mode!r}")
    return _RS.grid_sample(input, grid, _GRID_MODES[interpolation_mode],
                           _GRID_PADDING[padding_mode], align_corners)


def affine_grid_generator(theta, size, align_corners):
    """``torch.affine_grid_generator``: :func:`affine_grid`."""
    return _RS.affine_grid(theta, size, align_corners)


declare(_L.bilinear, name="bilinear", method=False)
for _fn in (embedding, constant_pad_nd, grid_sampler, affine_grid_generator):
    declare(_fn, method=False)
declare(embedding_renorm_, method=False, differentiable=False)
for _name in ("pixel_shuffle", "pixel_unshuffle", "channel_shuffle"):
    declare(getattr(_RS, _name), name=_name, method=False)


# ------------------------------------------------------------------ activations
def selu(input):
    """``torch.selu``."""
    return _A.selu(input)


def celu(input, alpha=1.0):
    """``torch.celu``."""
    return _A.celu(input, alpha)


def threshold(input, threshold, value):
    """``torch.threshold``: ``value`` where ``input <= threshold``, else ``input``."""
    return _A.threshold(input, threshold, value)


def hardshrink(input, lambd=0.5):
    """``torch.hardshrink``."""
    return _A.hardshrink(input, lambd)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """``torch.rrelu``: randomized leaky ReLU (see :func:`gradkit.nn.functional.rrelu`)."""
    return _A._rrelu(_tensor(input), lower, upper, training, generator)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """``torch.rrelu_``: :func:`rrelu` written into ``input``."""
    x = _tensor(input)
    return _A._in_place(x, lambda t: _A._rrelu(t, lower, upper, training, generator), "rrelu_")


declare(selu, method=False, inplace=lambda self: _A.selu(self, True))
declare(celu, method=False, inplace=lambda self, alpha=1.0: _A.celu(self, alpha, True))
declare(threshold, method=False,
        inplace=lambda self, threshold, value: _A.threshold(self, threshold, value, True))
declare(hardshrink)
declare(_A.prelu, name="prelu")
declare(rrelu, method=False)
declare(rrelu_, method=False)


# ------------------------------------------------------------------ losses
def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    """``torch.binary_cross_entropy_with_logits`` (integer ``reduction``)."""
    name = "binary_cross_entropy_with_logits"
    _tensors_only(name, (1, "input", input), (2, "target", target), (3, "weight", weight),
                  (4, "pos_weight", pos_weight))
    return _LA.binary_cross_entropy_with_logits(input, target, weight, pos_weight,
                                                _reduction(reduction, name, 5))


def kl_div(input, target, reduction=0, *, log_target=False):
    """``torch.kl_div``: the pointwise KL divergence, ``reduction`` 0/1/2 (1: the mean over
    every element)."""
    _tensors_only("kl_div", (1, "input", input), (2, "target", target))
    return _LA.kl_div(input, target, _reduction(reduction, "kl_div", 3), log_target)


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    """``torch.margin_ranking_loss`` (broadcasting across ranks, unlike the functional)."""
    name = "margin_ranking_loss"
    _tensors_only(name, (1, "input1", input1), (2, "input2", input2), (3, "target", target))
    return _LA.margin_ranking_loss(input1, input2, target, margin, _reduction(reduction, name, 5))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    """``torch.hinge_embedding_loss``."""
    name = "hinge_embedding_loss"
    _tensors_only(name, (1, "input", input), (2, "target", target))
    return _LA.hinge_embedding_loss(input, target, margin, _reduction(reduction, name, 4))


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    """``torch.cosine_embedding_loss``."""
    name = "cosine_embedding_loss"
    _tensors_only(name, (1, "input1", input1), (2, "input2", input2), (3, "target", target))
    return _LA.cosine_embedding_loss(input1, input2, target, margin,
                                     _reduction(reduction, name, 5))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False,
                        reduction=0):
    """``torch.triplet_margin_loss`` (no check of ``margin``, unlike the functional)."""
    name = "triplet_margin_loss"
    _tensors_only(name, (1, "anchor", anchor), (2, "positive", positive),
                  (3, "negative", negative))
    return _LA.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                   _reduction(reduction, name, 8))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    """``torch.poisson_nll_loss`` (every argument required, as ATen)."""
    _tensors_only("poisson_nll_loss", (1, "input", input), (2, "target", target))
    return _LA.poisson_nll_loss(input, target, log_input, full, eps,
                                _reduction(reduction, "poisson_nll_loss", 6))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0,
             zero_infinity=False):
    """``torch.ctc_loss`` (integer ``reduction``)."""
    _tensors_only("ctc_loss", (1, "log_probs", log_probs), (2, "targets", targets))
    return _LS.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                        _reduction(reduction, "ctc_loss", 6), zero_infinity)


for _fn in (binary_cross_entropy_with_logits, kl_div, margin_ranking_loss, hinge_embedding_loss,
            cosine_embedding_loss, triplet_margin_loss, poisson_nll_loss, ctc_loss):
    declare(_fn, method=False)


# ------------------------------------------------------------------ pooling
def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """``torch.max_pool1d`` (``stride=()``: the kernel size)."""
    return _P.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """``torch.max_pool2d``."""
    return _P.max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """``torch.max_pool3d``."""
    return _P.max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1,
                            ceil_mode=False):
    """``torch.max_pool1d_with_indices``: ``(output, indices)``."""
    return _P.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode, True)


def avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False,
               count_include_pad=True):
    """``torch.avg_pool1d``."""
    return _P.avg_pool1d(input, kernel_size, _stride(stride), padding, ceil_mode,
                         count_include_pad)


def adaptive_max_pool1d(input, output_size):
    """``torch.adaptive_max_pool1d``: ``(output, indices)``."""
    return _P.adaptive_max_pool1d(input, output_size, True)


for _fn in (max_pool1d, max_pool2d, max_pool3d, max_pool1d_with_indices, avg_pool1d,
            adaptive_max_pool1d):
    declare(_fn, method=False)
declare(_P.adaptive_avg_pool1d, name="adaptive_avg_pool1d", method=False)


# ------------------------------------------------------------------ recurrent cells
def _cell_args(name, input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """The input, after PyTorch's checks of a cell's arguments (types, ranks, sizes)."""
    hs = tuple(hx) if name == "lstm_cell" and isinstance(hx, (tuple, list)) else (hx,)
    _tensors_only(name, (1, "input", input), *((2, "hx", h) for h in hs), (3, "w_ih", w_ih),
                  (4, "w_hh", w_hh), (5, "b_ih", b_ih), (6, "b_hh", b_hh))
    x = input
    if x.ndim not in (1, 2):
        raise RuntimeError(f"{name}: Expected input to be 1D or 2D, got {x.ndim}D instead "
                           f"(shape {tuple(x.shape)})")
    for wname, w in (("w_ih", w_ih), ("w_hh", w_hh)):
        if w.ndim < 2:
            raise IndexError(f"{name}: Dimension specified as 1 but tensor has no dimensions "
                             f"({wname} of shape {tuple(w.shape)}; weights are 2-D)")
    if x.shape[-1] != w_ih.shape[1]:
        raise RuntimeError(f"{name}: input has inconsistent input_size: got {x.shape[-1]} "
                           f"expected {w_ih.shape[1]}")
    hidden = w_hh.shape[1]
    for h in hs:
        if h is None:
            continue
        if h.ndim != x.ndim:
            raise RuntimeError(f"{name}: Expected hidden to be {x.ndim}D for a {x.ndim}D input, "
                               f"got {h.ndim}D (shape {tuple(h.shape)})")
        if x.ndim == 2 and h.shape[0] != x.shape[0]:
            raise RuntimeError(f"{name}: Input batch size {x.shape[0]} doesn't match hidden0 "
                               f"batch size {h.shape[0]}")
        if h.shape[-1] != hidden:
            raise RuntimeError(f"{name}: hidden0 has inconsistent hidden_size: got "
                               f"{h.shape[-1]}, expected {hidden}")
    return x


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``torch.lstm_cell(input, (h, c), w_ih, w_hh, b_ih, b_hh)``: ``(h', c')``."""
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise RuntimeError("lstm_cell: hx must be a pair (h, c) of tensors")
    x = _cell_args("lstm_cell", input, hx, w_ih, w_hh, b_ih, b_hh)
    h, c = _R.lstm_cell(x, hx[0], hx[1], w_ih, w_hh, b_ih, b_hh)
    return h, c


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``torch.gru_cell``: one GRU step."""
    x = _cell_args("gru_cell", input, hx, w_ih, w_hh, b_ih, b_hh)
    return _R.gru_cell(x, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``torch.rnn_tanh_cell``: ``tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""
    x = _cell_args("rnn_tanh_cell", input, hx, w_ih, w_hh, b_ih, b_hh)
    return _R.rnn_cell(x, hx, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh")


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``torch.rnn_relu_cell``: ``relu(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""
    x = _cell_args("rnn_relu_cell", input, hx, w_ih, w_hh, b_ih, b_hh)
    return _R.rnn_cell(x, hx, w_ih, w_hh, b_ih, b_hh, nonlinearity="relu")


# ------------------------------------------------------------------ whole recurrent layers
def _rnn(mode, input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
         batch_first):
    """``torch.lstm``/``gru``/``rnn_tanh``/``rnn_relu``: ``num_layers`` layers (two directions
    when ``bidirectional``) with the flat ``params`` of ``nn.LSTM``'s ``_flat_weights`` order
    (per layer and direction: w_ih, w_hh, then b_ih, b_hh when ``has_biases``, then w_hr for a
    projected LSTM); dropout between layers when ``train``."""
    name = mode.lower()
    hs = list(hx) if mode == "LSTM" else [hx]
    _tensors_only(name, (1, "input", input), *((2, "hx", h) for h in hs),
                  *((3, "params", w) for w in params))
    if input.ndim != 3:
        raise RuntimeError(f"{name}: expected a 3-D input (L, N, H_in) or (N, L, H_in) with "
                           f"batch_first, got shape {tuple(input.shape)}")
    D = 2 if bidirectional else 1
    per = len(params) // (num_layers * D) if num_layers > 0 else 0
    base = 4 if has_biases else 2
    if num_layers <= 0 or per not in (base, base + (mode == "LSTM")) or \
            per * num_layers * D != len(params):
        raise RuntimeError(f"{name}: got {len(params)} parameters for {num_layers} layer(s) "
                           f"and {D} direction(s); expected {base} per layer and direction"
                           f"{' (+1 with proj_size)' if mode == 'LSTM' else ''}")
    x = input.transpose(0, 1) if batch_first else input
    h0, c0 = hs[0], (hs[1] if mode == "LSTM" else None)
    h_n, c_n = [], []
    layer_in = x
    for layer in range(num_layers):
        outs = []
        for d in range(D):
            k = layer * D + d
            w = params[k * per:(k + 1) * per]
            weights = (w[0], w[1], w[2] if has_biases else None, w[3] if has_biases else None,
                       w[base] if per > base else None)
            res = _R.rnn_layer(mode, layer_in, h0[k], None if c0 is None else c0[k], weights,
                               reverse=d == 1)
            outs.append(res[0])
            h_n.append(res[1])
            if mode == "LSTM":
                c_n.append(res[2])
        layer_in = outs[0] if D == 1 else _F.cat(outs, 2)
        if dropout > 0 and train and layer < num_layers - 1:
            layer_in = _D.dropout(layer_in, dropout, True)
    out = layer_in.transpose(0, 1) if batch_first else layer_in
    if mode == "LSTM":
        return out, _F.stack(h_n, 0), _F.stack(c_n, 0)
    return out, _F.stack(h_n, 0)


def lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
         batch_first):
    """``torch.lstm``: ``(output, h_n, c_n)`` of a stacked LSTM; ``hx`` is ``(h0, c0)``."""
    return _rnn("LSTM", input, hx, params, has_biases, num_layers, dropout, train,
                bidirectional, batch_first)


def gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """``torch.gru``: ``(output, h_n)`` of a stacked GRU."""
    return _rnn("GRU", input, hx, params, has_biases, num_layers, dropout, train,
                bidirectional, batch_first)


def rnn_tanh(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first):
    """``torch.rnn_tanh``: ``(output, h_n)`` of a stacked Elman RNN with tanh."""
    return _rnn("RNN_TANH", input, hx, params, has_biases, num_layers, dropout, train,
                bidirectional, batch_first)


def rnn_relu(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first):
    """``torch.rnn_relu``: ``(output, h_n)`` of a stacked Elman RNN with ReLU."""
    return _rnn("RNN_RELU", input, hx, params, has_biases, num_layers, dropout, train,
                bidirectional, batch_first)


for _fn in (lstm_cell, gru_cell, rnn_tanh_cell, rnn_relu_cell):
    declare(_fn, method=False)
for _fn in (lstm, gru, rnn_tanh, rnn_relu):
    declare(_fn, method=False)

del _fn, _name
