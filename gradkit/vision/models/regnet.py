"""RegNetX and RegNetY (Radosavovic et al., 2020), as torchvision's."""

from __future__ import annotations

import math
from collections import OrderedDict
from functools import partial

import numpy as np

from ... import nn
from ..ops.misc import Conv2dNormActivation, SqueezeExcitation
from ._api import Weights, WeightsEnum, pretrained
from ._utils import _URL, _make_divisible, _no_weights

__all__ = ["RegNet", "RegNet_Y_400MF_Weights", "RegNet_Y_800MF_Weights", "RegNet_Y_1_6GF_Weights",
           "RegNet_Y_3_2GF_Weights", "RegNet_Y_8GF_Weights", "RegNet_Y_16GF_Weights",
           "RegNet_Y_32GF_Weights", "RegNet_Y_128GF_Weights", "RegNet_X_400MF_Weights",
           "RegNet_X_800MF_Weights", "RegNet_X_1_6GF_Weights", "RegNet_X_3_2GF_Weights",
           "RegNet_X_8GF_Weights", "RegNet_X_16GF_Weights", "RegNet_X_32GF_Weights",
           "regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf", "regnet_y_8gf",
           "regnet_y_16gf", "regnet_y_32gf", "regnet_y_128gf", "regnet_x_400mf", "regnet_x_800mf",
           "regnet_x_1_6gf", "regnet_x_3_2gf", "regnet_x_8gf", "regnet_x_16gf", "regnet_x_32gf"]


class SimpleStemIN(Conv2dNormActivation):
    """The stem: a 3x3 stride-2 convolution, norm, activation."""

    def __init__(self, width_in: int, width_out: int, norm_layer, activation_layer) -> None:
        super().__init__(width_in, width_out, kernel_size=3, stride=2, norm_layer=norm_layer,
                         activation_layer=activation_layer)


class BottleneckTransform(nn.Sequential):
    """1x1 (``a``), grouped 3x3 (``b``), optional squeeze-excitation (``se``), 1x1 (``c``)."""

    def __init__(self, width_in: int, width_out: int, stride: int, norm_layer, activation_layer,
                 group_width: int, bottleneck_multiplier: float, se_ratio: float | None) -> None:
        layers = OrderedDict()
        w_b = int(round(width_out * bottleneck_multiplier))
        g = w_b // group_width
        layers["a"] = Conv2dNormActivation(width_in, w_b, kernel_size=1, stride=1,
                                           norm_layer=norm_layer,
                                           activation_layer=activation_layer)
        layers["b"] = Conv2dNormActivation(w_b, w_b, kernel_size=3, stride=stride, groups=g,
                                           norm_layer=norm_layer,
                                           activation_layer=activation_layer)
        if se_ratio:
            # the squeeze width is a fraction of the block's input width
            width_se_out = int(round(se_ratio * width_in))
            layers["se"] = SqueezeExcitation(input_channels=w_b, squeeze_channels=width_se_out,
                                             activation=activation_layer)
        layers["c"] = Conv2dNormActivation(w_b, width_out, kernel_size=1, stride=1,
                                           norm_layer=norm_layer, activation_layer=None)
        super().__init__(layers)


class ResBottleneckBlock(nn.Module):
    """Residual bottleneck block: ``x + f(x)`` (or ``proj(x) + f(x)``), then the activation."""

    def __init__(self, width_in: int, width_out: int, stride: int, norm_layer, activation_layer,
                 group_width: int = 1, bottleneck_multiplier: float = 1.0,
                 se_ratio: float | None = None) -> None:
        super().__init__()
        self.proj = None
        should_proj = (width_in != width_out) or (stride != 1)
        if should_proj:
            self.proj = Conv2dNormActivation(width_in, width_out, kernel_size=1, stride=stride,
                                             norm_layer=norm_layer, activation_layer=None)
        self.f = BottleneckTransform(width_in, width_out, stride, norm_layer, activation_layer,
                                     group_width, bottleneck_multiplier, se_ratio)
        self.activation = activation_layer(inplace=True)

    def forward(self, x):
        if self.proj is not None:
            x = self.proj(x) + self.f(x)
        else:
            x = x + self.f(x)
        return self.activation(x)


