"""Attention: scaled dot-product attention and the multi-head attention forward.

Both are composed from differentiable gradkit ops (``matmul``, ``softmax``), so they support
higher-order gradients. Mask conventions follow PyTorch, which differ between the two functions:

- ``scaled_dot_product_attention``: a boolean ``attn_mask`` is True where a query **may** attend.
- ``multi_head_attention_forward`` / ``nn.MultiheadAttention``: a boolean ``attn_mask`` or
  ``key_padding_mask`` is True where attention is **not** allowed.

Float masks are added to the attention scores in both.
"""

from __future__ import annotations

import math

import numpy as np

from ... import _dtype as _dt
from ... import functions as F
from ..._tensor import Tensor, _make, apply
from ..._warnings import warn
from ...amp._state import CPU as _AUTOCAST
from ...amp._state import lower as _ac_lower
from ...autograd import grad_mode as _grad_mode
from ...backends.cuda import _SDP
from ...functions._args import _tensor_attr_arg
from ...ops.attention import ATTENTION
from ...random import _gen, dropout_mask
from ._faces import replaced
from .linear import linear as _linear

__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]


def _const(arr, like=None):
    """A constant Tensor around ``arr``, moved to the device of the Tensor ``like`` if needed."""
    if like is not None and type(arr) is not type(like._data):
        from ...device import _to_namespace_of

        arr = _to_namespace_of(arr, like._data)
    return _make(arr, False, None)


def _dropout(x, p):
    if p >= 1.0:  # every weight dropped: zeros, as PyTorch (not 0 / (1 - p) = nan)
        return x * _const(np.zeros((), dtype=x.dtype), x)
    return x * _const(dropout_mask(_gen(None), tuple(x.shape), p, x.dtype), x)


def _shape(t):
    return tuple(t.shape)


def _bool_to_bias(mask, dtype, allowed_when_true):
    """A boolean mask as an additive float array: 0 where attention is allowed, -inf elsewhere."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    allowed = m if allowed_when_true else ~m
    return np.where(allowed, 0.0, -np.inf).astype(dtype)


_CAUSAL = {}


def _causal_bias(L, S, dtype):
    """The (L, S) additive causal mask (0 on and below the diagonal, -inf above), made once per
    shape and dtype (read-only: shared by every call)."""
    key = (L, S, np.dtype(dtype).str)
    bias = _CAUSAL.get(key)
    if bias is None:
        if len(_CAUSAL) > 64:
            _CAUSAL.clear()
        bias = _bool_to_bias(np.tril(np.ones((L, S), dtype=bool)), dtype, True)
        bias.flags.writeable = False
        _CAUSAL[key] = bias
    return bias


def _fusable(query, key, value, bias):
    """Whether the fused attention core (ops/attention.py) computes this call: floating
    operands of one dtype, at least 2-D, and a constant mask (one that requires no gradient)
    that does not broadcast the scores to a larger shape. Otherwise the composite runs."""
    dt = query.dtype
    if dt.kind != "f" or key.dtype != dt or value.dtype != dt or query.ndim < 2 \
            or key.ndim < 2 or value.ndim < 2:
        return False
    if bias is None:
        return True
    if bias.requires_grad and _grad_mode.STATE[0]:
        return False
    if bias.dtype.kind != "f" or type(bias._data) is not type(query._data):
        return False
    batch = np.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2]))
    scores = batch + (query.shape[-2], key.shape[-2])
    try:
        return np.broadcast_shapes(scores, tuple(bias.shape)) == scores
    except ValueError:
        return False


def _safe_softmax(scores):
    """Softmax over the last dimension that gives 0 (and 0 gradients) for a row whose scores are
    all ``-inf`` (every key masked out), as PyTorch's SDPA; plain softmax gives nan there."""
    full = np.all(scores._data == -np.inf, axis=-1, keepdims=True)
    if not full.any():
        return F.softmax(scores, -1)
    scores = F.masked_fill(scores, _const(full, scores), 0.0)
    return F.softmax(scores, -1) * _const((~full).astype(scores.dtype), scores)


