"""Transformer encoder: ``TransformerEncoderLayer`` and the ``TransformerEncoder`` stack.

Submodule names match PyTorch (``self_attn``, ``linear1``, ``dropout``, ``linear2``, ``norm1``,
``norm2``, ``dropout1``, ``dropout2``; ``layers.<i>``, ``norm``) so state dicts load.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from ...tensor import Tensor, _make
from .. import functional as NF
from .attention import MultiheadAttention
from .container import ModuleList
from .module import Module

__all__ = ["TransformerEncoder", "TransformerEncoderLayer"]


def _activation(activation, who):
    if callable(activation):
        return activation
    if activation == "relu":
        return NF.relu
    if activation == "gelu":
        return NF.gelu
    raise RuntimeError(f"{who}: activation should be relu/gelu, not {activation!r}")


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward block, each with a residual connection and LayerNorm.

    Post-norm (default): ``x = norm1(x + sa(x)); x = norm2(x + ff(x))``; with ``norm_first``:
    ``x = x + sa(norm1(x)); x = x + ff(norm2(x))``, where
    ``ff(x) = linear2(dropout(activation(linear1(x))))``.

    Args:
        d_model: model width.
        nhead: attention heads.
        dim_feedforward: hidden width of the feed-forward block. Default: 2048.
        dropout: dropout probability. Default: 0.1.
        activation: ``"relu"``, ``"gelu"`` or a callable. Default: ``"relu"``.
        layer_norm_eps: LayerNorm epsilon. Default: 1e-5.
        batch_first: inputs are ``(N, S, E)``. Default: False.
        norm_first: pre-norm instead of post-norm. Default: False.
        bias: biases in the linear layers and LayerNorms. Default: True.

    Shape:
        - src: :math:`(S, N, E)`, :math:`(N, S, E)` batch first, or :math:`(S, E)` unbatched
        - src_mask: :math:`(S, S)` or :math:`(N \\cdot H, S, S)`; src_key_padding_mask:
          :math:`(N, S)`
        - output: like src

    Example:
        >>> layer = gradkit.nn.TransformerEncoderLayer(d_model=16, nhead=4, batch_first=True)
        >>> out = layer(gradkit.randn(2, 5, 16))
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = "relu",
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        from .dropout import Dropout
        from .linear import Linear
        from .normalization import LayerNorm

        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation, "TransformerEncoderLayer")
        self.batch_first = batch_first

    def forward(self, src: Tensor, src_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool = False) -> Tensor:
        """Run one encoder layer.

        Args:
            src: the sequence.
            src_mask: attention mask (bool True: not allowed; float: added).
            src_key_padding_mask: keys to ignore per batch element.
            is_causal: hint that ``src_mask`` is causal; with no ``src_mask``, a causal mask is
                built.

        Returns:
            A tensor shaped like ``src``.
        """
        if not isinstance(src, Tensor):
            raise TypeError(f"TransformerEncoderLayer: src must be a Tensor, got "
                            f"{type(src).__name__}")
        if is_causal and src_mask is None:
            S = src.shape[1] if (self.batch_first and src.ndim == 3) else src.shape[0]
            src_mask = _make(~np.tril(np.ones((S, S), dtype=bool)), False, None)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


class TransformerEncoder(Module):
    """A stack of ``num_layers`` deep copies of ``encoder_layer``, then an optional norm.

    Args:
        encoder_layer: the layer to copy (a :class:`TransformerEncoderLayer`).
        num_layers: how many copies.
        norm: optional final normalization module (e.g. ``LayerNorm(d_model)``).
        enable_nested_tensor: accepted for compatibility; gradkit has no nested tensors.
        mask_check: accepted for compatibility.

    Shape:
        Same as :class:`TransformerEncoderLayer`.

    Example:
        >>> layer = gradkit.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32)
        >>> enc = gradkit.nn.TransformerEncoder(layer, num_layers=2)
        >>> out = enc(gradkit.randn(5, 2, 16))
    """

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        if not isinstance(encoder_layer, Module):
            raise TypeError(f"TransformerEncoder: encoder_layer must be a Module, got "
                            f"{type(encoder_layer).__name__}")
        if num_layers < 1:
            raise ValueError(f"TransformerEncoder: num_layers must be at least 1, got "
                             f"{num_layers}")
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src: Tensor, mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        """Run every layer in turn (then ``norm``).

        Args:
            src: the sequence.
            mask: attention mask for every layer.
            src_key_padding_mask: keys to ignore per batch element.
            is_causal: hint that ``mask`` is causal.

        Returns:
            A tensor shaped like ``src``.
        """
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        if self.norm is not None:
            x = self.norm(x)
        return x

