"""Transformers: ``TransformerEncoderLayer``/``TransformerEncoder``,
``TransformerDecoderLayer``/``TransformerDecoder`` and the full ``Transformer``.

Submodule names match PyTorch (``self_attn``, ``multihead_attn``, ``linear1``, ``dropout``,
``linear2``, ``norm1``..``norm3``, ``dropout1``..``dropout3``; ``layers.<i>``, ``norm``;
``encoder``, ``decoder``) so state dicts load.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable

import numpy as np

from ... import _dtype
from ..._tensor import Tensor, _make
from .. import functional as NF
from ..functional.attention import reconcile_masks
from .attention import MultiheadAttention
from .container import ModuleList
from .module import Module

__all__ = ["Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
           "TransformerEncoderLayer"]


def _relu_or_gelu(activation) -> int:
    """PyTorch's ``activation_relu_or_gelu``: 1 for relu, 2 for gelu, 0 for anything else."""
    from .activation import GELU, ReLU

    if activation is NF.relu or isinstance(activation, ReLU):
        return 1
    if activation is NF.gelu or isinstance(activation, GELU):
        return 2
    return 0


def _why_not_nested(layer) -> str:
    """Why PyTorch's TransformerEncoder would not use nested tensors for ``layer`` ("" if it
    would); the reason its ``enable_nested_tensor`` warning gives."""
    name = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{name} was not TransformerEncoderLayer"
    attn = layer.self_attn
    if layer.norm_first:
        return f"{name}.norm_first was True"
    if not attn.batch_first:
        return (f"{name}.self_attn.batch_first was not True(use batch_first for better "
                f"inference performance)")
    if not getattr(attn, "_qkv_same_embed_dim", True):
        return f"{name}.self_attn._qkv_same_embed_dim was not True"
    if attn.in_proj_bias is None:
        return f"{name}.self_attn was passed bias=False"
    if not getattr(layer, "activation_relu_or_gelu", 0):
        return f"{name}.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
    if attn.num_heads % 2 == 1:
        return f"{name}.self_attn.num_heads is odd"
    return ""


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

    Examples:
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
        self.activation_relu_or_gelu = _relu_or_gelu(self.activation)  # as PyTorch keeps it
        if device is not None:  # built on the host, then moved
            self.to(device)

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
        src_key_padding_mask, src_mask = reconcile_masks(
            src_key_padding_mask, src_mask, "src_key_padding_mask", "src_mask", src.dtype)
        if is_causal and src_mask is None:
            S = src.shape[1] if (self.self_attn.batch_first and src.ndim == 3) else src.shape[0]
            src_mask = _make(~np.tril(np.ones((S, S), dtype=bool)), False, None)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
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
        enable_nested_tensor: gradkit has no nested tensors; as PyTorch, True warns when the
            layer could not use them (e.g. ``batch_first=False``).
        mask_check: accepted for compatibility.

    Shape:
        Same as :class:`TransformerEncoderLayer`.

    Examples:
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
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why_not = _why_not_nested(encoder_layer)
        if enable_nested_tensor and why_not:  # PyTorch's warning (gradkit never nests)
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False "
                          f"because {why_not}", stacklevel=2)
            self.use_nested_tensor = False

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
        src_key_padding_mask, mask = reconcile_masks(
            src_key_padding_mask, mask, "src_key_padding_mask", "mask", src.dtype)
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        if self.norm is not None:
            x = self.norm(x)
        return x



def _causal_bool(n):
    return _make(~np.tril(np.ones((n, n), dtype=bool)), False, None)


def _check_seq(x, name, d_model, batch_first, who):
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: {name} must be a Tensor, got {type(x).__name__}")
    order = "(N, S, E)" if batch_first else "(S, N, E)"
    if x.ndim not in (2, 3) or x.shape[-1] != d_model:
        raise RuntimeError(f"{who}(d_model={d_model}) expects {name} of shape "
                           f"{order.replace('E', str(d_model))} or (S, {d_model}), got "
                           f"{tuple(x.shape)}")


