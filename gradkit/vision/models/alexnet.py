"""AlexNet (Krizhevsky et al., 2012; the one-GPU variant of "One weird trick"), as torchvision's."""

from __future__ import annotations

import gradkit as gk

from ... import nn
from ._api import Weights, WeightsEnum, pretrained
from ._utils import _URL, _no_weights

__all__ = ["AlexNet", "AlexNet_Weights", "alexnet"]


class AlexNet(nn.Module):
    """Five convolutions in ``features``, a 6x6 adaptive average pool, three linear layers."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(gk.flatten(x, 1))


class AlexNet_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(_URL + "alexnet-owt-7be5be79.pth", 61100840)
    DEFAULT = IMAGENET1K_V1


@pretrained(AlexNet_Weights)
def alexnet(*, weights=None, progress: bool = True, **kwargs) -> AlexNet:
    """AlexNet (61.1 M parameters at 1000 classes); ``weights`` loads published weights."""
    _no_weights("alexnet", weights, AlexNet_Weights, kwargs)
    return AlexNet(**kwargs)
