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
import math

import numpy as np

from ... import functions as _F
from ..._int_range import check_int64
from ..._tensor import Tensor, as_tensor_arg
from ..._tensor.tensor import _int_value
from ...functions._args import _check_fill_value, _tensor_operands, _tensors_only
from ...functions._registry import declare

# the submodules by name: ``from . import linear`` would give the function the package exports
_A, _C, _D, _E, _L, _LS, _N, _P, _R, _RS, _LA, _CTC = (
    importlib.import_module(f"{__package__}.{m}") for m in (
        "activation", "conv", "dropout", "embedding", "linear", "loss", "normalization",
        "pooling", "recurrent", "resample", "_loss_aten", "loss_ctc"))

__all__: list = []

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(reduction, name: str, pos: int) -> str:
    """ATen's integer ``reduction``: 1 mean, 2 sum, any other integer none (as
    ``apply_loss_reduction``); functional's strings are taken too."""
    if isinstance(reduction, str) and reduction in ("none", "mean", "sum"):
        return reduction
    value = _int_value(reduction)  # (a 0-d integer tensor too, as PyTorch's int arguments)
    if value is not None:
        return _REDUCTIONS.get(check_int64(value, name, "reduction"), "none")
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
    """``torch.convolution``: the N-d (transposed) convolution chosen by ``weight``'s rank; the
    input is always batched and ``stride``, ``padding``, ``dilation``, ``output_padding`` are
    lists (one value is repeated)."""
    for pos, name, v in ((4, "stride", stride), (5, "padding", padding), (6, "dilation", dilation),
                         (8, "output_padding", output_padding)):
        if not isinstance(v, (tuple, list)):
            raise TypeError(f"convolution(): argument '{name}' (position {pos}) must be tuple of "
                            f"ints, not {type(v).__name__}")
    if any(getattr(t, "is_complex", lambda: False)() for t in (input, weight)):
        raise NotImplementedError(  # (PyTorch's slow_conv kernels have no complex version)
            "convolution(): \"slow_conv2d_cpu\" not implemented for complex tensors, as in "
            "PyTorch; the functional faces (conv1d/conv2d/conv3d, conv_transpose1d/2d/3d) and "
            "the nn.Conv modules take complex tensors")
    if transposed:
        return _C._conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                                     dilation, None, "convolution()", batchify=False)
    return _C._conv_nd(input, weight, bias, stride, padding, dilation, groups, None,
                       "convolution()", batchify=False)


