"""VGG (Simonyan and Zisserman, 2014) with torchvision's module names, so state_dict keys match."""

from __future__ import annotations

import gradkit as gk

from ... import nn
from ._api import Weights, WeightsEnum, check_no_weights, pretrained

__all__ = ["VGG", "make_layers", "cfgs", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
           "vgg16_bn", "vgg19", "vgg19_bn", "VGG11_Weights", "VGG11_BN_Weights",
           "VGG13_Weights", "VGG13_BN_Weights", "VGG16_Weights", "VGG16_BN_Weights",
           "VGG19_Weights", "VGG19_BN_Weights"]


class VGG(nn.Module):
    """``features`` (convolutions), a 7x7 adaptive average pool, then three linear layers."""

    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes))
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(gk.flatten(x, 1))


def make_layers(cfg, batch_norm: bool = False) -> nn.Sequential:
    """3x3 convolutions (+ BatchNorm) + ReLU per number in ``cfg``, a 2x2 max pool per "M"."""
    layers: list = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
            if batch_norm:
                layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            else:
                layers += [conv2d, nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
          512, 512, 512, 512, "M"],
}

_URL = "https://download.pytorch.org/models/"


def _enum(name: str, file: str, num_params: int, **more: Weights):
    w = Weights(_URL + file, num_params)
    return WeightsEnum(name, {"IMAGENET1K_V1": w, **more, "DEFAULT": w})


VGG11_Weights = _enum("VGG11_Weights", "vgg11-8a719046.pth", 132863336)
VGG11_BN_Weights = _enum("VGG11_BN_Weights", "vgg11_bn-6002323d.pth", 132868840)
VGG13_Weights = _enum("VGG13_Weights", "vgg13-19584684.pth", 133047848)
VGG13_BN_Weights = _enum("VGG13_BN_Weights", "vgg13_bn-abd245e5.pth", 133053736)
# IMAGENET1K_FEATURES: the SSD authors' port of the original Caffe weights (features only)
VGG16_Weights = _enum("VGG16_Weights", "vgg16-397923af.pth", 138357544,
                      IMAGENET1K_FEATURES=Weights(_URL + "vgg16_features-amdegroot-88682ab5.pth",
                                                  138357544))
VGG16_BN_Weights = _enum("VGG16_BN_Weights", "vgg16_bn-6c64b313.pth", 138365992)
VGG19_Weights = _enum("VGG19_Weights", "vgg19-dcbb9e9d.pth", 143667240)
VGG19_BN_Weights = _enum("VGG19_BN_Weights", "vgg19_bn-c79401a0.pth", 143678248)


def _vgg(name: str, cfg: str, batch_norm: bool, weights, enum, kwargs) -> VGG:
    check_no_weights(name, weights, enum, kwargs)
    kwargs.pop("progress", None)
    return VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)


@pretrained(VGG11_Weights)
def vgg11(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-11 (configuration "A"); ``weights`` loads published weights."""
    return _vgg("vgg11", "A", False, weights, VGG11_Weights, kwargs)


@pretrained(VGG11_BN_Weights)
def vgg11_bn(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-11 with batch normalization; ``weights`` loads published weights."""
    return _vgg("vgg11_bn", "A", True, weights, VGG11_BN_Weights, kwargs)


@pretrained(VGG13_Weights)
def vgg13(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    return _vgg("vgg13", "B", False, weights, VGG13_Weights, kwargs)


@pretrained(VGG13_BN_Weights)
def vgg13_bn(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    return _vgg("vgg13_bn", "B", True, weights, VGG13_BN_Weights, kwargs)


@pretrained(VGG16_Weights)
def vgg16(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    return _vgg("vgg16", "D", False, weights, VGG16_Weights, kwargs)


@pretrained(VGG16_BN_Weights)
def vgg16_bn(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    return _vgg("vgg16_bn", "D", True, weights, VGG16_BN_Weights, kwargs)


@pretrained(VGG19_Weights)
def vgg19(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    return _vgg("vgg19", "E", False, weights, VGG19_Weights, kwargs)


@pretrained(VGG19_BN_Weights)
def vgg19_bn(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    return _vgg("vgg19_bn", "E", True, weights, VGG19_BN_Weights, kwargs)