def _batch_dims(query, key, value, inner):
    """The broadcast of the dims before the last ``inner`` of query, key and value, or
    PyTorch's RuntimeError where they do not broadcast."""
    try:
        return tuple(np.broadcast_shapes(query.shape[:-inner], key.shape[:-inner],
                                         value.shape[:-inner]))
    except ValueError:
        raise RuntimeError(f"scaled_dot_product_attention: the batch dims of query "
                           f"{_shape(query)}, key {_shape(key)} and value {_shape(value)} must "
                           f"broadcast (each equal or 1)") from None


def _gqa_heads(query, key):
    """The query's and the key's head counts, or PyTorch's RuntimeError where grouping
    cannot share the key's heads among the query's."""
    hq, hk = query.shape[-3], key.shape[-3]
    if hk != hq and (not hk or hq % hk):
        raise RuntimeError(f"scaled_dot_product_attention: with enable_gqa the query heads "
                           f"({hq}) must be a multiple of the key/value heads ({hk})")
    return hq, hk


def _fused_candidate(query, key, value, attn_mask, dropout_p, enable_gqa) -> bool:
    """Whether PyTorch's CPU backend choice reads ``attn_mask.size(-2)`` (its fused kernel's
    mask-shape check, an IndexError for a 0-d or 1-d mask, before any other shape check): the
    fused kernel enabled, no dropout, 4-D query, key and value of one batch size and head count
    (key/value heads dividing the query's under ``enable_gqa``), a mask that does not require
    grad, and a non-empty output over at least one key. Elsewhere PyTorch's math path
    broadcasts such a mask."""
    if not _SDP["flash"] or dropout_p > 0.0 or attn_mask.requires_grad:
        return False
    if not query.ndim == key.ndim == value.ndim == 4:
        return False
    (b, h, L, _), (bk, hk, S, _), (bv, hv, _, ev) = query.shape, key.shape, value.shape
    if not b == bk == bv or hk != hv or (h % hk if enable_gqa and hk else h != hk):
        return False
    return b * h * L * ev > 0 and S > 0


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(Q K^T * scale + mask) V``, as ``torch.nn.functional.scaled_dot_product_attention``.

    Args:
        query: queries.
        key: keys.
        value: values.
        attn_mask: boolean (True: may attend) or float (added to the scores) mask, broadcastable
            to ``(..., L, S)``.
        dropout_p: dropout probability on the attention weights (applied whenever > 0, as in
            PyTorch: pass 0.0 in evaluation).
        is_causal: mask out keys after each query (upper-left aligned lower triangle); do not
            combine with ``attn_mask``. A query whose keys are all masked out gets a zero output
            (and zero gradients), as PyTorch.
        scale: score scale; default ``1 / sqrt(E)``.
        enable_gqa: grouped-query attention: ``query`` may have a multiple of the key/value heads
            (dimension -3).

    Returns:
        The attention output.

    Shape:
        - query: :math:`(..., L, E)`; key: :math:`(..., S, E)`; value: :math:`(..., S, E_v)`
        - output: :math:`(..., L, E_v)`

    Examples:
        >>> q = k = v = gradkit.randn(2, 4, 5, 8)
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
        gradkit.Size([2, 4, 5, 8])
    """
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention: {name} must be a Tensor, got "
                            f"{type(t).__name__}")
    if not query.dtype == key.dtype == value.dtype:  # PyTorch's first checks (no promotion)
        raise RuntimeError(f"scaled_dot_product_attention: Expected query, key, and value to "
                           f"have the same dtype, but got query.dtype: {query.dtype} key.dtype: "
                           f"{key.dtype} and value.dtype: {value.dtype} instead.")
    if isinstance(attn_mask, Tensor) and attn_mask.dtype not in (_dt.bool, _dt.float32,
                                                                 query.dtype):
        raise RuntimeError(f"scaled_dot_product_attention: Expected attn_mask dtype to be bool "
                           f"or float or to match query dtype, but got attn_mask.dtype: "
                           f"{attn_mask.dtype} and query.dtype: {query.dtype} instead.")
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(
            f"scaled_dot_product_attention: expected query, key, and value to all be at least 2 "
            f"dimensional, but got query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: "
            f"{value.ndim}")
    if not (_SDP["math"] or _SDP["flash"]):  # nn.attention.sdpa_kernel / backends switches
        from ..attention import check_backend_allowed

        check_backend_allowed(on_gpu=query.is_cuda)
    if _AUTOCAST[0]:  # on PyTorch's CPU autocast lower-precision list
        query, key, value, attn_mask = _ac_lower(query, key, value, attn_mask)
    if isinstance(attn_mask, Tensor) and attn_mask.ndim < 2 and _fused_candidate(
            query, key, value, attn_mask, dropout_p, enable_gqa):
        raise IndexError(f"scaled_dot_product_attention: Dimension out of range: attn_mask must "
                         f"have at least 2 dimensions (..., L, S), got shape {_shape(attn_mask)}")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(
            f"scaled_dot_product_attention: query and key must have the same embedding size "
            f"(last dimension), got query {_shape(query)} and key {_shape(key)}"
        )
    if key.shape[-2] != value.shape[-2] and value.numel():  # (an empty value: PyTorch's
        # shortcut to zeros comes first)
        raise RuntimeError(
            f"scaled_dot_product_attention: key and value must have the same sequence length "
            f"(dimension -2), got key {_shape(key)} and value {_shape(value)}"
        )
    if dropout_p > 1.0 or (not dropout_p >= 0.0 and query.ndim == 4):
        # (PyTorch's kernels: a negative or NaN dropout_p drops nothing but in the 4-D flash
        # kernel, which refuses any dropout)
        raise RuntimeError(f"scaled_dot_product_attention: dropout probability has to be "
                           f"between 0 and 1, but got {dropout_p}")
    L, S, E = query.shape[-2], key.shape[-2], query.shape[-1]
    no_width = E == 0 and value.numel() and math.prod(query.shape[:-1])
    if (query.numel() == 0 or key.numel() == 0 or value.numel() == 0) and not no_width:
        # PyTorch's shortcut: zeros of (query's batch dims, L, E_v), before the mask's checks
        # (no softmax over no keys); the gradients are zeros
        shape = tuple(query.shape[:-1]) + (value.shape[-1],)
        if not enable_gqa and value.numel():
            # an empty query or key (not value) takes PyTorch's math path: the batch dims
            # broadcast there (or raise its RuntimeError), and so does the output
            shape = _batch_dims(query, key, value, 2) + shape[-2:]
        elif enable_gqa and value.numel() and min(query.ndim, key.ndim, value.ndim) >= 3:
            # an empty query or key with grouped heads: the math path, where the dims before
            # the heads (which grouping repeats) broadcast, and so does the output
            _gqa_heads(query, key)
            shape = _batch_dims(query, key, value, 3) + shape[-3:]
        out = F.sum(F.narrow(query, -1, 0, 0), -1, keepdim=True).expand(tuple(shape))
        return out + F.sum(F.narrow(key, -1, 0, 0)) + F.sum(F.narrow(value, -1, 0, 0))
    if enable_gqa and min(query.ndim, key.ndim, value.ndim) < 3:
        raise IndexError(f"scaled_dot_product_attention: Dimension out of range: enable_gqa "
                         f"reads the heads (dimension -3) of query {_shape(query)}, key "
                         f"{_shape(key)} and value {_shape(value)}; pass (..., heads, L, E)")
    if enable_gqa and key.shape[-3] != query.shape[-3]:
        hq, hk = _gqa_heads(query, key)
        idx = _const(np.repeat(np.arange(hk), hq // hk))
        key = F.index_select(key, key.ndim - 3, idx)
        value = F.index_select(value, value.ndim - 3, idx)
    _batch_dims(query, key, value, 2)
    # (E = 0: PyTorch scales the empty query and key, so the scores are zeros and the
    # weights uniform over the keys)
    scale = (1.0 / math.sqrt(E) if E else 1.0) if scale is None else float(scale)
    dtype = np.result_type(query.dtype, key.dtype)
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("scaled_dot_product_attention: an explicit attn_mask should not be "
                               "set when is_causal=True")
        bias = _const(_causal_bias(L, S, dtype), query)
    elif attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            attn_mask = _const(np.asarray(attn_mask), query)
        if attn_mask.dtype.kind == "b":
            bias = _const(_bool_to_bias(attn_mask, dtype, True), query)
        elif attn_mask.dtype == query.dtype or attn_mask.dtype == np.float32:
            bias = attn_mask
        else:  # as PyTorch: an int mask, or a float64 mask on float32 queries (which would
            # silently promote the output to float64), is refused
            raise RuntimeError(
                f"scaled_dot_product_attention: expected attn_mask dtype to be bool or float32 or "
                f"to match the query dtype, but got attn_mask.dtype {attn_mask.dtype} and "
                f"query.dtype {query.dtype}"
            )
    else:
        bias = None
    if bias is not None and not is_causal:  # PyTorch adds the mask into the scores in place
        try:
            scores_shape = np.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2])) \
                + (query.shape[-2], key.shape[-2])
        except ValueError:  # (the matmul of the scores refuses the batch dims)
            scores_shape = None
        try:
            grown = scores_shape is not None and \
                np.broadcast_shapes(scores_shape, tuple(bias.shape)) != scores_shape
        except ValueError:
            grown = True
        if grown:
            raise RuntimeError(f"scaled_dot_product_attention: output with shape "
                               f"{list(scores_shape)} doesn't match the broadcast shape of the "
                               f"attn_mask of shape {list(bias.shape)}: the mask must broadcast "
                               f"to the scores' shape (..., L, S)")
    if dropout_p == 0.0 and _fusable(query, key, value, bias):
        return apply(ATTENTION, (query, key, value),
                     (None if bias is None else bias._data, scale, _flash_kernel(query, key,
                                                                               value)))
    scores = F.matmul(query, F.transpose(key, -2, -1)) * scale
    if bias is not None:
        scores = scores + bias
    attn = _safe_softmax(scores)
    if dropout_p > 0.0:
        attn = _dropout(attn, dropout_p)
    return F.matmul(attn, value)


def _flash_kernel(q, k, v):
    """Whether PyTorch's CPU SDPA takes its flash kernel (which gives a query of NaN scores a
    zero output) rather than its math path (NaN there): 4-D operands of one batch size, one
    head count and one head size, each with unit stride along its last dim."""
    return q.ndim == k.ndim == v.ndim == 4 and q.shape[0] == k.shape[0] == v.shape[0] \
        and q.shape[1] == k.shape[1] == v.shape[1] and q.shape[3] == k.shape[3] == v.shape[3] \
        and all(t.stride(-1) == 1 for t in (q, k, v))


def _as_float_mask(mask, dtype, name, who, like):
    """MHA masks (bool True = masked out, or float additive) as a float Tensor or None."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        mask = _const(np.asarray(mask), like)
    if mask.dtype.kind == "b":
        return _const(_bool_to_bias(mask, dtype, False), like)
    if mask.dtype.kind != "f":
        raise TypeError(f"{who}: only bool and floating types of {name} are supported, got "
                        f"{mask.dtype}")
    return mask  # a float mask keeps its dtype: _check_mask_dtype judges the merged one


