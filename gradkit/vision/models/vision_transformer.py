"""Vision Transformer (Dosovitskiy et al., 2020): ViT-B/16, B/32, L/16, L/32, H/14."""

from __future__ import annotations

import math
from collections import OrderedDict
from functools import partial
from typing import NamedTuple

import gradkit as gk

from ... import nn
from ..ops.misc import MLP, Conv2dNormActivation
from ._api import Weights, WeightsEnum, pretrained
from ._utils import _URL, _no_weights

__all__ = ["VisionTransformer", "ViT_B_16_Weights", "ViT_B_32_Weights", "ViT_L_16_Weights",
           "ViT_L_32_Weights", "ViT_H_14_Weights", "vit_b_16", "vit_b_32", "vit_l_16",
           "vit_l_32", "vit_h_14"]


_LAYER_NORM = partial(nn.LayerNorm, eps=1e-6)


class ConvStemConfig(NamedTuple):
    out_channels: int
    kernel_size: int
    stride: int
    norm_layer: object = nn.BatchNorm2d
    activation_layer: object = nn.ReLU


class MLPBlock(MLP):
    """Transformer MLP block: Linear, GELU, Dropout, Linear, Dropout (keys ``0`` and ``3``)."""

    _version = 2

    def __init__(self, in_dim: int, mlp_dim: int, dropout: float) -> None:
        super().__init__(in_dim, [mlp_dim, in_dim], activation_layer=nn.GELU, inplace=None,
                         dropout=dropout)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.normal_(m.bias, std=1e-6)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        version = local_metadata.get("version", None)
        if version is None or version < 2:
            # checkpoints of torchvision < 0.13 name the layers linear_1 and linear_2
            for i in range(2):
                for type in ["weight", "bias"]:
                    old_key = f"{prefix}linear_{i + 1}.{type}"
                    new_key = f"{prefix}{3 * i}.{type}"
                    if old_key in state_dict:
                        state_dict[new_key] = state_dict.pop(old_key)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)


def _check_tokens(input) -> None:
    if input.dim() != 3:
        raise AssertionError(f"Expected (batch_size, seq_length, hidden_dim) got {input.shape}")


class EncoderBlock(nn.Module):
    """Pre-norm transformer block: ``ln_1``, ``self_attention``, dropout, residual; ``ln_2``,
    ``mlp``, residual."""

    def __init__(self, num_heads: int, hidden_dim: int, mlp_dim: int, dropout: float,
                 attention_dropout: float, norm_layer=_LAYER_NORM) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.ln_1 = norm_layer(hidden_dim)
        self.self_attention = nn.MultiheadAttention(hidden_dim, num_heads,
                                                    dropout=attention_dropout, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = norm_layer(hidden_dim)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)

    def forward(self, input):
        _check_tokens(input)
        x = self.ln_1(input)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x) + input
        y = self.mlp(self.ln_2(x))
        return x + y


class Encoder(nn.Module):
    """Learned position embedding, dropout, ``num_layers`` encoder blocks, final ``ln``."""

    def __init__(self, seq_length: int, num_layers: int, num_heads: int, hidden_dim: int,
                 mlp_dim: int, dropout: float, attention_dropout: float,
                 norm_layer=_LAYER_NORM) -> None:
        super().__init__()
        self.pos_embedding = nn.Parameter(gk.empty(1, seq_length, hidden_dim).normal_(std=0.02))
        self.dropout = nn.Dropout(dropout)
        layers = OrderedDict()
        for i in range(num_layers):
            layers[f"encoder_layer_{i}"] = EncoderBlock(num_heads, hidden_dim, mlp_dim, dropout,
                                                        attention_dropout, norm_layer)
        self.layers = nn.Sequential(layers)
        self.ln = norm_layer(hidden_dim)

    def forward(self, input):
        _check_tokens(input)
        input = input + self.pos_embedding
        return self.ln(self.layers(self.dropout(input)))


