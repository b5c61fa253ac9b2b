"""``gradkit.vision.datasets``: torchvision's data sets from local files, or downloaded
(MD5-checked) with ``download=True``."""

from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .mnist import KMNIST, MNIST, FashionMNIST
from .vision import StandardTransform, VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "DatasetFolder", "FakeData", "FashionMNIST", "ImageFolder",
           "KMNIST", "MNIST", "StandardTransform", "VisionDataset"]