def reconcile_masks(padding, other, padding_name, other_name, dtype):
    """PyTorch's warning for a key padding mask and an attention mask of different dtypes (a
    bool one beside a float one); both are then made float masks of ``dtype``, as PyTorch's
    ``_canonical_mask`` makes them, so that the layers inside do not warn again."""
    if isinstance(padding, Tensor) and isinstance(other, Tensor) and padding.dtype != other.dtype:
        warn(f"Support for mismatched {padding_name} and {other_name} is deprecated. Use same "
             f"type for both instead.")
        who = "multi_head_attention_forward"
        padding = _as_float_mask(padding, dtype, padding_name, who, padding)
        other = _as_float_mask(other, dtype, other_name, who, other)
    return padding, other


def _check_mask_dtype(mask, dtype, need_weights, who):
    """PyTorch's rule for the float mask that reaches the attention kernel (``attn_mask`` plus
    ``key_padding_mask``, in the dtype their sum promotes to): with ``need_weights`` its
    ``baddbmm`` takes the query's dtype only, without it SDPA takes float32 or the query's."""
    if mask is None or mask.dtype == dtype or not need_weights and mask.dtype == _dt.float32:
        return
    if need_weights:
        raise RuntimeError(f"{who}: Input dtypes must be the same, got: input {mask.dtype}, "
                           f"batch1: {dtype}, batch2: {dtype} (the attention mask, attn_mask "
                           f"plus key_padding_mask, must have the query's dtype when "
                           f"need_weights=True); convert the masks with .to({dtype})")
    raise RuntimeError(f"{who}: Expected attn_mask dtype to be bool or float or to match query "
                       f"dtype, but got attn_mask.dtype: {mask.dtype} and query.dtype: {dtype} "
                       f"instead (attn_mask plus key_padding_mask); convert the masks with "
                       f".to({dtype})")