class AnyStage(nn.Sequential):
    """``depth`` blocks named ``block{stage}-{i}``, the first one strided."""

    def __init__(self, width_in: int, width_out: int, stride: int, depth: int,
                 block_constructor, norm_layer, activation_layer, group_width: int,
                 bottleneck_multiplier: float, se_ratio: float | None = None,
                 stage_index: int = 0) -> None:
        super().__init__()
        for i in range(depth):
            block = block_constructor(width_in if i == 0 else width_out, width_out,
                                      stride if i == 0 else 1, norm_layer, activation_layer,
                                      group_width, bottleneck_multiplier, se_ratio)
            self.add_module(f"block{stage_index}-{i}", block)


class BlockParams:
    """Per-stage depths, widths, group widths, bottleneck multipliers and strides."""

    def __init__(self, depths, widths, group_widths, bottleneck_multipliers, strides,
                 se_ratio: float | None = None) -> None:
        self.depths = depths
        self.widths = widths
        self.group_widths = group_widths
        self.bottleneck_multipliers = bottleneck_multipliers
        self.strides = strides
        self.se_ratio = se_ratio

    @classmethod
    def from_init_params(cls, depth: int, w_0: int, w_a: float, w_m: float, group_width: int,
                         bottleneck_multiplier: float = 1.0, se_ratio: float | None = None,
                         **kwargs) -> BlockParams:
        """The stages of the quantised linear parametrisation of the RegNet paper (its
        section 3.3): block widths ``w_0 + w_a * j`` snapped to ``w_0 * w_m ** k``, rounded to
        multiples of 8; consecutive equal widths form a stage. Computed in float32, as
        torchvision computes it."""
        QUANT = 8
        STRIDE = 2
        if w_a < 0 or w_0 <= 0 or w_m <= 1 or w_0 % 8 != 0:
            raise ValueError("Invalid RegNet settings")
        f32 = np.float32
        widths_cont = np.arange(depth).astype(f32) * f32(w_a) + f32(w_0)
        block_capacity = np.round(np.log(widths_cont / f32(w_0)) / f32(math.log(w_m)))
        block_widths = (np.round((f32(w_0) * np.power(f32(w_m), block_capacity)) / f32(QUANT))
                        * f32(QUANT)).astype(np.int32).tolist()
        num_stages = len(set(block_widths))
        split_helper = zip(block_widths + [0], [0] + block_widths, block_widths + [0],
                           [0] + block_widths)
        splits = [w != wp or r != rp for w, wp, r, rp in split_helper]
        stage_widths = [w for w, t in zip(block_widths, splits[:-1]) if t]
        stage_depths = np.diff([d for d, t in enumerate(splits) if t]).astype(int).tolist()
        strides = [STRIDE] * num_stages
        bottleneck_multipliers = [bottleneck_multiplier] * num_stages
        group_widths = [group_width] * num_stages
        stage_widths, group_widths = cls._adjust_widths_groups_compatibilty(
            stage_widths, bottleneck_multipliers, group_widths)
        return cls(depths=stage_depths, widths=stage_widths, group_widths=group_widths,
                   bottleneck_multipliers=bottleneck_multipliers, strides=strides,
                   se_ratio=se_ratio)

    def _get_expanded_params(self):
        return zip(self.widths, self.strides, self.depths, self.group_widths,
                   self.bottleneck_multipliers)

    @staticmethod
    def _adjust_widths_groups_compatibilty(stage_widths, bottleneck_ratios, group_widths):
        """Make the bottleneck widths divisible by the group widths."""
        widths = [int(w * b) for w, b in zip(stage_widths, bottleneck_ratios)]
        group_widths_min = [min(g, w_bot) for g, w_bot in zip(group_widths, widths)]
        ws_bot = [_make_divisible(w_bot, g) for w_bot, g in zip(widths, group_widths_min)]
        stage_widths = [int(w_bot / b) for w_bot, b in zip(ws_bot, bottleneck_ratios)]
        return stage_widths, group_widths_min


