"""EfficientNet B0-B7 (Tan & Le, 2019) and EfficientNetV2 S/M/L (2021), as torchvision's."""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import gradkit as gk

from ... import nn
from ..ops.misc import Conv2dNormActivation, SqueezeExcitation
from ..ops.stochastic_depth import StochasticDepth
from ._api import Weights, WeightsEnum, pretrained
from ._utils import _URL, _make_divisible, _no_weights

__all__ = ["EfficientNet", "EfficientNet_B0_Weights", "EfficientNet_B1_Weights",
           "EfficientNet_B2_Weights", "EfficientNet_B3_Weights", "EfficientNet_B4_Weights",
           "EfficientNet_B5_Weights", "EfficientNet_B6_Weights", "EfficientNet_B7_Weights",
           "EfficientNet_V2_S_Weights", "EfficientNet_V2_M_Weights", "EfficientNet_V2_L_Weights",
           "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
           "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7",
           "efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l"]


@dataclass
class _MBConvConfig:
    expand_ratio: float
    kernel: int
    stride: int
    input_channels: int
    out_channels: int
    num_layers: int
    block: object

    @staticmethod
    def adjust_channels(channels: int, width_mult: float, min_value: int | None = None) -> int:
        return _make_divisible(channels * width_mult, 8, min_value)


class MBConvConfig(_MBConvConfig):
    """One stage of MBConv blocks, its widths and depth scaled by ``width_mult``/``depth_mult``."""

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int,
                 out_channels: int, num_layers: int, width_mult: float = 1.0,
                 depth_mult: float = 1.0, block=None) -> None:
        input_channels = self.adjust_channels(input_channels, width_mult)
        out_channels = self.adjust_channels(out_channels, width_mult)
        num_layers = self.adjust_depth(num_layers, depth_mult)
        if block is None:
            block = MBConv
        super().__init__(expand_ratio, kernel, stride, input_channels, out_channels, num_layers,
                         block)

    @staticmethod
    def adjust_depth(num_layers: int, depth_mult: float) -> int:
        return int(math.ceil(num_layers * depth_mult))


class FusedMBConvConfig(_MBConvConfig):
    """One stage of FusedMBConv blocks (EfficientNetV2)."""

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int,
                 out_channels: int, num_layers: int, block=None) -> None:
        if block is None:
            block = FusedMBConv
        super().__init__(expand_ratio, kernel, stride, input_channels, out_channels, num_layers,
                         block)


class MBConv(nn.Module):
    """1x1 expansion, depthwise convolution, squeeze-excitation, 1x1 projection (SiLU);
    a residual with stochastic depth where the shapes agree."""

    def __init__(self, cnf: MBConvConfig, stochastic_depth_prob: float, norm_layer,
                 se_layer=SqueezeExcitation) -> None:
        super().__init__()
        if not 1 <= cnf.stride <= 2:
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        layers = []
        activation_layer = nn.SiLU
        expanded_channels = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded_channels != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded_channels,
                                               kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=activation_layer))
        layers.append(Conv2dNormActivation(expanded_channels, expanded_channels,
                                           kernel_size=cnf.kernel, stride=cnf.stride,
                                           groups=expanded_channels, norm_layer=norm_layer,
                                           activation_layer=activation_layer))
        squeeze_channels = max(1, cnf.input_channels // 4)
        layers.append(se_layer(expanded_channels, squeeze_channels,
                               activation=partial(nn.SiLU, inplace=True)))
        layers.append(Conv2dNormActivation(expanded_channels, cnf.out_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, input):
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result)
            result = result + input
        return result


class FusedMBConv(nn.Module):
    """A full convolution in place of expansion + depthwise, then a 1x1 projection (SiLU)."""

    def __init__(self, cnf: FusedMBConvConfig, stochastic_depth_prob: float,
                 norm_layer) -> None:
        super().__init__()
        if not 1 <= cnf.stride <= 2:
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        layers = []
        activation_layer = nn.SiLU
        expanded_channels = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded_channels != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded_channels,
                                               kernel_size=cnf.kernel, stride=cnf.stride,
                                               norm_layer=norm_layer,
                                               activation_layer=activation_layer))
            layers.append(Conv2dNormActivation(expanded_channels, cnf.out_channels,
                                               kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=None))
        else:
            layers.append(Conv2dNormActivation(cnf.input_channels, cnf.out_channels,
                                               kernel_size=cnf.kernel, stride=cnf.stride,
                                               norm_layer=norm_layer,
                                               activation_layer=activation_layer))
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, input):
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result)
            result = result + input
        return result