def conv_tbc(input, weight, bias, pad=0):
    """``torch.conv_tbc``: 1-D convolution of time-batch-channel input ``(T, B, C_in)`` with a
    ``(K, C_in, C_out)`` weight and a ``(C_out,)`` bias; the result is ``(T + 2 pad - K + 1, B,
    C_out)`` in the input's dtype (a negative ``pad`` crops)."""
    who = "conv_tbc()"
    input, weight, bias = _tensor_operands("conv_tbc", (1, "self", input), (2, "weight", weight),
                                           (3, "bias", bias))
    if isinstance(pad, bool) or not isinstance(pad, (int, np.integer)):
        raise TypeError(f"conv_tbc(): argument 'pad' (position 4) must be int, not "
                        f"{type(pad).__name__}")
    x, w, b, pad = input, weight, bias, int(pad)
    if x.ndim != 3:
        raise RuntimeError(f"{who}: Input must have 3 dims: time, batch, in_channel; got shape "
                           f"{tuple(x.shape)}")
    if w.ndim != 3:
        raise RuntimeError(f"{who}: Weight tensor must have 3 dims: kernel_width, in_channels, "
                           f"out_channels; got shape {tuple(w.shape)}")
    if b.ndim != 1:
        raise RuntimeError(f"{who}: Bias must be 1-D, got shape {tuple(b.shape)}")
    t_in, batch, c_in = x.shape
    k, _, c_out = w.shape
    if c_in != w.shape[1]:
        raise RuntimeError(f"{who}: Input dim 2 (input channels, {c_in}) is not == dim 1 in the "
                           f"weight tensor ({w.shape[1]})")
    if b.shape[0] != c_out:
        raise RuntimeError(f"{who}: Bias size ({b.shape[0]}) must equal dim 2 in the weight "
                           f"tensor (output channels, {c_out}).")
    t_out = t_in - k + 1 + 2 * pad
    if t_out < 0:
        raise RuntimeError(f"{who}: Trying to create tensor with negative dimension {t_out}: "
                           f"[{t_out}, {batch}, {c_out}] (time {t_in}, kernel {k}, pad {pad})")
    # PyTorch's kernel: the bias, plus one product per kernel tap over the time steps where
    # that tap meets the input (padding is never multiplied, so an inf weight makes no NaN)
    out = b.to(x.dtype).expand(t_out, batch, c_out)
    terms = []
    for j in range(k):
        o0, i0 = max(0, pad - j), max(0, j - pad)
        t = min(t_in + pad - j, t_out) - o0
        if t <= 0:
            continue
        if w.dtype != x.dtype:
            raise RuntimeError(f"{who}: self and mat2 must have the same dtype, but got "
                               f"{x.dtype} (input) and {w.dtype} (weight)")
        xs = x[i0:i0 + t]
        if t > 1 and batch > 1 and xs.numel() and xs.stride(0) != batch * xs.stride(1):
            raise RuntimeError(f"{who}: view size is not compatible with input tensor's size "
                               f"and stride (input of shape {tuple(x.shape)} with strides "
                               f"{x.stride()}); call .contiguous() on the input first")
        terms.append(_RS.pad(_F.matmul(xs, w[j]), (0, 0, 0, 0, o0, t_out - o0 - t)))
    for term in terms:
        out = out + term
    return out.contiguous()


declare(convolution, method=False)
declare(conv_tbc, method=False)


# ------------------------------------------------------------------ dropout
def dropout(input, p, train):
    """``torch.dropout(input, p, train)``."""
    return _D._dropout("dropout", input, p, train)


def dropout_(input, p, train):
    """``torch.dropout_``: :func:`dropout` written into ``input``."""
    return _D._dropout("dropout_", input, p, train, inplace=True)


def alpha_dropout(input, p, train):
    """``torch.alpha_dropout(input, p, train)``."""
    return _D._dropout("alpha_dropout", input, p, train, alpha=True)


def alpha_dropout_(input, p, train):
    return _D._dropout("alpha_dropout_", input, p, train, alpha=True, inplace=True)


def feature_dropout(input, p, train):
    """``torch.feature_dropout``: zero whole channels of ``(N, C, ...)`` input."""
    return _D._dropout("feature_dropout", input, p, train, feature=True)


def feature_dropout_(input, p, train):
    return _D._dropout("feature_dropout_", input, p, train, feature=True, inplace=True)


def feature_alpha_dropout(input, p, train):
    """``torch.feature_alpha_dropout``: alpha dropout of whole channels."""
    return _D._dropout("feature_alpha_dropout", input, p, train, feature=True, alpha=True)


def feature_alpha_dropout_(input, p, train):
    return _D._dropout("feature_alpha_dropout_", input, p, train, feature=True, alpha=True,
                       inplace=True)


# The random in-place forms are declared on their own (function faces only): the generated
# in-place face would draw a second mask.
for _fn in (dropout, dropout_, alpha_dropout, alpha_dropout_, feature_dropout, feature_dropout_,
            feature_alpha_dropout, feature_alpha_dropout_):
    declare(_fn, method=False)


# ------------------------------------------------------------------ normalization
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled):
    """``torch.batch_norm`` (ATen's order: weight and bias before the running statistics)."""
    _tensors_only("batch_norm", (1, "input", input), (2, "weight", weight), (3, "bias", bias),
                  (4, "running_mean", running_mean), (5, "running_var", running_var),
                  optional=("weight", "bias", "running_mean", "running_var"))
    return _N._batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps,
                          False)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                  eps, cudnn_enabled):
    """``torch.instance_norm`` (ATen's order)."""
    return _N._instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                             momentum, eps, False)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    """``torch.layer_norm``."""
    return _N.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):
    """``torch.group_norm``."""
    _tensors_only("group_norm", (1, "input", input), (3, "weight", weight), (4, "bias", bias),
                  optional=("weight", "bias"))
    return _N._group_norm(input, num_groups, weight, bias, eps, False)