class RegNet(nn.Module):
    """torchvision's RegNet: ``stem``, ``trunk_output`` (one AnyStage per stage), average pool,
    ``fc``."""

    def __init__(self, block_params: BlockParams, num_classes: int = 1000, stem_width: int = 32,
                 stem_type=None, block_type=None, norm_layer=None, activation=None) -> None:
        super().__init__()
        if stem_type is None:
            stem_type = SimpleStemIN
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if block_type is None:
            block_type = ResBottleneckBlock
        if activation is None:
            activation = nn.ReLU
        self.stem = stem_type(3, stem_width, norm_layer, activation)
        current_width = stem_width
        blocks = []
        for i, (width_out, stride, depth, group_width, bottleneck_multiplier) in enumerate(
                block_params._get_expanded_params()):
            blocks.append((f"block{i + 1}", AnyStage(
                current_width, width_out, stride, depth, block_type, norm_layer, activation,
                group_width, bottleneck_multiplier, block_params.se_ratio, stage_index=i + 1)))
            current_width = width_out
        self.trunk_output = nn.Sequential(OrderedDict(blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(in_features=current_width, out_features=num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                # He et al.'s fan-out normal, written out as torchvision writes it
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                nn.init.normal_(m.weight, mean=0.0, std=math.sqrt(2.0 / fan_out))
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, mean=0.0, std=0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.avgpool(self.trunk_output(self.stem(x)))
        return self.fc(x.flatten(start_dim=1))


def _regnet(block_params: BlockParams, kwargs: dict) -> RegNet:
    norm_layer = kwargs.pop("norm_layer", partial(nn.BatchNorm2d, eps=1e-05, momentum=0.1))
    return RegNet(block_params, norm_layer=norm_layer, **kwargs)


class RegNet_Y_400MF_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "regnet_y_400mf-c65dace8.pth", 4344144)
    IMAGENET1K_V2 = Weights(_URL + "regnet_y_400mf-e6988f5f.pth", 4344144)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_800MF_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "regnet_y_800mf-1b27b58c.pth", 6432512)
    IMAGENET1K_V2 = Weights(_URL + "regnet_y_800mf-58fc7688.pth", 6432512)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_1_6GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "regnet_y_1_6gf-b11a554e.pth", 11202430)
    IMAGENET1K_V2 = Weights(_URL + "regnet_y_1_6gf-0d7bc02a.pth", 11202430)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_3_2GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "regnet_y_3_2gf-b5a9779c.pth", 19436338)
    IMAGENET1K_V2 = Weights(_URL + "regnet_y_3_2gf-9180c971.pth", 19436338)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_8GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "regnet_y_8gf-d0d0e4a8.pth", 39381472)
    IMAGENET1K_V2 = Weights(_URL + "regnet_y_8gf-dc2b1b54.pth", 39381472)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_16GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "regnet_y_16gf-9e6ed7dd.pth", 83590140)
    IMAGENET1K_V2 = Weights(_URL + "regnet_y_16gf-3e4a00f9.pth", 83590140)
    IMAGENET1K_SWAG_E2E_V1 = Weights(_URL + "regnet_y_16gf_swag-43afe44d.pth", 83590140)
    IMAGENET1K_SWAG_LINEAR_V1 = Weights(_URL + "regnet_y_16gf_lc_swag-f3ec0043.pth", 83590140)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_32GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "regnet_y_32gf-4dee3f7a.pth", 145046770)
    IMAGENET1K_V2 = Weights(_URL + "regnet_y_32gf-8db6d4b5.pth", 145046770)
    IMAGENET1K_SWAG_E2E_V1 = Weights(_URL + "regnet_y_32gf_swag-04fdfa75.pth", 145046770)
    IMAGENET1K_SWAG_LINEAR_V1 = Weights(_URL + "regnet_y_32gf_lc_swag-e1583746.pth", 145046770)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_128GF_Weights(WeightsEnum):
    IMAGENET1K_SWAG_E2E_V1 = Weights(_URL + "regnet_y_128gf_swag-c8ce3e52.pth", 644812894)
    IMAGENET1K_SWAG_LINEAR_V1 = Weights(_URL + "regnet_y_128gf_lc_swag-cbe8ce12.pth", 644812894)
    DEFAULT = IMAGENET1K_SWAG_E2E_V1