class VisionTransformer(nn.Module):
    """torchvision's VisionTransformer: ``conv_proj`` (patches), ``class_token``, ``encoder``,
    ``heads`` (``head``, or ``pre_logits``, tanh, ``head`` with ``representation_size``)."""

    def __init__(self, image_size: int, patch_size: int, num_layers: int, num_heads: int,
                 hidden_dim: int, mlp_dim: int, dropout: float = 0.0,
                 attention_dropout: float = 0.0, num_classes: int = 1000,
                 representation_size: int | None = None,
                 norm_layer=_LAYER_NORM, conv_stem_configs=None) -> None:
        super().__init__()
        if image_size % patch_size != 0:
            raise AssertionError("Input shape indivisible by patch size!")
        self.image_size = image_size
        self.patch_size = patch_size
        self.hidden_dim = hidden_dim
        self.mlp_dim = mlp_dim
        self.attention_dropout = attention_dropout
        self.dropout = dropout
        self.num_classes = num_classes
        self.representation_size = representation_size
        self.norm_layer = norm_layer
        if conv_stem_configs is not None:
            # "Early Convolutions Help Transformers See Better" (Xiao et al., 2021)
            seq_proj = nn.Sequential()
            prev_channels = 3
            for i, cfg in enumerate(conv_stem_configs):
                seq_proj.add_module(f"conv_bn_relu_{i}", Conv2dNormActivation(
                    in_channels=prev_channels, out_channels=cfg.out_channels,
                    kernel_size=cfg.kernel_size, stride=cfg.stride, norm_layer=cfg.norm_layer,
                    activation_layer=cfg.activation_layer))
                prev_channels = cfg.out_channels
            seq_proj.add_module("conv_last", nn.Conv2d(in_channels=prev_channels,
                                                       out_channels=hidden_dim, kernel_size=1))
            self.conv_proj = seq_proj
        else:
            self.conv_proj = nn.Conv2d(in_channels=3, out_channels=hidden_dim,
                                       kernel_size=patch_size, stride=patch_size)
        seq_length = (image_size // patch_size) ** 2
        self.class_token = nn.Parameter(gk.zeros(1, 1, hidden_dim))
        seq_length += 1
        self.encoder = Encoder(seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout,
                               attention_dropout, norm_layer)
        self.seq_length = seq_length
        heads_layers = OrderedDict()
        if representation_size is None:
            heads_layers["head"] = nn.Linear(hidden_dim, num_classes)
        else:
            heads_layers["pre_logits"] = nn.Linear(hidden_dim, representation_size)
            heads_layers["act"] = nn.Tanh()
            heads_layers["head"] = nn.Linear(representation_size, num_classes)
        self.heads = nn.Sequential(heads_layers)
        if isinstance(self.conv_proj, nn.Conv2d):
            fan_in = (self.conv_proj.in_channels * self.conv_proj.kernel_size[0]
                      * self.conv_proj.kernel_size[1])
            nn.init.trunc_normal_(self.conv_proj.weight, std=math.sqrt(1 / fan_in))
            if self.conv_proj.bias is not None:
                nn.init.zeros_(self.conv_proj.bias)
        elif isinstance(getattr(self.conv_proj, "conv_last", None), nn.Conv2d):
            last = self.conv_proj.conv_last
            nn.init.normal_(last.weight, mean=0.0, std=math.sqrt(2.0 / last.out_channels))
            if last.bias is not None:
                nn.init.zeros_(last.bias)
        if isinstance(getattr(self.heads, "pre_logits", None), nn.Linear):
            fan_in = self.heads.pre_logits.in_features
            nn.init.trunc_normal_(self.heads.pre_logits.weight, std=math.sqrt(1 / fan_in))
            nn.init.zeros_(self.heads.pre_logits.bias)
        if isinstance(self.heads.head, nn.Linear):
            nn.init.zeros_(self.heads.head.weight)
            nn.init.zeros_(self.heads.head.bias)

    def _process_input(self, x):
        n, c, h, w = x.shape
        p = self.patch_size
        if h != self.image_size:
            raise AssertionError(f"Wrong image height! Expected {self.image_size} but got {h}!")
        if w != self.image_size:
            raise AssertionError(f"Wrong image width! Expected {self.image_size} but got {w}!")
        n_h = h // p
        n_w = w // p
        # (n, c, h, w) -> (n, hidden_dim, n_h, n_w) -> (n, n_h * n_w, hidden_dim)
        x = self.conv_proj(x)
        x = x.reshape(n, self.hidden_dim, n_h * n_w)
        return x.permute(0, 2, 1)

    def forward(self, x):
        x = self._process_input(x)
        n = x.shape[0]
        batch_class_token = self.class_token.expand(n, -1, -1)
        x = gk.cat([batch_class_token, x], dim=1)
        x = self.encoder(x)
        x = x[:, 0]  # the class token's output
        return self.heads(x)


class ViT_B_16_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "vit_b_16-c867db91.pth", 86567656)
    IMAGENET1K_SWAG_E2E_V1 = Weights(_URL + "vit_b_16_swag-9ac1b537.pth", 86859496)
    IMAGENET1K_SWAG_LINEAR_V1 = Weights(_URL + "vit_b_16_lc_swag-4e70ced5.pth", 86567656)
    DEFAULT = IMAGENET1K_V1