class TransformerDecoderLayer(Module):
    """Self-attention, attention over the encoder's output (``memory``) and a feed-forward
    block, each with a residual connection and LayerNorm.

    Post-norm (default): ``x = norm1(x + sa(x)); x = norm2(x + mha(x, memory));
    x = norm3(x + ff(x))``; with ``norm_first`` each block reads ``norm_i(x)`` and adds to
    ``x``, where ``ff(x) = linear2(dropout(activation(linear1(x))))``.

    Args:
        d_model: model width.
        nhead: attention heads.
        dim_feedforward: hidden width of the feed-forward block. Default: 2048.
        dropout: dropout probability. Default: 0.1.
        activation: ``"relu"``, ``"gelu"`` or a callable. Default: ``"relu"``.
        layer_norm_eps: LayerNorm epsilon. Default: 1e-5.
        batch_first: inputs are ``(N, T, E)``. Default: False.
        norm_first: pre-norm instead of post-norm. Default: False.
        bias: biases in the linear layers and LayerNorms. Default: True.

    Shape:
        - tgt: :math:`(T, N, E)`, :math:`(N, T, E)` batch first, or :math:`(T, E)` unbatched
        - memory: :math:`(S, N, E)`, :math:`(N, S, E)` batch first, or :math:`(S, E)`
        - tgt_mask: :math:`(T, T)` or :math:`(N \\cdot H, T, T)`; memory_mask: :math:`(T, S)`
        - tgt_key_padding_mask: :math:`(N, T)`; memory_key_padding_mask: :math:`(N, S)`
        - output: like tgt

    Note:
        ``tgt_is_causal=True`` without ``tgt_mask`` builds the causal mask (PyTorch raises).

    Examples:
        >>> layer = gradkit.nn.TransformerDecoderLayer(d_model=16, nhead=4, batch_first=True)
        >>> out = layer(gradkit.randn(2, 5, 16), gradkit.randn(2, 7, 16))
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
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation, "TransformerDecoderLayer")
        if device is not None:  # built on the host, then moved
            self.to(device)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        """Run one decoder layer.

        Args:
            tgt: the target sequence.
            memory: the encoder's output.
            tgt_mask: self-attention mask (bool True: not allowed; float: added).
            memory_mask: mask of the attention over ``memory``.
            tgt_key_padding_mask: target positions to ignore per batch element.
            memory_key_padding_mask: memory positions to ignore per batch element.
            tgt_is_causal: hint that ``tgt_mask`` is causal; with no ``tgt_mask``, a causal
                mask is built.
            memory_is_causal: hint that ``memory_mask`` is causal.

        Returns:
            A tensor shaped like ``tgt``.
        """
        d = self.self_attn.embed_dim
        _check_seq(tgt, "tgt", d, self.self_attn.batch_first,
                   "TransformerDecoderLayer")
        # memory is checked where PyTorch meets it: by the attention over it (multihead_attn),
        # after the self-attention block
        if tgt_is_causal and tgt_mask is None:
            T = tgt.shape[1] if (self.self_attn.batch_first and tgt.ndim == 3) else tgt.shape[0]
            tgt_mask = _causal_bool(T)
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal and attn_mask is not None)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal=False):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, need_weights=False,
                                is_causal=is_causal and attn_mask is not None)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)


class TransformerDecoder(Module):
    """A stack of ``num_layers`` deep copies of ``decoder_layer``, then an optional norm.

    Args:
        decoder_layer: the layer to copy (a :class:`TransformerDecoderLayer`).
        num_layers: how many copies.
        norm: optional final normalization module (e.g. ``LayerNorm(d_model)``).

    Shape:
        Same as :class:`TransformerDecoderLayer`.

    Examples:
        >>> layer = gradkit.nn.TransformerDecoderLayer(16, 4, dim_feedforward=32)
        >>> dec = gradkit.nn.TransformerDecoder(layer, num_layers=2)
        >>> out = dec(gradkit.randn(5, 2, 16), gradkit.randn(7, 2, 16))
    """

    def __init__(self, decoder_layer: Module, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        if not isinstance(decoder_layer, Module):
            raise TypeError(f"TransformerDecoder: decoder_layer must be a Module, got "
                            f"{type(decoder_layer).__name__}")
        if num_layers < 1:
            raise ValueError(f"TransformerDecoder: num_layers must be at least 1, got "
                             f"{num_layers}")
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        """Run every layer in turn (then ``norm``); arguments as
        :meth:`TransformerDecoderLayer.forward`.

        Returns:
            A tensor shaped like ``tgt``.
        """
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        if self.norm is not None:
            x = self.norm(x)
        return x


class Transformer(Module):
    """The encoder-decoder transformer of "Attention Is All You Need".

    ``encoder``: a :class:`TransformerEncoder` of ``num_encoder_layers`` layers and a final
    LayerNorm; ``decoder``: a :class:`TransformerDecoder` of ``num_decoder_layers`` layers and a
    final LayerNorm. Every parameter with more than one dimension is re-initialised
    Xavier-uniform (as PyTorch).

    Args:
        d_model: model width. Default: 512.
        nhead: attention heads. Default: 8.
        num_encoder_layers: Default: 6.
        num_decoder_layers: Default: 6.
        dim_feedforward: Default: 2048.
        dropout: Default: 0.1.
        activation: ``"relu"``, ``"gelu"`` or a callable. Default: ``"relu"``.
        custom_encoder: use this module as the encoder.
        custom_decoder: use this module as the decoder.
        layer_norm_eps: Default: 1e-5.
        batch_first: inputs are ``(N, S, E)``. Default: False.
        norm_first: pre-norm layers. Default: False.
        bias: biases in the linear layers and LayerNorms. Default: True.

    Shape:
        - src: :math:`(S, N, E)` (:math:`(N, S, E)` batch first, :math:`(S, E)` unbatched)
        - tgt: :math:`(T, N, E)` (:math:`(N, T, E)` batch first, :math:`(T, E)` unbatched)
        - src_mask: :math:`(S, S)`; tgt_mask: :math:`(T, T)`; memory_mask: :math:`(T, S)`
        - key padding masks: :math:`(N, S)`, :math:`(N, T)`, :math:`(N, S)`
        - output: :math:`(T, N, E)` (:math:`(N, T, E)` batch first)

    Examples:
        >>> model = gradkit.nn.Transformer(d_model=16, nhead=4, num_encoder_layers=1,
        ...                                num_decoder_layers=1, dim_feedforward=32)
        >>> src, tgt = gradkit.randn(7, 2, 16), gradkit.randn(5, 2, 16)
        >>> mask = gradkit.nn.Transformer.generate_square_subsequent_mask(5)
        >>> model(src, tgt, tgt_mask=mask).shape
        gradkit.Size([5, 2, 16])
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = "relu",
                 custom_encoder: Module | None = None, custom_decoder: Module | None = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        from .. import init
        from .normalization import LayerNorm

        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
                                            layer_norm_eps, batch_first, norm_first, bias,
                                            device=device, dtype=dtype)
            self.encoder = TransformerEncoder(
                layer, num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, device=device,
                          dtype=dtype))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
                                            layer_norm_eps, batch_first, norm_first, bias,
                                            device=device, dtype=dtype)
            self.decoder = TransformerDecoder(
                layer, num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, device=device,
                          dtype=dtype))
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None,
                tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        """Encode ``src``, then decode ``tgt`` attending to the encoding.

        Returns:
            A tensor shaped like ``tgt``.
        """
        who = "Transformer"
        _check_seq(src, "src", self.d_model, self.batch_first, who)
        _check_seq(tgt, "tgt", self.d_model, self.batch_first, who)
        if src.ndim == 3 and tgt.ndim == 3:
            b = 0 if self.batch_first else 1
            if src.shape[b] != tgt.shape[b]:
                raise RuntimeError(f"Transformer: the batch number of src and tgt must be equal, "
                                   f"got src {tuple(src.shape)} and tgt {tuple(tgt.shape)} "
                                   f"(batch_first={self.batch_first})")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
        """The ``(sz, sz)`` causal mask: ``-inf`` above the diagonal, 0 elsewhere (float,
        default dtype)."""
        dt = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
        return _make(np.triu(np.full((sz, sz), -np.inf, dtype=dt), 1), False, None)