class RegNet_X_400MF_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "regnet_x_400mf-adf1edd5.pth", 5495976)
    IMAGENET1K_V2 = Weights(_URL + "regnet_x_400mf-62229a5f.pth", 5495976)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_800MF_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "regnet_x_800mf-ad17e45c.pth", 7259656)
    IMAGENET1K_V2 = Weights(_URL + "regnet_x_800mf-94a99ebd.pth", 7259656)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_1_6GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "regnet_x_1_6gf-e3633e7f.pth", 9190136)
    IMAGENET1K_V2 = Weights(_URL + "regnet_x_1_6gf-a12f2b72.pth", 9190136)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_3_2GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "regnet_x_3_2gf-f342aeae.pth", 15296552)
    IMAGENET1K_V2 = Weights(_URL + "regnet_x_3_2gf-7071aa85.pth", 15296552)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_8GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "regnet_x_8gf-03ceed89.pth", 39572648)
    IMAGENET1K_V2 = Weights(_URL + "regnet_x_8gf-2b70d774.pth", 39572648)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_16GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "regnet_x_16gf-2007eb11.pth", 54278536)
    IMAGENET1K_V2 = Weights(_URL + "regnet_x_16gf-ba3796d7.pth", 54278536)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_32GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "regnet_x_32gf-9d47f8d0.pth", 107811560)
    IMAGENET1K_V2 = Weights(_URL + "regnet_x_32gf-6eb8fdc6.pth", 107811560)
    DEFAULT = IMAGENET1K_V2



