"""ShuffleNetV2 (Ma et al., 2018) at widths 0.5, 1.0, 1.5 and 2.0, as torchvision's."""

from __future__ import annotations

import gradkit as gk

from ... import nn
from ._api import Weights, WeightsEnum, pretrained
from ._utils import _URL, _no_weights

__all__ = ["ShuffleNetV2", "ShuffleNet_V2_X0_5_Weights", "ShuffleNet_V2_X1_0_Weights",
           "ShuffleNet_V2_X1_5_Weights", "ShuffleNet_V2_X2_0_Weights", "shufflenet_v2_x0_5",
           "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0"]


def channel_shuffle(x, groups: int):
    """Interleave the channels of ``groups`` groups: (N, g*c, H, W) -> (N, c*g, H, W)."""
    batchsize, num_channels, height, width = x.size()
    channels_per_group = num_channels // groups
    x = x.view(batchsize, groups, channels_per_group, height, width)
    x = gk.transpose(x, 1, 2).contiguous()
    return x.view(batchsize, num_channels, height, width)


class InvertedResidual(nn.Module):
    """ShuffleNetV2 unit: split (or, strided, two branches), convolve, concatenate, shuffle."""

    def __init__(self, inp: int, oup: int, stride: int) -> None:
        super().__init__()
        if not 1 <= stride <= 3:
            raise ValueError("illegal stride value")
        self.stride = stride
        branch_features = oup // 2
        if self.stride == 1 and inp != branch_features << 1:
            raise ValueError(f"Invalid combination of stride {stride}, inp {inp} and oup {oup} "
                             f"values. If stride == 1 then inp should be equal to "
                             f"oup // 2 << 1.")
        if self.stride > 1:
            self.branch1 = nn.Sequential(
                self.depthwise_conv(inp, inp, kernel_size=3, stride=self.stride, padding=1),
                nn.BatchNorm2d(inp),
                nn.Conv2d(inp, branch_features, kernel_size=1, stride=1, padding=0, bias=False),
                nn.BatchNorm2d(branch_features),
                nn.ReLU(inplace=True),
            )
        else:
            self.branch1 = nn.Sequential()
        self.branch2 = nn.Sequential(
            nn.Conv2d(inp if self.stride > 1 else branch_features, branch_features,
                      kernel_size=1, stride=1, padding=0, bias=False),
            nn.BatchNorm2d(branch_features),
            nn.ReLU(inplace=True),
            self.depthwise_conv(branch_features, branch_features, kernel_size=3,
                                stride=self.stride, padding=1),
            nn.BatchNorm2d(branch_features),
            nn.Conv2d(branch_features, branch_features, kernel_size=1, stride=1, padding=0,
                      bias=False),
            nn.BatchNorm2d(branch_features),
            nn.ReLU(inplace=True),
        )

    @staticmethod
    def depthwise_conv(i: int, o: int, kernel_size: int, stride: int = 1, padding: int = 0,
                       bias: bool = False) -> nn.Conv2d:
        return nn.Conv2d(i, o, kernel_size, stride, padding, bias=bias, groups=i)

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = gk.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = gk.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)


