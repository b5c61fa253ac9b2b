"""ConvNeXt tiny/small/base/large (Liu et al., 2022), as torchvision's."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import gradkit as gk

from ... import nn
from ...nn import functional as F
from ..ops.misc import Conv2dNormActivation, Permute
from ..ops.stochastic_depth import StochasticDepth
from ._api import Weights, WeightsEnum, pretrained
from ._utils import _URL, _no_weights

__all__ = ["ConvNeXt", "ConvNeXt_Tiny_Weights", "ConvNeXt_Small_Weights", "ConvNeXt_Base_Weights",
           "ConvNeXt_Large_Weights", "convnext_tiny", "convnext_small", "convnext_base",
           "convnext_large"]


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of an (N, C, H, W) tensor."""

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class CNBlock(nn.Module):
    """7x7 depthwise conv, LayerNorm, Linear x4, GELU, Linear, scaled by ``layer_scale``;
    a residual with stochastic depth."""

    def __init__(self, dim, layer_scale: float, stochastic_depth_prob: float,
                 norm_layer=None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = partial(nn.LayerNorm, eps=1e-6)
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True),
            Permute([0, 2, 3, 1]),
            norm_layer(dim),
            nn.Linear(in_features=dim, out_features=4 * dim, bias=True),
            nn.GELU(),
            nn.Linear(in_features=4 * dim, out_features=dim, bias=True),
            Permute([0, 3, 1, 2]),
        )
        self.layer_scale = nn.Parameter(gk.ones(dim, 1, 1) * layer_scale)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")

    def forward(self, input):
        result = self.layer_scale * self.block(input)
        result = self.stochastic_depth(result)
        return result + input


class CNBlockConfig:
    """One stage: its width, the next stage's width (None for the last), its depth."""

    def __init__(self, input_channels: int, out_channels: int | None, num_layers: int) -> None:
        self.input_channels = input_channels
        self.out_channels = out_channels
        self.num_layers = num_layers

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(input_channels={self.input_channels}, "
                f"out_channels={self.out_channels}, num_layers={self.num_layers})")


class ConvNeXt(nn.Module):
    """torchvision's ConvNeXt: ``features`` (4x4 patchify stem, stages of CNBlocks with
    LayerNorm2d + 2x2 downsampling between them), average pool, ``classifier``
    (LayerNorm2d, flatten, linear)."""

    def __init__(self, block_setting, stochastic_depth_prob: float = 0.0,
                 layer_scale: float = 1e-6, num_classes: int = 1000, block=None,
                 norm_layer=None, **kwargs) -> None:
        super().__init__()
        if not block_setting:
            raise ValueError("The block_setting should not be empty")
        if not (isinstance(block_setting, Sequence)
                and all(isinstance(s, CNBlockConfig) for s in block_setting)):
            raise TypeError("The block_setting should be List[CNBlockConfig]")
        if block is None:
            block = CNBlock
        if norm_layer is None:
            norm_layer = partial(LayerNorm2d, eps=1e-6)
        layers = []
        firstconv_output_channels = block_setting[0].input_channels
        layers.append(Conv2dNormActivation(3, firstconv_output_channels, kernel_size=4, stride=4,
                                           padding=0, norm_layer=norm_layer,
                                           activation_layer=None, bias=True))
        total_stage_blocks = sum(cnf.num_layers for cnf in block_setting)
        stage_block_id = 0
        for cnf in block_setting:
            stage = []
            for _ in range(cnf.num_layers):
                # the stochastic depth probability grows linearly with the block's index
                sd_prob = stochastic_depth_prob * stage_block_id / (total_stage_blocks - 1.0)
                stage.append(block(cnf.input_channels, layer_scale, sd_prob))
                stage_block_id += 1
            layers.append(nn.Sequential(*stage))
            if cnf.out_channels is not None:
                layers.append(nn.Sequential(
                    norm_layer(cnf.input_channels),
                    nn.Conv2d(cnf.input_channels, cnf.out_channels, kernel_size=2, stride=2)))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        lastblock = block_setting[-1]
        lastconv_output_channels = (lastblock.out_channels if lastblock.out_channels is not None
                                    else lastblock.input_channels)
        self.classifier = nn.Sequential(norm_layer(lastconv_output_channels), nn.Flatten(1),
                                        nn.Linear(lastconv_output_channels, num_classes))
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def _forward_impl(self, x):
        return self.classifier(self.avgpool(self.features(x)))

    def forward(self, x):
        return self._forward_impl(x)


class ConvNeXt_Tiny_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "convnext_tiny-983f1562.pth", 28589128)
    DEFAULT = IMAGENET1K_V1

class ConvNeXt_Small_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "convnext_small-0c510722.pth", 50223688)
    DEFAULT = IMAGENET1K_V1

class ConvNeXt_Base_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "convnext_base-6075fbad.pth", 88591464)
    DEFAULT = IMAGENET1K_V1

class ConvNeXt_Large_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "convnext_large-ea097f82.pth", 197767336)
    DEFAULT = IMAGENET1K_V1


def _convnext(name, block_setting, stochastic_depth_prob, weights, enum, kwargs) -> ConvNeXt:
    _no_weights(name, weights, enum, kwargs)
    stochastic_depth_prob = kwargs.pop("stochastic_depth_prob", stochastic_depth_prob)
    return ConvNeXt(block_setting, stochastic_depth_prob=stochastic_depth_prob, **kwargs)


@pretrained(ConvNeXt_Tiny_Weights)
def convnext_tiny(*, weights=None, progress: bool = True, **kwargs) -> ConvNeXt:
    """ConvNeXt-T (28.6 M parameters at 1000 classes); ``weights`` loads published weights."""
    setting = [CNBlockConfig(96, 192, 3), CNBlockConfig(192, 384, 3), CNBlockConfig(384, 768, 9),
               CNBlockConfig(768, None, 3)]
    return _convnext("convnext_tiny", setting, 0.1, weights, ConvNeXt_Tiny_Weights, kwargs)


@pretrained(ConvNeXt_Small_Weights)
def convnext_small(*, weights=None, progress: bool = True, **kwargs) -> ConvNeXt:
    """ConvNeXt-S (50.2 M parameters at 1000 classes); ``weights`` loads published weights."""
    setting = [CNBlockConfig(96, 192, 3), CNBlockConfig(192, 384, 3),
               CNBlockConfig(384, 768, 27), CNBlockConfig(768, None, 3)]
    return _convnext("convnext_small", setting, 0.4, weights, ConvNeXt_Small_Weights, kwargs)


@pretrained(ConvNeXt_Base_Weights)
def convnext_base(*, weights=None, progress: bool = True, **kwargs) -> ConvNeXt:
    """ConvNeXt-B (88.6 M parameters at 1000 classes); ``weights`` loads published weights."""
    setting = [CNBlockConfig(128, 256, 3), CNBlockConfig(256, 512, 3),
               CNBlockConfig(512, 1024, 27), CNBlockConfig(1024, None, 3)]
    return _convnext("convnext_base", setting, 0.5, weights, ConvNeXt_Base_Weights, kwargs)


@pretrained(ConvNeXt_Large_Weights)
def convnext_large(*, weights=None, progress: bool = True, **kwargs) -> ConvNeXt:
    """ConvNeXt-L (197.8 M parameters at 1000 classes); ``weights`` loads published weights."""
    setting = [CNBlockConfig(192, 384, 3), CNBlockConfig(384, 768, 3),
               CNBlockConfig(768, 1536, 27), CNBlockConfig(1536, None, 3)]
    return _convnext("convnext_large", setting, 0.5, weights, ConvNeXt_Large_Weights, kwargs)