@pretrained(RegNet_Y_400MF_Weights)
def regnet_y_400mf(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
    """RegNetY-400MF (4.3 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("regnet_y_400mf", weights, RegNet_Y_400MF_Weights, kwargs)
    params = BlockParams.from_init_params(depth=16, w_0=48, w_a=27.89, w_m=2.09,
                                          group_width=8, se_ratio=0.25, **kwargs)
    return _regnet(params, kwargs)



@pretrained(RegNet_Y_800MF_Weights)
def regnet_y_800mf(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
    """RegNetY-800MF (6.4 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("regnet_y_800mf", weights, RegNet_Y_800MF_Weights, kwargs)
    params = BlockParams.from_init_params(depth=14, w_0=56, w_a=38.84, w_m=2.4,
                                          group_width=16, se_ratio=0.25, **kwargs)
    return _regnet(params, kwargs)



@pretrained(RegNet_Y_1_6GF_Weights)
def regnet_y_1_6gf(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
    """RegNetY-1.6GF (11.2 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("regnet_y_1_6gf", weights, RegNet_Y_1_6GF_Weights, kwargs)
    params = BlockParams.from_init_params(depth=27, w_0=48, w_a=20.71, w_m=2.65,
                                          group_width=24, se_ratio=0.25, **kwargs)
    return _regnet(params, kwargs)



@pretrained(RegNet_Y_3_2GF_Weights)
def regnet_y_3_2gf(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
    """RegNetY-3.2GF (19.4 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("regnet_y_3_2gf", weights, RegNet_Y_3_2GF_Weights, kwargs)
    params = BlockParams.from_init_params(depth=21, w_0=80, w_a=42.63, w_m=2.66,
                                          group_width=24, se_ratio=0.25, **kwargs)
    return _regnet(params, kwargs)



@pretrained(RegNet_Y_8GF_Weights)
def regnet_y_8gf(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
    """RegNetY-8GF (39.4 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("regnet_y_8gf", weights, RegNet_Y_8GF_Weights, kwargs)
    params = BlockParams.from_init_params(depth=17, w_0=192, w_a=76.82, w_m=2.19,
                                          group_width=56, se_ratio=0.25, **kwargs)
    return _regnet(params, kwargs)



@pretrained(RegNet_Y_16GF_Weights)
def regnet_y_16gf(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
    """RegNetY-16GF (83.6 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("regnet_y_16gf", weights, RegNet_Y_16GF_Weights, kwargs)
    params = BlockParams.from_init_params(depth=18, w_0=200, w_a=106.23, w_m=2.48,
                                          group_width=112, se_ratio=0.25, **kwargs)
    return _regnet(params, kwargs)



@pretrained(RegNet_Y_32GF_Weights)
def regnet_y_32gf(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
    """RegNetY-32GF (145.0 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("regnet_y_32gf", weights, RegNet_Y_32GF_Weights, kwargs)
    params = BlockParams.from_init_params(depth=20, w_0=232, w_a=115.89, w_m=2.53,
                                          group_width=232, se_ratio=0.25, **kwargs)
    return _regnet(params, kwargs)



@pretrained(RegNet_Y_128GF_Weights)
def regnet_y_128gf(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
    """RegNetY-128GF (644.8 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("regnet_y_128gf", weights, RegNet_Y_128GF_Weights, kwargs)
    params = BlockParams.from_init_params(depth=27, w_0=456, w_a=160.83, w_m=2.52,
                                          group_width=264, se_ratio=0.25, **kwargs)
    return _regnet(params, kwargs)



@pretrained(RegNet_X_400MF_Weights)
def regnet_x_400mf(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
    """RegNetX-400MF (5.5 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("regnet_x_400mf", weights, RegNet_X_400MF_Weights, kwargs)
    params = BlockParams.from_init_params(depth=22, w_0=24, w_a=24.48, w_m=2.54,
                                          group_width=16, **kwargs)
    return _regnet(params, kwargs)



@pretrained(RegNet_X_800MF_Weights)
def regnet_x_800mf(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
    """RegNetX-800MF (7.3 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("regnet_x_800mf", weights, RegNet_X_800MF_Weights, kwargs)
    params = BlockParams.from_init_params(depth=16, w_0=56, w_a=35.73, w_m=2.28,
                                          group_width=16, **kwargs)
    return _regnet(params, kwargs)



@pretrained(RegNet_X_1_6GF_Weights)
def regnet_x_1_6gf(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
    """RegNetX-1.6GF (9.2 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("regnet_x_1_6gf", weights, RegNet_X_1_6GF_Weights, kwargs)
    params = BlockParams.from_init_params(depth=18, w_0=80, w_a=34.01, w_m=2.25,
                                          group_width=24, **kwargs)
    return _regnet(params, kwargs)



@pretrained(RegNet_X_3_2GF_Weights)
def regnet_x_3_2gf(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
    """RegNetX-3.2GF (15.3 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("regnet_x_3_2gf", weights, RegNet_X_3_2GF_Weights, kwargs)
    params = BlockParams.from_init_params(depth=25, w_0=88, w_a=26.31, w_m=2.25,
                                          group_width=48, **kwargs)
    return _regnet(params, kwargs)



@pretrained(RegNet_X_8GF_Weights)
def regnet_x_8gf(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
    """RegNetX-8GF (39.6 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("regnet_x_8gf", weights, RegNet_X_8GF_Weights, kwargs)
    params = BlockParams.from_init_params(depth=23, w_0=80, w_a=49.56, w_m=2.88,
                                          group_width=120, **kwargs)
    return _regnet(params, kwargs)



@pretrained(RegNet_X_16GF_Weights)
def regnet_x_16gf(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
    """RegNetX-16GF (54.3 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("regnet_x_16gf", weights, RegNet_X_16GF_Weights, kwargs)
    params = BlockParams.from_init_params(depth=22, w_0=216, w_a=55.59, w_m=2.1,
                                          group_width=128, **kwargs)
    return _regnet(params, kwargs)



@pretrained(RegNet_X_32GF_Weights)
def regnet_x_32gf(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
    """RegNetX-32GF (107.8 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("regnet_x_32gf", weights, RegNet_X_32GF_Weights, kwargs)
    params = BlockParams.from_init_params(depth=23, w_0=320, w_a=69.86, w_m=2.0,
                                          group_width=168, **kwargs)
    return _regnet(params, kwargs)