def norm_except_dim(v, pow=2, dim=0):
    """``torch.norm_except_dim``: the ``pow``-norm over every dimension but ``dim`` (kept, with
    size 1 elsewhere); ``dim=-1`` gives the norm of the whole tensor (weight norm's ``g``).
    PyTorch's checks: ``dim`` in range (IndexError), a ``dim`` of size 0 (its reshape's
    RuntimeError), a floating ``v`` (``norm``'s RuntimeError)."""
    v, = _tensor_operands("norm_except_dim", (1, "v", v))
    pow_ = _int_value(pow)  # (PyTorch's int parameter: a float, bool or None is refused)
    if pow_ is None:
        raise TypeError(f"norm_except_dim(): argument 'pow' (position 2) must be int, not "
                        f"{type(pow).__name__}")
    pow = pow_
    if dim == -1:
        return _norm_float(v, pow, None)
    if v.ndim == 0:
        raise IndexError(f"norm_except_dim: Dimension out of range (a 0-D v has no dimension "
                         f"{dim})" if dim != 0 else
                         "norm_except_dim: Dimension specified as 0 but tensor has no dimensions")
    if not -v.ndim <= dim < v.ndim:
        raise IndexError(f"norm_except_dim: Dimension out of range (expected to be in range of "
                         f"[{-v.ndim}, {v.ndim - 1}], but got {dim})")
    d = dim % v.ndim
    if v.shape[d] == 0 and v.ndim > 1:
        raise RuntimeError(f"norm_except_dim: cannot reshape tensor of 0 elements into shape "
                           f"[{v.shape[d]}, -1] because the unspecified dimension size -1 can be "
                           f"any value and is ambiguous (v of shape {tuple(v.shape)}, dim {dim})")
    if v.ndim == 1 and v.shape[0] == 0:
        raise RuntimeError("norm_except_dim: cannot reshape tensor of 0 elements into shape "
                           "[0, -1] because the unspecified dimension size -1 can be any value "
                           "and is ambiguous")
    if v.ndim == 1:  # (PyTorch views it (n, 1): each element's own norm, not the whole's)
        return _norm_float(v.reshape(-1, 1), pow, (1,)).reshape(v.shape)
    return _norm_float(v, pow, tuple(i for i in range(v.ndim) if i != d))


def _norm_float(v, pow, axes):
    """``norm`` of a floating ``v`` (PyTorch's RuntimeError otherwise); ``pow=0`` counts the
    nonzero entries with a zero gradient, on the graph as PyTorch's."""
    if not v.is_floating_point():
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. "
                           f"Got {v.dtype} instead.")
    keep = axes is not None
    out = _F.norm(v, pow, axes, keep) if keep else _F.norm(v, pow)
    if pow == 0 and v.requires_grad and not out.requires_grad:
        total = v.sum(axes, keepdim=True) if keep else v.sum()
        out = _F.where(_F.zeros_like(out, dtype=_F_bool()), total, out)
    return out


def _F_bool():
    from ..._dtype import bool as b

    return b


for _fn in (batch_norm, instance_norm, layer_norm, group_norm, norm_except_dim):
    declare(_fn, method=False)
declare(_N.rms_norm, name="rms_norm", method=False)
for _name in ("pdist", "cosine_similarity", "pairwise_distance"):
    declare(getattr(_N, _name), name=_name, method=False)


# ------------------------------------------------------------------ linear, embedding, resample
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """``torch.embedding(weight, indices, ...)``: the weight first; ``padding_idx=-1`` is none."""
    pad = None if padding_idx is None or padding_idx < 0 else padding_idx
    return _E._lookup(indices, weight, pad, None, 2.0, scale_grad_by_freq, sparse)


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
    _tensor_operands("constant_pad_nd", (1, "input", input))
    _check_fill_value(value, input.dtype, "constant_pad_nd")
    return _RS.pad(input, pad, "constant", value)