class EfficientNet(nn.Module):
    """torchvision's EfficientNet: ``features`` (stem, one Sequential per stage, 1x1 head
    convolution), average pool, ``classifier`` (dropout, linear)."""

    def __init__(self, inverted_residual_setting, dropout: float,
                 stochastic_depth_prob: float = 0.2, num_classes: int = 1000, norm_layer=None,
                 last_channel: int | None = None) -> None:
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not (isinstance(inverted_residual_setting, Sequence)
                and all(isinstance(s, _MBConvConfig) for s in inverted_residual_setting)):
            raise TypeError("The inverted_residual_setting should be List[MBConvConfig]")
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        layers = []
        firstconv_output_channels = inverted_residual_setting[0].input_channels
        layers.append(Conv2dNormActivation(3, firstconv_output_channels, kernel_size=3, stride=2,
                                           norm_layer=norm_layer, activation_layer=nn.SiLU))
        total_stage_blocks = sum(cnf.num_layers for cnf in inverted_residual_setting)
        stage_block_id = 0
        for cnf in inverted_residual_setting:
            stage = []
            for _ in range(cnf.num_layers):
                block_cnf = copy.copy(cnf)
                if stage:
                    block_cnf.input_channels = block_cnf.out_channels
                    block_cnf.stride = 1
                # the stochastic depth probability grows linearly with the block's index
                sd_prob = stochastic_depth_prob * float(stage_block_id) / total_stage_blocks
                stage.append(block_cnf.block(block_cnf, sd_prob, norm_layer))
                stage_block_id += 1
            layers.append(nn.Sequential(*stage))
        lastconv_input_channels = inverted_residual_setting[-1].out_channels
        lastconv_output_channels = (last_channel if last_channel is not None
                                    else 4 * lastconv_input_channels)
        layers.append(Conv2dNormActivation(lastconv_input_channels, lastconv_output_channels,
                                           kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True),
                                        nn.Linear(lastconv_output_channels, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                init_range = 1.0 / math.sqrt(m.out_features)
                nn.init.uniform_(m.weight, -init_range, init_range)
                nn.init.zeros_(m.bias)

    def _forward_impl(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(gk.flatten(x, 1))

    def forward(self, x):
        return self._forward_impl(x)


def _efficientnet_conf(arch: str, **kwargs):
    if arch.startswith("efficientnet_b"):
        bneck_conf = partial(MBConvConfig, width_mult=kwargs.pop("width_mult"),
                             depth_mult=kwargs.pop("depth_mult"))
        inverted_residual_setting = [
            bneck_conf(1, 3, 1, 32, 16, 1),
            bneck_conf(6, 3, 2, 16, 24, 2),
            bneck_conf(6, 5, 2, 24, 40, 2),
            bneck_conf(6, 3, 2, 40, 80, 3),
            bneck_conf(6, 5, 1, 80, 112, 3),
            bneck_conf(6, 5, 2, 112, 192, 4),
            bneck_conf(6, 3, 1, 192, 320, 1),
        ]
        last_channel = None
    elif arch.startswith("efficientnet_v2_s"):
        inverted_residual_setting = [
            FusedMBConvConfig(1, 3, 1, 24, 24, 2),
            FusedMBConvConfig(4, 3, 2, 24, 48, 4),
            FusedMBConvConfig(4, 3, 2, 48, 64, 4),
            MBConvConfig(4, 3, 2, 64, 128, 6),
            MBConvConfig(6, 3, 1, 128, 160, 9),
            MBConvConfig(6, 3, 2, 160, 256, 15),
        ]
        last_channel = 1280
    elif arch.startswith("efficientnet_v2_m"):
        inverted_residual_setting = [
            FusedMBConvConfig(1, 3, 1, 24, 24, 3),
            FusedMBConvConfig(4, 3, 2, 24, 48, 5),
            FusedMBConvConfig(4, 3, 2, 48, 80, 5),
            MBConvConfig(4, 3, 2, 80, 160, 7),
            MBConvConfig(6, 3, 1, 160, 176, 14),
            MBConvConfig(6, 3, 2, 176, 304, 18),
            MBConvConfig(6, 3, 1, 304, 512, 5),
        ]
        last_channel = 1280
    elif arch.startswith("efficientnet_v2_l"):
        inverted_residual_setting = [
            FusedMBConvConfig(1, 3, 1, 32, 32, 4),
            FusedMBConvConfig(4, 3, 2, 32, 64, 7),
            FusedMBConvConfig(4, 3, 2, 64, 96, 7),
            MBConvConfig(4, 3, 2, 96, 192, 10),
            MBConvConfig(6, 3, 1, 192, 224, 19),
            MBConvConfig(6, 3, 2, 224, 384, 25),
            MBConvConfig(6, 3, 1, 384, 640, 7),
        ]
        last_channel = 1280
    else:
        raise ValueError(f"Unsupported model type {arch}")
    return inverted_residual_setting, last_channel


class EfficientNet_B0_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "efficientnet_b0_rwightman-7f5810bc.pth", 5288548)
    DEFAULT = IMAGENET1K_V1

class EfficientNet_B1_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "efficientnet_b1_rwightman-bac287d4.pth", 7794184)
    IMAGENET1K_V2 = Weights(_URL + "efficientnet_b1-c27df63c.pth", 7794184)
    DEFAULT = IMAGENET1K_V2

class EfficientNet_B2_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "efficientnet_b2_rwightman-c35c1473.pth", 9109994)
    DEFAULT = IMAGENET1K_V1

