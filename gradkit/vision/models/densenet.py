"""DenseNet-121/161/169/201 (Huang et al., 2016), as torchvision's."""

from __future__ import annotations

from collections import OrderedDict

import gradkit as gk

from ... import nn
from ...nn import functional as F
from ...utils.checkpoint import checkpoint
from ._api import Weights, WeightsEnum, pretrained
from ._utils import _URL, _no_weights

__all__ = ["DenseNet", "DenseNet121_Weights", "DenseNet161_Weights", "DenseNet169_Weights",
           "DenseNet201_Weights", "densenet121", "densenet161", "densenet169", "densenet201"]


class _DenseLayer(nn.Module):
    """BN-ReLU-1x1 conv (to ``bn_size * growth_rate``), BN-ReLU-3x3 conv (to ``growth_rate``)."""

    def __init__(self, num_input_features: int, growth_rate: int, bn_size: int,
                 drop_rate: float, memory_efficient: bool = False) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1,
                               stride=1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1,
                               padding=1, bias=False)
        self.drop_rate = float(drop_rate)
        self.memory_efficient = memory_efficient

    def bn_function(self, inputs):
        concated_features = gk.cat(list(inputs), 1)
        return self.conv1(self.relu1(self.norm1(concated_features)))

    def any_requires_grad(self, input) -> bool:
        return any(tensor.requires_grad for tensor in input)

    def call_checkpoint_bottleneck(self, input):
        """The bottleneck recomputed in backward instead of kept (``memory_efficient``)."""
        def closure(*inputs):
            return self.bn_function(inputs)
        return checkpoint(closure, *input, use_reentrant=False)

    def forward(self, input):
        prev_features = [input] if isinstance(input, gk.Tensor) else input
        if self.memory_efficient and self.any_requires_grad(prev_features):
            bottleneck_output = self.call_checkpoint_bottleneck(prev_features)
        else:
            bottleneck_output = self.bn_function(prev_features)
        new_features = self.conv2(self.relu2(self.norm2(bottleneck_output)))
        if self.drop_rate > 0:
            new_features = F.dropout(new_features, p=self.drop_rate, training=self.training)
        return new_features


class _DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers, each fed the concatenation of all earlier outputs."""

    _version = 2

    def __init__(self, num_layers: int, num_input_features: int, bn_size: int,
                 growth_rate: int, drop_rate: float, memory_efficient: bool = False) -> None:
        super().__init__()
        for i in range(num_layers):
            layer = _DenseLayer(num_input_features + i * growth_rate, growth_rate=growth_rate,
                                bn_size=bn_size, drop_rate=drop_rate,
                                memory_efficient=memory_efficient)
            self.add_module("denselayer%d" % (i + 1), layer)

    def forward(self, init_features):
        features = [init_features]
        for _name, layer in self.items():
            features.append(layer(features))
        return gk.cat(features, 1)


class _Transition(nn.Sequential):
    """BN-ReLU-1x1 conv halving the channels, 2x2 average pool."""

    def __init__(self, num_input_features: int, num_output_features: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1,
                              bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)


class DenseNet(nn.Module):
    """torchvision's DenseNet-BC: ``features`` (stem, dense blocks, transitions, norm5),
    ReLU, global average pool, ``classifier``."""

    def __init__(self, growth_rate: int = 32, block_config=(6, 12, 24, 16),
                 num_init_features: int = 64, bn_size: int = 4, drop_rate: float = 0,
                 num_classes: int = 1000, memory_efficient: bool = False) -> None:
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3,
                                bias=False)),
            ("norm0", nn.BatchNorm2d(num_init_features)),
            ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),
        ]))
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            block = _DenseBlock(num_layers=num_layers, num_input_features=num_features,
                                bn_size=bn_size, growth_rate=growth_rate, drop_rate=drop_rate,
                                memory_efficient=memory_efficient)
            self.features.add_module("denseblock%d" % (i + 1), block)
            num_features = num_features + num_layers * growth_rate
            if i != len(block_config) - 1:
                trans = _Transition(num_input_features=num_features,
                                    num_output_features=num_features // 2)
                self.features.add_module("transition%d" % (i + 1), trans)
                num_features = num_features // 2
        self.features.add_module("norm5", nn.BatchNorm2d(num_features))
        self.classifier = nn.Linear(num_features, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        out = F.relu(self.features(x), inplace=True)
        out = F.adaptive_avg_pool2d(out, (1, 1))
        return self.classifier(gk.flatten(out, 1))


class DenseNet121_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "densenet121-a639ec97.pth", 7978856)
    DEFAULT = IMAGENET1K_V1

class DenseNet161_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "densenet161-8d451a50.pth", 28681000)
    DEFAULT = IMAGENET1K_V1

class DenseNet169_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "densenet169-b2777c0a.pth", 14149480)
    DEFAULT = IMAGENET1K_V1

class DenseNet201_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "densenet201-c1103571.pth", 20013928)
    DEFAULT = IMAGENET1K_V1


def _densenet(name, growth_rate, block_config, num_init_features, weights, enum, kwargs):
    _no_weights(name, weights, enum, kwargs)
    return DenseNet(growth_rate, block_config, num_init_features, **kwargs)


def _old_dense_keys(state: dict) -> dict:
    """The published DenseNet checkpoints name layers ``norm.1``/``conv.2`` (dots were allowed
    in module names then); today's are ``norm1``/``conv2``, as torchvision renames them."""
    import re

    pattern = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\."
                         r"(?:weight|bias|running_mean|running_var))$")
    out = {}
    for key, value in state.items():
        m = pattern.match(key)
        out[m.group(1) + m.group(2) if m else key] = value
    return out


@pretrained(DenseNet121_Weights, key_map=_old_dense_keys)
def densenet121(*, weights=None, progress: bool = True, **kwargs) -> DenseNet:
    """DenseNet-121 (8.0 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _densenet("densenet121", 32, (6, 12, 24, 16), 64, weights, DenseNet121_Weights, kwargs)


@pretrained(DenseNet161_Weights, key_map=_old_dense_keys)
def densenet161(*, weights=None, progress: bool = True, **kwargs) -> DenseNet:
    """DenseNet-161 (28.7 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _densenet("densenet161", 48, (6, 12, 36, 24), 96, weights, DenseNet161_Weights, kwargs)


@pretrained(DenseNet169_Weights, key_map=_old_dense_keys)
def densenet169(*, weights=None, progress: bool = True, **kwargs) -> DenseNet:
    """DenseNet-169 (14.1 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _densenet("densenet169", 32, (6, 12, 32, 32), 64, weights, DenseNet169_Weights, kwargs)


@pretrained(DenseNet201_Weights, key_map=_old_dense_keys)
def densenet201(*, weights=None, progress: bool = True, **kwargs) -> DenseNet:
    """DenseNet-201 (20.0 M parameters at 1000 classes); ``weights`` loads published weights."""
    return _densenet("densenet201", 32, (6, 12, 48, 32), 64, weights, DenseNet201_Weights, kwargs)