_GRID_MODES = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_GRID_PADDING = {0: "zeros", 1: "border", 2: "reflection"}


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """``torch.grid_sampler``: :func:`grid_sample` with ATen's integer modes (interpolation 0
    bilinear, 1 nearest, 2 bicubic; padding 0 zeros, 1 border, 2 reflection), after ATen's
    checks of the input and grid."""
    _tensor_operands("grid_sampler", (1, "input", input), (2, "grid", grid))
    for pos, name, v in ((3, "interpolation_mode", interpolation_mode),
                         (4, "padding_mode", padding_mode)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"grid_sampler(): argument '{name}' (position {pos}) must be int, "
                            f"not {type(v).__name__}")
    _RS._grid_checks(input, grid, "grid_sampler()")
    if interpolation_mode not in _GRID_MODES or padding_mode not in _GRID_PADDING:
        if _RS._grid_out_empty(input, grid):  # no kernel runs: PyTorch reads no mode
            return _RS.grid_sample(input, grid, "bilinear", "zeros", align_corners)
        # (PyTorch's kernel returns uninitialised memory for other codes: a clear error here)
        raise ValueError(f"grid_sampler: interpolation_mode must be 0, 1 or 2 and padding_mode "
                         f"0, 1 or 2, got {interpolation_mode!r} and {padding_mode!r}")
    return _RS.grid_sample(input, grid, _GRID_MODES[interpolation_mode],
                           _GRID_PADDING[padding_mode], align_corners)


def grid_sampler_2d(input, grid, interpolation_mode, padding_mode, align_corners):
    """``torch.grid_sampler_2d``: :func:`grid_sampler` on a 4-D input and grid."""
    return _grid_sampler_nd(4, "grid_sampler_2d", input, grid, interpolation_mode,
                            padding_mode, align_corners)


def grid_sampler_3d(input, grid, interpolation_mode, padding_mode, align_corners):
    """``torch.grid_sampler_3d``: :func:`grid_sampler` on a 5-D input and grid (no bicubic)."""
    return _grid_sampler_nd(5, "grid_sampler_3d", input, grid, interpolation_mode,
                            padding_mode, align_corners)


