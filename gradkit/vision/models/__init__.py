"""``gradkit.vision.models``: ResNet and VGG with torchvision's state_dict keys and shapes.

Built with ``weights=None`` only: gradkit downloads nothing. Load a checkpoint you have with
``model.load_state_dict(gradkit.load(path))``.
"""

from ._api import Weights, WeightsEnum
from .resnet import *
from .resnet import __all__ as _resnet_all
from .vgg import *
from .vgg import __all__ as _vgg_all

__all__ = ["Weights", "WeightsEnum", *_resnet_all, *_vgg_all]
