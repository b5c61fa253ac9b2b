"""ResNet (He et al., 2015) with torchvision's module names, so state_dict keys match."""

from __future__ import annotations

import gradkit as gk

from ... import nn
from ._api import Weights, WeightsEnum, check_no_weights, pretrained

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50",
           "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d",
           "wide_resnet50_2", "wide_resnet101_2", "ResNet18_Weights", "ResNet34_Weights",
           "ResNet50_Weights", "ResNet101_Weights", "ResNet152_Weights",
           "ResNeXt50_32X4D_Weights", "ResNeXt101_32X8D_Weights", "ResNeXt101_64X4D_Weights",
           "Wide_ResNet50_2_Weights", "Wide_ResNet101_2_Weights"]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1,
            dilation: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation,
                     groups=groups, bias=False, dilation=dilation)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a residual connection (ResNet-18/34)."""

    expansion: int = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample=None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1,
                 norm_layer=None) -> None:
        super().__init__()
        norm_layer = norm_layer or nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out = out + identity
        return self.relu(out)


class Bottleneck(nn.Module):
    """1x1, 3x3 (strided), 1x1 x4 convolutions with a residual connection (ResNet-50)."""

    expansion: int = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample=None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1,
                 norm_layer=None) -> None:
        super().__init__()
        norm_layer = norm_layer or nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out = out + identity
        return self.relu(out)


class ResNet(nn.Module):
    """torchvision's ResNet: stem, four stages of ``block``, global average pool, ``fc``."""

    def __init__(self, block, layers, num_classes: int = 1000, zero_init_residual: bool = False,
                 groups: int = 1, width_per_group: int = 64, replace_stride_with_dilation=None,
                 norm_layer=None) -> None:
        super().__init__()
        self._norm_layer = norm_layer or nn.BatchNorm2d
        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError(f"replace_stride_with_dilation should be None or a 3-element tuple, "
                             f"got {replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = self._norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2,
                                       dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2,
                                       dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2,
                                       dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes: int, blocks: int, stride: int = 1,
                    dilate: bool = False) -> nn.Sequential:
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width,
                        previous_dilation, norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups,
                                base_width=self.base_width, dilation=self.dilation,
                                norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = gk.flatten(self.avgpool(x), 1)
        return self.fc(x)


_IMAGENET = "https://download.pytorch.org/models/"


class ResNet18_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_IMAGENET + "resnet18-f37072fd.pth", 11689512)
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_IMAGENET + "resnet34-b627a593.pth", 21797672)
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_IMAGENET + "resnet50-0676ba61.pth", 25557032)
    IMAGENET1K_V2 = Weights(_IMAGENET + "resnet50-11ad3fa6.pth", 25557032)
    DEFAULT = IMAGENET1K_V2


class ResNet101_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_IMAGENET + "resnet101-63fe2227.pth", 44549160)
    IMAGENET1K_V2 = Weights(_IMAGENET + "resnet101-cd907fc2.pth", 44549160)
    DEFAULT = IMAGENET1K_V2


class ResNet152_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_IMAGENET + "resnet152-394f9c45.pth", 60192808)
    IMAGENET1K_V2 = Weights(_IMAGENET + "resnet152-f82ba261.pth", 60192808)
    DEFAULT = IMAGENET1K_V2


class ResNeXt50_32X4D_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_IMAGENET + "resnext50_32x4d-7cdf4587.pth", 25028904)
    IMAGENET1K_V2 = Weights(_IMAGENET + "resnext50_32x4d-1a0047aa.pth", 25028904)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_32X8D_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_IMAGENET + "resnext101_32x8d-8ba56ff5.pth", 88791336)
    IMAGENET1K_V2 = Weights(_IMAGENET + "resnext101_32x8d-110c445d.pth", 88791336)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_64X4D_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_IMAGENET + "resnext101_64x4d-173b62eb.pth", 83455272)
    DEFAULT = IMAGENET1K_V1