def _in_projection(x, w, b):
    face = replaced("linear")  # (a program's F.linear, a FLOP counter's, as PyTorch's)
    if face is not None:
        return face(x, w, b)
    return _linear(x, w, b)  # one fused node: the product and the bias in one pass


def _out_projection(out, weight, bias, L, N):
    """The output projection of the (L * N, E) heads, back to (L, N, E_out): E_out is the
    projection's own width, which ``F.multi_head_attention_forward`` allows to differ from E
    (CLIP's attention pooling projects 2048 channels to 1024)."""
    out = _in_projection(out, weight, bias)
    return out.reshape(L, N, out.shape[-1])


def _out_proj_tensors(weight, bias):
    for name, t in (("out_proj_weight", weight), ("out_proj_bias", bias)):
        if t is not None:
            _tensor_attr_arg(t, "multi_head_attention_forward", name)


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False):
    """Multi-head attention (``torch.nn.functional.multi_head_attention_forward``).

    Inputs are sequence-first; :class:`~gradkit.nn.MultiheadAttention` handles ``batch_first``.

    Returns:
        ``(attn_output, attn_weights)``; ``attn_weights`` is None unless ``need_weights``.

    Shape:
        - query: :math:`(L, N, E)` or :math:`(L, E)`; key: :math:`(S, N, E_k)`; value:
          :math:`(S, N, E_v)` (unbatched without ``N``)
        - key_padding_mask: :math:`(N, S)` or :math:`(S)`; attn_mask: :math:`(L, S)` or
          :math:`(N \\cdot H, L, S)`
        - attn_output: :math:`(L, N, E)`; attn_weights: :math:`(N, L, S)` averaged over heads,
          else :math:`(N, H, L, S)` (unbatched without ``N``)
    """
    who = "MultiheadAttention"
    # a list where a Tensor goes: PyTorch fails at its first use, with linear()'s TypeError or
    # an AttributeError (``.split``, ``.dim``); NotATensorError is both (the output
    # projection's, read last, and the packed bias, cut after the weight, at their use)
    for name, t in (("query", query), ("key", key), ("value", value),
                    ("in_proj_weight", in_proj_weight),
                    ("bias_k", bias_k), ("bias_v", bias_v), ("key_padding_mask", key_padding_mask),
                    ("attn_mask", attn_mask), ("q_proj_weight", q_proj_weight),
                    ("k_proj_weight", k_proj_weight), ("v_proj_weight", v_proj_weight)):
        if t is not None:
            _tensor_attr_arg(t, "multi_head_attention_forward", name)
    if static_k is not None or static_v is not None:
        raise NotImplementedError(f"{who}: static_k/static_v are not supported by gradkit")
    if query.ndim not in (2, 3):
        raise ValueError(f"{who}: query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.ndim}-D query tensor of shape {_shape(query)}")
    batched = query.ndim == 3
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(f"{who}: query, key and value must all be batched (3D) or unbatched "
                         f"(2D); got shapes {_shape(query)}, {_shape(key)}, {_shape(value)}")
    if not batched:
        query, key, value = (F.unsqueeze(t, 1) for t in (query, key, value))
        if key_padding_mask is not None:
            key_padding_mask = F.unsqueeze(key_padding_mask, 0)
    L, N, E = query.shape
    S = key.shape[0]
    # (PyTorch's order: the masks' dtypes are reconciled, with its warning, before the checks
    # of the widths and the projections)
    key_padding_mask, attn_mask = reconcile_masks(key_padding_mask, attn_mask,
                                                  "key_padding_mask", "attn_mask", query.dtype)
    if E != embed_dim_to_check:
        raise AssertionError(f"{who}: was expecting embedding dimension of "
                             f"{embed_dim_to_check}, but got query of shape {_shape(query)}")
    if key.shape[:2] != value.shape[:2] or key.shape[1] != N:
        raise RuntimeError(f"{who}: key shape {_shape(key)} does not match value shape "
                           f"{_shape(value)} (or the query's batch size {N})")
    if num_heads == 0:  # (PyTorch's Python code divides by it: ZeroDivisionError)
        raise ZeroDivisionError(f"{who}: num_heads must be positive to split embed_dim {E} "
                                f"into heads, got num_heads=0")
    head_dim = E // num_heads
    if head_dim * num_heads != E:
        raise AssertionError(f"embed_dim {E} not divisible by num_heads {num_heads} ({who}); "
                             f"choose a head count that divides the model width")
    if is_causal and attn_mask is None:
        raise RuntimeError(f"{who}: need attn_mask if specifying the is_causal hint (e.g. the "
                           f"bool mask gradkit.ones(L, L, dtype=gradkit.bool).triu(1))")
    # projections
    packed_self = query is key and key is value and not use_separate_proj_weight
    if not use_separate_proj_weight:
        wq, wk, wv = (None,) * 3 if packed_self else _unpack3(in_proj_weight, "in_proj_weight",
                                                              key is value, E, who)
    else:
        wq, wk, wv = q_proj_weight, k_proj_weight, v_proj_weight
    if in_proj_bias is not None:
        _tensor_attr_arg(in_proj_bias, "multi_head_attention_forward", "in_proj_bias")
    if in_proj_bias is not None and not packed_self:
        bq, bk, bv = _unpack3(in_proj_bias, "in_proj_bias", key is value, E, who)
    else:
        bq = bk = bv = None
    if packed_self:
        # self-attention: one matmul for the three projections
        q, k, v = _split3(_in_projection(query, in_proj_weight, in_proj_bias), E)
    elif key is value and not use_separate_proj_weight:
        # PyTorch's packed key/value projection: one linear for both (F.linear called twice)
        q = _in_projection(query, wq, bq)
        kv = _in_projection(key, in_proj_weight[E:], None if bq is None else in_proj_bias[E:])
        k, v = kv[..., :E].contiguous(), kv[..., E:].contiguous()
    else:
        q = _in_projection(query, wq, bq)
        k = _in_projection(key, wk, bk)
        v = _in_projection(value, wv, bv)
    dtype = q.dtype
    attn_mask = _as_float_mask(attn_mask, dtype, "attn_mask", who, q)
    key_padding_mask = _as_float_mask(key_padding_mask, dtype, "key_padding_mask", who, q)
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if _shape(attn_mask) != (L, S):
                raise RuntimeError(f"{who}: the shape of the 2D attn_mask is "
                                   f"{_shape(attn_mask)}, but should be {(L, S)}.")
            attn_mask = F.unsqueeze(attn_mask, 0)
        elif attn_mask.ndim == 3:
            if _shape(attn_mask) != (N * num_heads, L, S):
                raise RuntimeError(f"{who}: the shape of the 3D attn_mask is "
                                   f"{_shape(attn_mask)}, but should be "
                                   f"{(N * num_heads, L, S)}.")
        else:
            raise RuntimeError(f"{who}: attn_mask's dimension {attn_mask.ndim} is not supported "
                               f"(use 2D (L, S) or 3D (N * num_heads, L, S))")
    if bias_k is not None and bias_v is not None:
        k = F.cat([k, F.expand(bias_k, 1, N, E)], 0)
        v = F.cat([v, F.expand(bias_v, 1, N, E)], 0)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    S = k.shape[0]
    if not training:
        dropout_p = 0.0
    if not dropout_p >= 0.0:  # a negative or NaN dropout_p, as PyTorch meets it: its dropout
        # of the weights (NaN: RuntimeError, negative: ValueError) or its 4-D SDPA kernel
        err = ValueError if need_weights and dropout_p == dropout_p else RuntimeError
        raise err(f"{who}: dropout probability has to be between 0 and 1, but got {dropout_p}")
    # (PyTorch calls F.scaled_dot_product_attention when the weights are not wanted: a
    # program's replacement of it is called in its place, with its operands)
    sdpa = None if need_weights else replaced("scaled_dot_product_attention")
    if not need_weights and dropout_p == 0.0 and not add_zero_attn and sdpa is None:
        out = _fused_heads(q, k, v, attn_mask, key_padding_mask, L, S, N, num_heads, head_dim)
        if out is not None:
            _out_proj_tensors(out_proj_weight, out_proj_bias)
            out = _out_projection(out, out_proj_weight, out_proj_bias, L, N)
            return (out if batched else F.squeeze(out, 1)), None
    # (S, N, E) -> (N * H, S, hd)
    q = F.transpose(q.reshape(L, N * num_heads, head_dim), 0, 1)
    k = F.transpose(k.reshape(S, N * num_heads, head_dim), 0, 1)
    v = F.transpose(v.reshape(S, N * num_heads, head_dim), 0, 1)
    if add_zero_attn:
        z = _const(np.zeros((N * num_heads, 1, head_dim), dtype=dtype), k)
        k = F.cat([k, z], 1)
        v = F.cat([v, z], 1)
        S += 1
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    if key_padding_mask is not None:
        if _shape(key_padding_mask) != (N, S):
            raise RuntimeError(f"{who}: expected key_padding_mask of shape {(N, S)}, got "
                               f"{_shape(key_padding_mask)}")
        kpm = F.expand(key_padding_mask.reshape(N, 1, 1, S), N, num_heads, 1, S)
        kpm = kpm.reshape(N * num_heads, 1, S)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    _check_mask_dtype(attn_mask, dtype, need_weights, who)
    if sdpa is not None:
        return _through_sdpa(sdpa, q, k, v, attn_mask, dropout_p, out_proj_weight, out_proj_bias,
                             L, S, N, num_heads, head_dim, batched)
    scores = F.matmul(q * (1.0 / math.sqrt(head_dim)), F.transpose(k, 1, 2))
    if attn_mask is not None:
        scores = scores + attn_mask
    # PyTorch runs SDPA (safe softmax: a query whose keys are all masked gets 0) unless the
    # weights are wanted, and then a plain softmax (nan for such a query)
    softmax = replaced("softmax") if need_weights else None  # (a program's, as PyTorch's)
    weights = softmax(scores, dim=-1) if softmax is not None else F.softmax(scores, -1) \
        if need_weights else _safe_softmax(scores)
    dropout = replaced("dropout") if dropout_p > 0.0 else None
    dropped = dropout(weights, p=dropout_p) if dropout is not None else \
        _dropout(weights, dropout_p) if dropout_p > 0.0 else weights
    out = F.matmul(dropped, v)  # (N*H, L, hd)
    out = F.transpose(out, 0, 1).reshape(L * N, E)
    _out_proj_tensors(out_proj_weight, out_proj_bias)
    out = _out_projection(out, out_proj_weight, out_proj_bias, L, N)
    if not batched:
        out = F.squeeze(out, 1)
    if not need_weights:
        return out, None
    # as PyTorch, the returned weights are the ones multiplied into V (after dropout)
    weights = dropped.reshape(N, num_heads, L, S)
    if average_attn_weights:
        weights = F.mean(weights, 1)
    if not batched:
        weights = F.squeeze(weights, 0)
    return out, weights