def _grid_sampler_nd(nd, name, input, grid, interpolation_mode, padding_mode, align_corners):
    _tensor_operands(name, (1, "input", input), (2, "grid", grid))
    _RS._grid_checks(input, grid, "grid_sampler()")  # ATen's common checks come first
    if input.ndim != nd or grid.ndim != nd:
        raise RuntimeError(f"grid_sampler(): expected {nd}D input and grid with same number of "
                           f"dimensions, but got input with sizes {list(input.shape)} and grid "
                           f"with sizes {list(grid.shape)}")
    if nd == 5 and interpolation_mode == 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """``torch.embedding_bag``: ATen's form of :func:`~gradkit.nn.functional.embedding_bag`
    (weight first, the integer ``mode`` 0 sum, 1 mean, 2 max) returning PyTorch's four tensors
    ``(output, offset2bag, bag_size, max_indices)``: the bag of each index, each bag's size
    (without ``padding_idx`` entries; 0 in sum mode), and the row each maximum came from in max
    mode (``bag_size`` in mean mode, zeros in sum mode). As PyTorch's CPU kernel, sum mode over
    float32/float16 rows of stride 1 without ``padding_idx`` leaves ``offset2bag`` empty."""
    _tensors_only("embedding_bag", (1, "weight", weight), (2, "indices", indices),
                  (3, "offsets", offsets), optional=("offsets",))
    if isinstance(mode, bool) or mode not in (0, 1, 2):
        raise RuntimeError(f"embedding_bag(): mode has to be 0 (sum), 1 (mean) or 2 (max), got "
                           f"{mode!r}")
    if weight.dtype.kind != "f":
        raise RuntimeError(f"Expected tensor for argument #1 'weight' to have one of the "
                           f"following scalar types: Half, BFloat16, Float, Double; but got "
                           f"{weight.dtype} instead (while checking arguments for embedding_bag)")
    if per_sample_weights is not None and per_sample_weights.dtype != weight.dtype:
        raise RuntimeError(f"Expected tensor for argument #1 'weight' to have the same type as "
                           f"tensor for argument #1 'per_sample_weights'; but type "
                           f"{weight.dtype} does not equal {per_sample_weights.dtype} (while "
                           f"checking arguments for embedding_bag)")
    if indices.ndim not in (1, 2):
        raise RuntimeError(f"input has to be a 1D or 2D Tensor, but got Tensor of dimension "
                           f"{indices.ndim}")
    if offsets.ndim != 1:
        raise RuntimeError(f"offsets has to be a 1D Tensor, but got Tensor of dimension "
                           f"{offsets.ndim}")
    try:
        out = _E.embedding_bag(indices, weight, offsets, None, 2, scale_grad_by_freq,
                               ("sum", "mean", "max")[mode], sparse, per_sample_weights,
                               include_last_offset, padding_idx)
    except ValueError as e:  # ATen checks its arguments with RuntimeError
        raise RuntimeError(str(e)) from None
    idx = np.asarray(indices.tolist(), dtype=np.int64).reshape(-1)
    off = np.asarray(offsets.tolist(), dtype=np.int64).reshape(-1)
    starts = off[:-1] if include_last_offset else off
    bags = starts.size
    bag_of = np.repeat(np.arange(bags, dtype=np.int64),
                       np.diff(np.append(starts, idx.size)).clip(0))[:idx.size]
    n = weight.shape[0]
    keep = np.ones(idx.size, bool) if padding_idx is None else \
        idx != (padding_idx + n if padding_idx < 0 else padding_idx)
    size = np.bincount(bag_of[keep], minlength=bags).astype(np.int64)
    fast = mode == 0 and padding_idx is None and weight.dtype.itemsize <= 4 and (
        weight.stride(1) == 1 and (per_sample_weights is None or per_sample_weights.stride(0) == 1))
    offset2bag = np.zeros(0, np.int64) if fast else bag_of
    if mode == 0:
        bag_size = max_idx = np.zeros(off.size, np.int64)  # (every offset, as PyTorch)
    elif mode == 1:
        bag_size = max_idx = size
    else:
        bag_size = size
        w = np.asarray(weight.detach().tolist(), dtype=np.float64).reshape(n, -1)
        max_idx = np.zeros((bags, w.shape[1]), np.int64)
        for b in range(bags):
            rows = idx[(bag_of == b) & keep]
            if rows.size:
                max_idx[b] = rows[np.argmax(w[rows], axis=0)]
    from ...factories import tensor

    return (out, tensor(offset2bag), tensor(bag_size), tensor(max_idx))


def affine_grid_generator(theta, size, align_corners):
    """``torch.affine_grid_generator``: :func:`affine_grid` after ATen's checks (its base grid
    ``(N, H, W, 3)`` times ``theta`` transposed, batch by batch)."""
    theta, = _tensor_operands("affine_grid_generator", (1, "theta", theta))
    who = "affine_grid_generator()"
    size = [int(v) for v in size]
    if len(size) not in (4, 5):
        raise RuntimeError(f"{who}: AffineGridGenerator needs 4d (spatial) or 5d (volumetric) "
                           f"inputs, got size {size}")
    n, spatial = size[0], size[2:]
    if any(v < 0 for v in [n] + spatial):
        raise RuntimeError(f"{who}: Trying to create tensor with negative dimension: size {size}")
    if theta.dtype == _bool():
        raise NotImplementedError(f'{who}: "linspace_cpu" not implemented for {theta.dtype}')
    if theta.ndim < 3:
        raise IndexError(f"{who}: Dimension out of range (expected to be in range of "
                         f"[{-max(theta.ndim, 1)}, {max(theta.ndim, 1) - 1}], but got "
                         f"{theta.ndim if theta.ndim == 2 else 1}) (theta of shape "
                         f"{tuple(theta.shape)}; expected (N, {len(spatial)}, "
                         f"{len(spatial) + 1}))")
    k = len(spatial) + 1
    if theta.ndim != 3 or theta.shape[0] != n or theta.shape[2] != k:
        raise RuntimeError(f"{who}: Expected size for first two dimensions of batch2 tensor to "
                           f"be: [{n}, {k}] but got: [{theta.shape[0]}, "
                           f"{theta.shape[2] if theta.ndim > 2 else '?'}] (theta of shape "
                           f"{tuple(theta.shape)} for size {size})")
    if theta.shape[1] != len(spatial):
        total = n * math.prod(spatial) * theta.shape[1]
        raise RuntimeError(f"{who}: shape '{[n] + spatial + [len(spatial)]}' is invalid for "
                           f"input of size {total} (theta of shape {tuple(theta.shape)})")
    if 0 in [n] + spatial:
        return theta.new_zeros((n, *spatial, len(spatial))) + theta.sum() * 0
    return _RS._affine_grid(theta, tuple(size), align_corners)  # (an integer theta: its dtype)