class EfficientNet_B3_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "efficientnet_b3_rwightman-b3899882.pth", 12233232)
    DEFAULT = IMAGENET1K_V1

class EfficientNet_B4_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "efficientnet_b4_rwightman-23ab8bcd.pth", 19341616)
    DEFAULT = IMAGENET1K_V1

class EfficientNet_B5_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "efficientnet_b5_lukemelas-1a07897c.pth", 30389784)
    DEFAULT = IMAGENET1K_V1

class EfficientNet_B6_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "efficientnet_b6_lukemelas-24a108a5.pth", 43040704)
    DEFAULT = IMAGENET1K_V1

class EfficientNet_B7_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "efficientnet_b7_lukemelas-c5b4e57e.pth", 66347960)
    DEFAULT = IMAGENET1K_V1

class EfficientNet_V2_S_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "efficientnet_v2_s-dd5fe13b.pth", 21458488)
    DEFAULT = IMAGENET1K_V1

class EfficientNet_V2_M_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "efficientnet_v2_m-dc08266a.pth", 54139356)
    DEFAULT = IMAGENET1K_V1

class EfficientNet_V2_L_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "efficientnet_v2_l-59c71312.pth", 118515272)
    DEFAULT = IMAGENET1K_V1


# (width_mult, depth_mult, dropout, BatchNorm eps/momentum or None) of B0-B7
_B = {0: (1.0, 1.0, 0.2, None), 1: (1.0, 1.1, 0.2, None), 2: (1.1, 1.2, 0.3, None),
      3: (1.2, 1.4, 0.3, None), 4: (1.4, 1.8, 0.4, None), 5: (1.6, 2.2, 0.4, (0.001, 0.01)),
      6: (1.8, 2.6, 0.5, (0.001, 0.01)), 7: (2.0, 3.1, 0.5, (0.001, 0.01))}
_V2_DROPOUT = {"s": 0.2, "m": 0.3, "l": 0.4}