class ViT_B_32_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "vit_b_32-d86f8d99.pth", 88224232)
    DEFAULT = IMAGENET1K_V1

class ViT_L_16_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "vit_l_16-852ce7e3.pth", 304326632)
    IMAGENET1K_SWAG_E2E_V1 = Weights(_URL + "vit_l_16_swag-4f3808c9.pth", 305174504)
    IMAGENET1K_SWAG_LINEAR_V1 = Weights(_URL + "vit_l_16_lc_swag-4d563306.pth", 304326632)
    DEFAULT = IMAGENET1K_V1

class ViT_L_32_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "vit_l_32-c7638314.pth", 306535400)
    DEFAULT = IMAGENET1K_V1

class ViT_H_14_Weights(WeightsEnum):
    IMAGENET1K_SWAG_E2E_V1 = Weights(_URL + "vit_h_14_swag-80465313.pth", 633470440)
    IMAGENET1K_SWAG_LINEAR_V1 = Weights(_URL + "vit_h_14_lc_swag-c1eb923e.pth", 632045800)
    DEFAULT = IMAGENET1K_SWAG_E2E_V1


def _vision_transformer(name, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, weights,
                        enum, kwargs) -> VisionTransformer:
    _no_weights(name, weights, enum, kwargs)
    image_size = kwargs.pop("image_size", 224)
    return VisionTransformer(image_size=image_size, patch_size=patch_size, num_layers=num_layers,
                             num_heads=num_heads, hidden_dim=hidden_dim, mlp_dim=mlp_dim,
                             **kwargs)


def _vit_image_size(kwargs: dict, weights) -> None:
    """Weights for larger inputs (SWAG: 384/512/518) fix the image size the model is built for."""
    size = weights.meta["min_size"][0]
    if "image_size" in kwargs and kwargs["image_size"] != size:
        raise ValueError(f"The parameter 'image_size' expected value {size} but got "
                         f"{kwargs['image_size']} instead.")
    kwargs["image_size"] = size


@pretrained(ViT_B_16_Weights, before=_vit_image_size)
def vit_b_16(*, weights=None, progress: bool = True, **kwargs) -> VisionTransformer:
    """ViT-B/16 (86.6 M parameters at 1000 classes, 224x224);
    ``weights`` loads published weights."""
    return _vision_transformer("vit_b_16", 16, 12, 12, 768, 3072, weights, ViT_B_16_Weights,
                               kwargs)


@pretrained(ViT_B_32_Weights, before=_vit_image_size)
def vit_b_32(*, weights=None, progress: bool = True, **kwargs) -> VisionTransformer:
    """ViT-B/32 (88.2 M parameters at 1000 classes, 224x224);
    ``weights`` loads published weights."""
    return _vision_transformer("vit_b_32", 32, 12, 12, 768, 3072, weights, ViT_B_32_Weights,
                               kwargs)


@pretrained(ViT_L_16_Weights, before=_vit_image_size)
def vit_l_16(*, weights=None, progress: bool = True, **kwargs) -> VisionTransformer:
    """ViT-L/16 (304.3 M parameters at 1000 classes, 224x224);
    ``weights`` loads published weights."""
    return _vision_transformer("vit_l_16", 16, 24, 16, 1024, 4096, weights, ViT_L_16_Weights,
                               kwargs)


@pretrained(ViT_L_32_Weights, before=_vit_image_size)
def vit_l_32(*, weights=None, progress: bool = True, **kwargs) -> VisionTransformer:
    """ViT-L/32 (306.5 M parameters at 1000 classes, 224x224);
    ``weights`` loads published weights."""
    return _vision_transformer("vit_l_32", 32, 24, 16, 1024, 4096, weights, ViT_L_32_Weights,
                               kwargs)


@pretrained(ViT_H_14_Weights, before=_vit_image_size)
def vit_h_14(*, weights=None, progress: bool = True, **kwargs) -> VisionTransformer:
    """ViT-H/14 (632 M parameters at 1000 classes, 224x224); ``weights`` loads published weights."""
    return _vision_transformer("vit_h_14", 14, 32, 16, 1280, 5120, weights, ViT_H_14_Weights,
                               kwargs)