def _through_sdpa(sdpa, q, k, v, attn_mask, dropout_p, out_proj_weight, out_proj_bias, L, S,
                  N, H, hd, batched):
    """The heads through a program's ``F.scaled_dot_product_attention`` (a FLOP counter's),
    with PyTorch's operands: ``(N, H, L, hd)`` heads and the mask as ``(N, H, L, S)``."""
    if attn_mask is not None:
        attn_mask = F.unsqueeze(attn_mask, 0) if attn_mask.shape[0] == 1 \
            else attn_mask.reshape(N, H, -1, S)
    out = sdpa(q.reshape(N, H, L, hd), k.reshape(N, H, S, hd), v.reshape(N, H, S, hd),
               attn_mask, dropout_p, False)
    out = F.permute(out, (2, 0, 1, 3)).reshape(L * N, H * hd)
    _out_proj_tensors(out_proj_weight, out_proj_bias)
    out = _out_projection(out, out_proj_weight, out_proj_bias, L, N)
    return (out if batched else F.squeeze(out, 1)), None


def _fused_heads(q, k, v, attn_mask, key_padding_mask, L, S, N, H, hd):
    """Every head's attention through the fused core on (N, H, L, hd) views of the projections
    (no copies), the masks added as one (N or 1, H or 1, L, S) constant: ``(L * N, E)`` for the
    output projection, or None when the composite must run (a mask that requires grad, mixed
    dtypes)."""
    E = H * hd
    bias = None
    if attn_mask is not None:  # (1, L, S) or (N * H, L, S)
        bias = attn_mask.reshape(1, 1, L, S) if attn_mask.shape[0] == 1 else \
            attn_mask.reshape(N, H, L, S)
    if key_padding_mask is not None:
        if _shape(key_padding_mask) != (N, S):
            return None  # the composite raises the error
        kpm = key_padding_mask.reshape(N, 1, 1, S)
        bias = kpm if bias is None else bias + kpm
    if bias is not None and bias.dtype != q.dtype:
        return None  # the composite checks and adds a mask of another dtype
    q4, k4, v4 = (F.permute(t.reshape(n, N, H, hd), (1, 2, 0, 3))
                  for t, n in ((q, L), (k, S), (v, S)))
    if not _fusable(q4, k4, v4, bias):
        return None
    out = apply(ATTENTION, (q4, k4, v4),
                (None if bias is None else bias._data, 1.0 / math.sqrt(hd)))
    return F.permute(out, (2, 0, 1, 3)).reshape(L * N, E)