class Wide_ResNet50_2_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_IMAGENET + "wide_resnet50_2-95faca4d.pth", 68883240)
    IMAGENET1K_V2 = Weights(_IMAGENET + "wide_resnet50_2-9ba9bcbe.pth", 68883240)
    DEFAULT = IMAGENET1K_V2


class Wide_ResNet101_2_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_IMAGENET + "wide_resnet101_2-32ee1156.pth", 126886696)
    IMAGENET1K_V2 = Weights(_IMAGENET + "wide_resnet101_2-d733dc28.pth", 126886696)
    DEFAULT = IMAGENET1K_V2


def _resnet(name, block, layers, weights, enum, kwargs, **fixed) -> ResNet:
    check_no_weights(name, weights, enum, kwargs)
    kwargs.pop("progress", None)
    for param, value in fixed.items():  # the width settings a ResNeXt/Wide ResNet is named for
        if param in kwargs and kwargs[param] != value:
            raise ValueError(f"The parameter '{param}' expected value {value} but got "
                             f"{kwargs[param]} instead.")
        kwargs[param] = value
    return ResNet(block, layers, **kwargs)


@pretrained(ResNet18_Weights)
def resnet18(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNet-18 (11.7 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _resnet("resnet18", BasicBlock, [2, 2, 2, 2], weights, ResNet18_Weights, kwargs)


@pretrained(ResNet34_Weights)
def resnet34(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNet-34 (21.8 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _resnet("resnet34", BasicBlock, [3, 4, 6, 3], weights, ResNet34_Weights, kwargs)


@pretrained(ResNet50_Weights)
def resnet50(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNet-50 (25.6 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _resnet("resnet50", Bottleneck, [3, 4, 6, 3], weights, ResNet50_Weights, kwargs)


@pretrained(ResNet101_Weights)
def resnet101(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNet-101 (44.5 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _resnet("resnet101", Bottleneck, [3, 4, 23, 3], weights, ResNet101_Weights, kwargs)


@pretrained(ResNet152_Weights)
def resnet152(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNet-152 (60.2 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _resnet("resnet152", Bottleneck, [3, 8, 36, 3], weights, ResNet152_Weights, kwargs)


@pretrained(ResNeXt50_32X4D_Weights)
def resnext50_32x4d(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNeXt-50 32x4d (25.0 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _resnet("resnext50_32x4d", Bottleneck, [3, 4, 6, 3], weights,
                   ResNeXt50_32X4D_Weights, kwargs, groups=32, width_per_group=4)


@pretrained(ResNeXt101_32X8D_Weights)
def resnext101_32x8d(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNeXt-101 32x8d (88.8 M parameters at 1000 classes);
    ``weights`` loads published weights."""
    return _resnet("resnext101_32x8d", Bottleneck, [3, 4, 23, 3], weights,
                   ResNeXt101_32X8D_Weights, kwargs, groups=32, width_per_group=8)


@pretrained(ResNeXt101_64X4D_Weights)
def resnext101_64x4d(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNeXt-101 64x4d (83.5 M parameters at 1000 classes);
    ``weights`` loads published weights."""
    return _resnet("resnext101_64x4d", Bottleneck, [3, 4, 23, 3], weights,
                   ResNeXt101_64X4D_Weights, kwargs, groups=64, width_per_group=4)


@pretrained(Wide_ResNet50_2_Weights)
def wide_resnet50_2(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """Wide ResNet-50-2 (68.9 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _resnet("wide_resnet50_2", Bottleneck, [3, 4, 6, 3], weights,
                   Wide_ResNet50_2_Weights, kwargs, width_per_group=64 * 2)


@pretrained(Wide_ResNet101_2_Weights)
def wide_resnet101_2(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """Wide ResNet-101-2 (126.9 M parameters at 1000 classes);
    ``weights`` loads published weights."""
    return _resnet("wide_resnet101_2", Bottleneck, [3, 4, 23, 3], weights,
                   Wide_ResNet101_2_Weights, kwargs, width_per_group=64 * 2)