class ShuffleNetV2(nn.Module):
    """torchvision's ShuffleNetV2: ``conv1``, ``maxpool``, ``stage2``-``stage4``, ``conv5``,
    spatial mean, ``fc`` (PyTorch's default initialisation throughout)."""

    def __init__(self, stages_repeats, stages_out_channels, num_classes: int = 1000,
                 inverted_residual=InvertedResidual) -> None:
        super().__init__()
        if len(stages_repeats) != 3:
            raise ValueError("expected stages_repeats as list of 3 positive ints")
        if len(stages_out_channels) != 5:
            raise ValueError("expected stages_out_channels as list of 5 positive ints")
        self._stage_out_channels = stages_out_channels
        input_channels = 3
        output_channels = self._stage_out_channels[0]
        self.conv1 = nn.Sequential(
            nn.Conv2d(input_channels, output_channels, 3, 2, 1, bias=False),
            nn.BatchNorm2d(output_channels),
            nn.ReLU(inplace=True),
        )
        input_channels = output_channels
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        stage_names = [f"stage{i}" for i in [2, 3, 4]]
        for name, repeats, output_channels in zip(stage_names, stages_repeats,
                                                  self._stage_out_channels[1:]):
            seq = [inverted_residual(input_channels, output_channels, 2)]
            for _ in range(repeats - 1):
                seq.append(inverted_residual(output_channels, output_channels, 1))
            setattr(self, name, nn.Sequential(*seq))
            input_channels = output_channels
        output_channels = self._stage_out_channels[-1]
        self.conv5 = nn.Sequential(
            nn.Conv2d(input_channels, output_channels, 1, 1, 0, bias=False),
            nn.BatchNorm2d(output_channels),
            nn.ReLU(inplace=True),
        )
        self.fc = nn.Linear(output_channels, num_classes)

    def _forward_impl(self, x):
        x = self.maxpool(self.conv1(x))
        x = self.conv5(self.stage4(self.stage3(self.stage2(x))))
        x = x.mean([2, 3])  # global pool
        return self.fc(x)

    def forward(self, x):
        return self._forward_impl(x)


class ShuffleNet_V2_X0_5_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "shufflenetv2_x0.5-f707e7126e.pth", 1366792)
    DEFAULT = IMAGENET1K_V1

class ShuffleNet_V2_X1_0_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "shufflenetv2_x1-5666bf0f80.pth", 2278604)
    DEFAULT = IMAGENET1K_V1

class ShuffleNet_V2_X1_5_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "shufflenetv2_x1_5-3c479a10.pth", 3503624)
    DEFAULT = IMAGENET1K_V1

class ShuffleNet_V2_X2_0_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "shufflenetv2_x2_0-8be3c8ee.pth", 7393996)
    DEFAULT = IMAGENET1K_V1


def _shufflenetv2(name, weights, enum, kwargs, *args) -> ShuffleNetV2:
    _no_weights(name, weights, enum, kwargs)
    return ShuffleNetV2(*args, **kwargs)


@pretrained(ShuffleNet_V2_X0_5_Weights)
def shufflenet_v2_x0_5(*, weights=None, progress: bool = True, **kwargs) -> ShuffleNetV2:
    """ShuffleNetV2 x0.5 (1.4 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _shufflenetv2("shufflenet_v2_x0_5", weights, ShuffleNet_V2_X0_5_Weights, kwargs,
                         [4, 8, 4], [24, 48, 96, 192, 1024])


@pretrained(ShuffleNet_V2_X1_0_Weights)
def shufflenet_v2_x1_0(*, weights=None, progress: bool = True, **kwargs) -> ShuffleNetV2:
    """ShuffleNetV2 x1.0 (2.3 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _shufflenetv2("shufflenet_v2_x1_0", weights, ShuffleNet_V2_X1_0_Weights, kwargs,
                         [4, 8, 4], [24, 116, 232, 464, 1024])


@pretrained(ShuffleNet_V2_X1_5_Weights)
def shufflenet_v2_x1_5(*, weights=None, progress: bool = True, **kwargs) -> ShuffleNetV2:
    """ShuffleNetV2 x1.5 (3.5 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _shufflenetv2("shufflenet_v2_x1_5", weights, ShuffleNet_V2_X1_5_Weights, kwargs,
                         [4, 8, 4], [24, 176, 352, 704, 1024])


@pretrained(ShuffleNet_V2_X2_0_Weights)
def shufflenet_v2_x2_0(*, weights=None, progress: bool = True, **kwargs) -> ShuffleNetV2:
    """ShuffleNetV2 x2.0 (7.4 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _shufflenetv2("shufflenet_v2_x2_0", weights, ShuffleNet_V2_X2_0_Weights, kwargs,
                         [4, 8, 4], [24, 244, 488, 976, 2048])
