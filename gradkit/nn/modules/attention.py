"""Multi-head attention (``torch.nn.MultiheadAttention``), with PyTorch's parameter names so
state dicts load in both directions: ``in_proj_weight``, ``in_proj_bias`` (or
``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` when ``kdim``/``vdim`` differ),
``bias_k``/``bias_v``, and ``out_proj.weight``/``out_proj.bias``.
"""

from __future__ import annotations

import numbers

import numpy as np

from ... import _dtype
from ... import functions as F
from ..._tensor import Tensor, _make
from .. import functional as NF
from ..functional import attention as FA
from ..parameter import Parameter
from .module import Module

__all__ = ["MultiheadAttention"]


def _param(arr):
    return Parameter(_make(arr, False, None))


def _xavier_uniform(p):
    from .. import init

    init.xavier_uniform_(p)


def _xavier_normal(p):
    from .. import init

    init.xavier_normal_(p)


def _out_proj(embed_dim, bias, dtype):
    from . import linear

    return linear.NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)


class MultiheadAttention(Module):
    """Attention over ``num_heads`` subspaces: ``concat(head_1..head_h) W_o`` with
    ``head_i = softmax(Q W_i^Q (K W_i^K)^T / sqrt(d)) V W_i^V``.

    Args:
        embed_dim: model width ``E`` (split across heads).
        num_heads: parallel heads; must divide ``embed_dim``.
        dropout: dropout on the attention weights (training only). Default: 0.
        bias: biases in the input and output projections. Default: True.
        add_bias_kv: learn a bias appended to the key and value sequences. Default: False.
        add_zero_attn: append a zero key/value step. Default: False.
        kdim: key features (default ``embed_dim``).
        vdim: value features (default ``embed_dim``).
        batch_first: inputs and output are ``(N, L, E)``. Default: False.

    Shape:
        - query: :math:`(L, N, E)` (``(N, L, E)`` batch first, ``(L, E)`` unbatched);
          key: :math:`(S, N, E_k)`; value: :math:`(S, N, E_v)`
        - key_padding_mask: :math:`(N, S)`, bool (True: ignore that key) or float (added)
        - attn_mask: :math:`(L, S)` or :math:`(N \\cdot H, L, S)`, bool (True: not allowed) or
          float (added)
        - attn_output: like query; attn_weights: :math:`(N, L, S)` averaged over heads, else
          :math:`(N, H, L, S)`

    Examples:
        >>> mha = gradkit.nn.MultiheadAttention(16, 4, batch_first=True)
        >>> x = gradkit.randn(2, 5, 16)
        >>> out, weights = mha(x, x, x)
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be greater than "
                             f"0, got embed_dim={embed_dim} and num_heads={num_heads} instead")
        if embed_dim % num_heads:  # (PyTorch's assert: AssertionError)
            raise AssertionError(f"embed_dim must be divisible by num_heads (MultiheadAttention: "
                                 f"embed_dim {embed_dim}, num_heads {num_heads}); choose a "
                                 f"head count that divides the model width")
        for name, v in (("embed_dim", embed_dim), ("kdim", kdim), ("vdim", vdim)):
            # (PyTorch: torch.empty's TypeError when it builds the projection weights; a float
            # num_heads it takes)
            if v is not None and (not isinstance(v, numbers.Integral) or isinstance(v, bool)):
                hint = " (sizes computed with / are floats: use //)" if isinstance(v, float) else ""
                raise TypeError(f"MultiheadAttention: {name} must be an int, got "
                                f"{type(v).__name__} {v!r}{hint}")
        # (dropout is not checked here: PyTorch's forward meets it in its dropout)
        dtype = _dtype.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = float(dropout)
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        self.add_zero_attn = add_zero_attn
        E = embed_dim
        if not self._qkv_same_embed_dim:
            for name, v in (("kdim", self.kdim), ("vdim", self.vdim)):
                if v < 0:  # (PyTorch's torch.empty of the projection weight)
                    raise RuntimeError(f"MultiheadAttention: Trying to create tensor with "
                                       f"negative dimension {v}: [{E}, {v}] ({name}={v}; pass "
                                       f"a non-negative {name})")
            self.q_proj_weight = _param(np.empty((E, E), dtype=dtype))
            self.k_proj_weight = _param(np.empty((E, self.kdim), dtype=dtype))
            self.v_proj_weight = _param(np.empty((E, self.vdim), dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = _param(np.empty((3 * E, E), dtype=dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = _param(np.empty(3 * E, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = _out_proj(E, bias, dtype)
        if add_bias_kv:
            self.bias_k = _param(np.empty((1, 1, E), dtype=dtype))
            self.bias_v = _param(np.empty((1, 1, E), dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self._reset_parameters()
        if device is not None:  # built on the host, then moved
            self.to(device)

    def _reset_parameters(self) -> None:
        """Xavier-uniform projections, zero biases (the output projection's weight keeps the
        Linear default), Xavier-normal ``bias_k``/``bias_v``."""
        if self._qkv_same_embed_dim:
            _xavier_uniform(self.in_proj_weight)
        else:
            for p in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                _xavier_uniform(p)
        if self.in_proj_bias is not None:
            self.in_proj_bias._data[...] = 0
            if self.out_proj.bias is not None:
                self.out_proj.bias._data[...] = 0
        if self.bias_k is not None:
            _xavier_normal(self.bias_k)
            _xavier_normal(self.bias_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False):
        """Attend from ``query`` to ``key``/``value``.

        Args:
            query, key, value: see Shape in the class docstring.
            key_padding_mask: keys to ignore per batch element.
            need_weights: also return the attention weights. Default: True.
            attn_mask: which query/key pairs may not attend (bool) or score offsets (float).
            average_attn_weights: average the returned weights over heads. Default: True.
            is_causal: a hint that ``attn_mask`` is the causal mask (it must still be given).

        Returns:
            ``(attn_output, attn_weights)``; ``attn_weights`` is None unless ``need_weights``.
        """
        for name, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor):  # (PyTorch reads t.is_nested: AttributeError)
                from ...functions._args import NotATensorError

                raise NotATensorError(f"MultiheadAttention: {name} must be a Tensor, got "
                                      f"{type(t).__name__}")
        # PyTorch's forward makes the two masks float first (its _canonical_mask), with its
        # warning where their dtypes differ, before any shape check
        key_padding_mask, attn_mask = FA.reconcile_masks(
            key_padding_mask, attn_mask, "key_padding_mask", "attn_mask", query.dtype)
        if self.batch_first and query.ndim == 3 and min(key.ndim, value.ndim) < 2:
            # (PyTorch transposes the batch-first key/value first: IndexError)
            raise IndexError(f"MultiheadAttention: Dimension out of range: batch_first key and "
                             f"value must be 3-D like the query, got {key.ndim}-D key and "
                             f"{value.ndim}-D value")
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise RuntimeError(f"MultiheadAttention: query, key and value should be unbatched 2D "
                               f"or batched 3D tensors, got {query.ndim}-D query, {key.ndim}-D "
                               f"key and {value.ndim}-D value")
        if query.shape[-1] != self.embed_dim:
            # PyTorch's assert in multi_head_attention_forward, or (batched self-attention in
            # eval without gradients: its fused kernel) a RuntimeError
            from ...autograd.grad_mode import is_grad_enabled

            fused = (self.batch_first and not self.training and query.ndim == 3
                     and query is key and key is value
                     and not (is_grad_enabled() and any(p.requires_grad
                                                        for p in self.parameters())))
            raise (RuntimeError if fused else AssertionError)(
                f"MultiheadAttention: expected query with embed_dim={self.embed_dim} features "
                f"(last dimension), got query of shape {tuple(query.shape)}")
        if key.shape[-1] != self.kdim or value.shape[-1] != self.vdim:
            raise RuntimeError(f"MultiheadAttention: expected key with kdim={self.kdim} and value "
                               f"with vdim={self.vdim} features, got key {tuple(key.shape)} and "
                               f"value {tuple(value.shape)}")
        batched = query.ndim == 3
        if self.batch_first and batched:
            same_kv = key is value
            same_qk = query is key
            query = F.transpose(query, 0, 1)
            if same_qk:
                key = query
            else:
                key = F.transpose(key, 0, 1)
            value = key if same_kv else F.transpose(value, 0, 1)
        out, weights = NF.multi_head_attention_forward(  # (at call time, as PyTorch's)
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal)
        if self.batch_first and batched:
            out = F.transpose(out, 0, 1)
        return out, weights