def _efficientnet_b(k: int, weights, enum, kwargs: dict) -> EfficientNet:
    name = f"efficientnet_b{k}"
    _no_weights(name, weights, enum, kwargs)
    width_mult, depth_mult, dropout, bn = _B[k]
    setting, last_channel = _efficientnet_conf(name, width_mult=width_mult,
                                               depth_mult=depth_mult)
    if bn is not None:
        kwargs["norm_layer"] = partial(nn.BatchNorm2d, eps=bn[0], momentum=bn[1])
    return EfficientNet(setting, kwargs.pop("dropout", dropout), last_channel=last_channel,
                        **kwargs)


def _efficientnet_v2(size: str, weights, enum, kwargs: dict) -> EfficientNet:
    name = f"efficientnet_v2_{size}"
    _no_weights(name, weights, enum, kwargs)
    setting, last_channel = _efficientnet_conf(name)
    kwargs["norm_layer"] = partial(nn.BatchNorm2d, eps=0.001)
    return EfficientNet(setting, kwargs.pop("dropout", _V2_DROPOUT[size]),
                        last_channel=last_channel, **kwargs)


@pretrained(EfficientNet_B0_Weights)
def efficientnet_b0(*, weights=None, progress: bool = True, **kwargs) -> EfficientNet:
    """EfficientNet-B0 (5.3 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _efficientnet_b(0, weights, EfficientNet_B0_Weights, kwargs)


@pretrained(EfficientNet_B1_Weights)
def efficientnet_b1(*, weights=None, progress: bool = True, **kwargs) -> EfficientNet:
    """EfficientNet-B1 (7.8 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _efficientnet_b(1, weights, EfficientNet_B1_Weights, kwargs)


@pretrained(EfficientNet_B2_Weights)
def efficientnet_b2(*, weights=None, progress: bool = True, **kwargs) -> EfficientNet:
    """EfficientNet-B2 (9.1 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _efficientnet_b(2, weights, EfficientNet_B2_Weights, kwargs)


@pretrained(EfficientNet_B3_Weights)
def efficientnet_b3(*, weights=None, progress: bool = True, **kwargs) -> EfficientNet:
    """EfficientNet-B3 (12.2 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _efficientnet_b(3, weights, EfficientNet_B3_Weights, kwargs)


@pretrained(EfficientNet_B4_Weights)
def efficientnet_b4(*, weights=None, progress: bool = True, **kwargs) -> EfficientNet:
    """EfficientNet-B4 (19.3 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _efficientnet_b(4, weights, EfficientNet_B4_Weights, kwargs)


@pretrained(EfficientNet_B5_Weights)
def efficientnet_b5(*, weights=None, progress: bool = True, **kwargs) -> EfficientNet:
    """EfficientNet-B5 (30.4 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _efficientnet_b(5, weights, EfficientNet_B5_Weights, kwargs)


@pretrained(EfficientNet_B6_Weights)
def efficientnet_b6(*, weights=None, progress: bool = True, **kwargs) -> EfficientNet:
    """EfficientNet-B6 (43.0 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _efficientnet_b(6, weights, EfficientNet_B6_Weights, kwargs)


@pretrained(EfficientNet_B7_Weights)
def efficientnet_b7(*, weights=None, progress: bool = True, **kwargs) -> EfficientNet:
    """EfficientNet-B7 (66.3 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _efficientnet_b(7, weights, EfficientNet_B7_Weights, kwargs)


@pretrained(EfficientNet_V2_S_Weights)
def efficientnet_v2_s(*, weights=None, progress: bool = True, **kwargs) -> EfficientNet:
    """EfficientNetV2-S (21.5 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _efficientnet_v2("s", weights, EfficientNet_V2_S_Weights, kwargs)


@pretrained(EfficientNet_V2_M_Weights)
def efficientnet_v2_m(*, weights=None, progress: bool = True, **kwargs) -> EfficientNet:
    """EfficientNetV2-M (54.1 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _efficientnet_v2("m", weights, EfficientNet_V2_M_Weights, kwargs)


@pretrained(EfficientNet_V2_L_Weights)
def efficientnet_v2_l(*, weights=None, progress: bool = True, **kwargs) -> EfficientNet:
    """EfficientNetV2-L (118.5 M parameters at 1000 classes);
    ``weights`` loads published weights."""
    return _efficientnet_v2("l", weights, EfficientNet_V2_L_Weights, kwargs)