def _bool():
    from ..._dtype import bool as b

    return b


declare(_L.bilinear, name="bilinear", method=False)
for _fn in (embedding, constant_pad_nd, grid_sampler, affine_grid_generator, grid_sampler_2d,
            grid_sampler_3d):
    declare(_fn, method=False)
declare(embedding_bag, method=False)
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
    return _A._rrelu(_A._t(input), lower, upper, training, generator)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """``torch.rrelu_``: :func:`rrelu` written into ``input``."""
    x = _A._t(input)
    _A._rrelu_checks(x, lower, upper, training, True)
    return _A._in_place(x, lambda t: _A._rrelu(t, lower, upper, training, generator, True),
                        "rrelu_")


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
                  (4, "pos_weight", pos_weight), optional=("weight", "pos_weight"))
    return _LA.binary_cross_entropy_with_logits(input, target, weight, pos_weight,
                                                _reduction(reduction, name, 5))


def kl_div(input, target, reduction=0, *, log_target=False):
    """``torch.kl_div``: the pointwise KL divergence, ``reduction`` 0/1/2 (1: the mean over
    every element)."""
    _tensor_operands("kl_div", (1, "input", input), (2, "target", target))
    return _LA.kl_div(input, target, _reduction(reduction, "kl_div", 3), log_target)


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    """``torch.margin_ranking_loss`` (broadcasting across ranks, unlike the functional)."""
    name = "margin_ranking_loss"
    _tensor_operands(name, (1, "input1", input1), (2, "input2", input2), (3, "target", target))
    return _LA.margin_ranking_loss(input1, input2, target, margin, _reduction(reduction, name, 5))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    """``torch.hinge_embedding_loss``."""
    name = "hinge_embedding_loss"
    input, target = _tensor_operands(name, (1, "input", input), (2, "target", target))
    return _LA.hinge_embedding_loss(input, target, margin, _reduction(reduction, name, 4))


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    """``torch.cosine_embedding_loss``."""
    name = "cosine_embedding_loss"
    _tensor_operands(name, (1, "input1", input1), (2, "input2", input2), (3, "target", target))
    return _LA.cosine_embedding_loss(input1, input2, target, margin,
                                     _reduction(reduction, name, 5))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False,
                        reduction=0):
    """``torch.triplet_margin_loss`` (no check of ``margin``, unlike the functional)."""
    name = "triplet_margin_loss"
    _tensor_operands(name, (1, "anchor", anchor), (2, "positive", positive),
                  (3, "negative", negative))
    return _LA.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                   _reduction(reduction, name, 8))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    """``torch.poisson_nll_loss`` (every argument required, as ATen)."""
    _tensor_operands("poisson_nll_loss", (1, "input", input), (2, "target", target))
    return _LA.poisson_nll_loss(input, target, log_input, full, eps,
                                _reduction(reduction, "poisson_nll_loss", 6))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0,
             zero_infinity=False):
    """``torch.ctc_loss`` (integer ``reduction``)."""
    _tensor_operands("ctc_loss", (1, "log_probs", log_probs), (2, "targets", targets))
    return _CTC.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
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
def _size(name, t, what, d):
    """``t.size(d)`` with PyTorch's IndexError for a missing dimension."""
    if t.ndim == 0:
        raise IndexError(f"{name}: Dimension specified as {d} but tensor has no dimensions "
                         f"({what} is 0-D)")
    if d >= t.ndim:
        raise IndexError(f"{name}: Dimension out of range (expected to be in range of "
                         f"[{-t.ndim}, {t.ndim - 1}], but got {d}) ({what} of shape "
                         f"{tuple(t.shape)})")
    return t.shape[d]