def _unpack3(t, name, split, E, who):
    """The q, k, v parts of a packed projection weight or bias as PyTorch takes them:
    ``t.split([E, 2 * E])`` when key is value, else ``t.chunk(3)`` (the first dimension cut in
    three), with PyTorch's errors for a 0-d tensor, wrong sizes or fewer than three chunks."""
    if t.ndim == 0:
        raise RuntimeError(f"{who}: {'split' if split else 'chunk'} expects at least a "
                           f"1-dimensional tensor; {name} is 0-d (expected ({3 * E}, ...))")
    n = t.shape[0]
    if split:
        if n != 3 * E:
            raise RuntimeError(f"{who}: split_with_sizes expects split_sizes to sum exactly to "
                               f"{n} (input tensor's size at dimension 0), but got split_sizes="
                               f"[{E}, {2 * E}]: {name} of shape {_shape(t)} should have "
                               f"{3 * E} rows")
        return t[:E], t[E:2 * E], t[2 * E:]
    size = -(-n // 3)
    parts = [t[i:i + size] for i in range(0, n, size)] if n else [t] * 3
    if len(parts) != 3:
        raise ValueError(f"{who}: {name} of shape {_shape(t)} cuts into {len(parts)} chunk(s) "
                         f"along dimension 0, expected 3 (q, k, v): give it {3 * E} rows")
    return parts


def _split3(t, E):
    return t[..., :E], t[..., E:2 * E], t[..., 2 * E:]


def _pad_last(mask):
    """Append one zero (attend) column along the last dimension."""
    shape = _shape(mask)[:-1] + (1,)
    return F.cat([mask, _const(np.zeros(shape, dtype=mask.dtype), mask)], -1)
