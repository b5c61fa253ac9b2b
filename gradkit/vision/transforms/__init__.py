"""``gradkit.vision.transforms``: torchvision's transforms on PIL images and gradkit tensors.

``from gradkit.vision import transforms as T`` reads as ``torchvision.transforms``: the v1
classes (``T.Compose``, ``T.ToTensor``, ``T.Normalize``, ``T.RandomResizedCrop``, ...),
``T.functional`` and ``T.InterpolationMode``; ``T.v2`` holds the v2 names. Pillow is needed only
for PIL images (``pip install gradkit[vision]``).
"""

from . import functional
from .functional import InterpolationMode
from .transforms import *
from .transforms import __all__ as _transforms_all
from .augment import *
from .augment import __all__ as _augment_all
from .autoaugment import *
from .autoaugment import __all__ as _autoaugment_all
from . import v2

__all__ = ["InterpolationMode", "functional", "v2", *_transforms_all, *_augment_all,
           *_autoaugment_all]
