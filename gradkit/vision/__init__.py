"""``gradkit.vision``: the part of torchvision that training programs use, on NumPy and Pillow.

* ``transforms`` (and ``transforms.v2``, ``transforms.functional``): PIL images and tensors;
* ``datasets``: MNIST, FashionMNIST, CIFAR10/100 from their standard local files, ImageFolder,
  DatasetFolder, FakeData (nothing is downloaded);
* ``models``: torchvision's classification models (ResNet, VGG, AlexNet, MobileNetV2/V3,
  SqueezeNet, DenseNet, EfficientNet, ShuffleNetV2, GoogLeNet, Inception v3, ViT, ConvNeXt,
  RegNet) with its state_dict keys, arguments and initialisation;
* ``ops``: the blocks they share (Conv2dNormActivation, SqueezeExcitation, MLP, StochasticDepth);
* ``utils``: ``make_grid``, ``save_image``;
* ``io``: ``read_image``, ``decode_image``/``decode_png``/``decode_jpeg``, ``encode_png``,
  ``encode_jpeg``, ``write_png``/``write_jpeg``, ``read_file``/``write_file`` (images only).

Pillow (``pip install gradkit[vision]``) is imported only when a PIL image or an image file is
used; ``import gradkit`` never imports it.
"""

from . import datasets, io, models, ops, transforms, utils

__all__ = ["datasets", "io", "models", "ops", "transforms", "utils"]