def _cell_args(name, input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """The input, after ATen's checks of a cell's arguments, in its order: types (TypeError),
    ``input.size(1) == w_ih.size(1)``, then per hidden state ``input.size(0) == h.size(0)`` and
    ``h.size(1) == w_hh.size(1)`` (IndexError for a missing dimension, RuntimeError for a
    mismatch), then one dtype for every tensor (the products' RuntimeError)."""
    hs = tuple(hx) if name == "lstm_cell" and isinstance(hx, (tuple, list)) else (hx,)
    _tensors_only(name, (1, "input", input), *((2, "hx", h) for h in hs), (3, "w_ih", w_ih),
                  (4, "w_hh", w_hh), (5, "b_ih", b_ih), (6, "b_hh", b_hh),
                  optional=("hx", "b_ih", "b_hh"))
    x = input
    gates = {"lstm_cell": 4, "gru_cell": 3}.get(name, 1)

    def weight_rows():
        hidden = _size(name, w_hh, "w_hh", 1)
        for what, w in (("weight_ih", w_ih), ("weight_hh", w_hh)):
            if _size(name, w, what, 0) != gates * hidden:
                raise RuntimeError(f"{name}: {what} first dim must be {gates} * hidden_size = "
                                   f"{gates * hidden}, but got {w.shape[0]}")

    # ATen's order: the Elman cells check their weights' first dims first; the LSTM cell reads
    # w_hh.size(1), checks the input, then the weights; the GRU cell checks the input, reads
    # w_hh.size(1), checks the hidden state, then the weights
    if name.startswith("rnn_"):
        weight_rows()
    elif name == "lstm_cell":
        _size(name, w_hh, "w_hh", 1)
    got, want = _size(name, x, "input", 1), _size(name, w_ih, "w_ih", 1)
    if got != want:
        raise RuntimeError(f"{name}: input has inconsistent input_size: got {got} expected "
                           f"{want}")
    if name == "lstm_cell":
        weight_rows()
    _size(name, w_hh, "w_hh", 1)  # (the hidden size, read before the hidden states' checks)
    for label, h in enumerate(hs):
        if h is None:
            continue
        if _size(name, x, "input", 0) != _size(name, h, f"hidden{label}", 0):
            raise RuntimeError(f"{name}: Input batch size {x.shape[0]} doesn't match hidden"
                               f"{label} batch size {h.shape[0]}")
        got, want = _size(name, h, f"hidden{label}", 1), _size(name, w_hh, "w_hh", 1)
        if got != want:
            raise RuntimeError(f"{name}: hidden{label} has inconsistent hidden_size: got {got}, "
                               f"expected {want}")
    if name == "gru_cell":
        weight_rows()
    # each product is of one dtype (the hidden one first, as PyTorch's cells compute it
    # first); floating products of two dtypes combine as PyTorch's (``_mixed_cell``); an
    # LSTM's cell state only enters elementwise products, which promote
    for a, w in ((hs[0], w_hh), (x, w_ih)):  # (the hidden product first, as PyTorch's)
        if a is not None and a.dtype == w.dtype and a.dtype.kind == "b":
            raise NotImplementedError(f"{name}: \"addmm_impl_cpu_\" not implemented for 'Bool'; "
                                      f"convert the tensors first, e.g. .float()")
    h = hs[0] if hs[0] is not None and _floating(hs[0]) and _floating(x) else x
    for what, t, ref, label in (("w_hh", w_hh, h, "hx"), ("b_hh", b_hh, h, "hx"),
                                ("hx", hs[0], h, "input"), ("w_ih", w_ih, x, "input"),
                                ("b_ih", b_ih, x, "input")):
        if t is not None and t.dtype != ref.dtype:
            raise RuntimeError(f"{name}: self and mat2 must have the same dtype, but got "
                               f"{t.dtype} ({what}) and {ref.dtype} ({label})")
    return x


def _floating(t):
    return t.dtype.is_floating_point or t.dtype.is_complex


def _mixed_cell(name, x, hx, w_ih, w_hh, b_ih, b_hh):
    """A cell whose input and hidden products differ in dtype, in PyTorch's steps: the hidden
    gates ``linear(hx, w_hh, b_hh)`` take the input gates in place (in their dtype), then the
    nonlinearities; the GRU's new gate and output promote (RNN.cpp's cells)."""
    from ... import _dtype
    from .linear import linear

    h = hx[0] if name == "lstm_cell" else hx
    hg, ig = linear(h, w_hh, b_hh), linear(x, w_ih, b_ih)
    common = _dtype.promote_types(hg.dtype, ig.dtype)
    if name == "gru_cell":
        hr, hz, hn = _F.chunk(hg, 3, 1)
        ir, iz, i_n = _F.chunk(ig, 3, 1)
        r = _F.sigmoid((hr.to(common) + ir.to(common)).to(hg.dtype))
        z = _F.sigmoid((hz.to(common) + iz.to(common)).to(hg.dtype))
        n = _F.tanh(i_n + hn * r)
        return (h - n) * z + n
    gates = (hg.to(common) + ig.to(common)).to(hg.dtype)
    if name != "lstm_cell":
        return _F.tanh(gates) if name == "rnn_tanh_cell" else _F.relu(gates)
    i, f, g, o = _F.chunk(gates, 4, 1)
    fc = _F.sigmoid(f) * hx[1]
    c = fc + (_F.sigmoid(i) * _F.tanh(g)).to(fc.dtype)
    return _F.sigmoid(o) * _F.tanh(c), c


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``torch.lstm_cell(input, (h, c), w_ih, w_hh, b_ih, b_hh)``: ``(h', c')``."""
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise RuntimeError("lstm_cell: hx must be a pair (h, c) of tensors")
    x = _cell_args("lstm_cell", input, hx, w_ih, w_hh, b_ih, b_hh)
    if hx[0] is not None and hx[0].dtype != x.dtype:
        return _mixed_cell("lstm_cell", x, hx, w_ih, w_hh, b_ih, b_hh)
    h, c = _R.lstm_cell(x, hx[0], hx[1], w_ih, w_hh, b_ih, b_hh)
    return h, c


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``torch.gru_cell``: one GRU step."""
    x = _cell_args("gru_cell", input, hx, w_ih, w_hh, b_ih, b_hh)
    if hx is not None and hx.dtype != x.dtype:
        return _mixed_cell("gru_cell", x, hx, w_ih, w_hh, b_ih, b_hh)
    return _R.gru_cell(x, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``torch.rnn_tanh_cell``: ``tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""
    x = _cell_args("rnn_tanh_cell", input, hx, w_ih, w_hh, b_ih, b_hh)
    if hx is not None and hx.dtype != x.dtype:
        return _mixed_cell("rnn_tanh_cell", x, hx, w_ih, w_hh, b_ih, b_hh)
    return _R.rnn_cell(x, hx, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh")


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``torch.rnn_relu_cell``: ``relu(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""
    x = _cell_args("rnn_relu_cell", input, hx, w_ih, w_hh, b_ih, b_hh)
    if hx is not None and hx.dtype != x.dtype:
        return _mixed_cell("rnn_relu_cell", x, hx, w_ih, w_hh, b_ih, b_hh)
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
                  *((3, "params", w) for w in params), optional=("hx",))
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
