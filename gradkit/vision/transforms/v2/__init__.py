"""``gradkit.vision.transforms.v2``: torchvision's v2 transforms where the names coincide with v1
(plus ``ToImage``, ``ToDtype``, ``ToPureTensor``, ``Identity``), the batch mixing
``MixUp``/``CutMix``, and the automatic augmentations (``AutoAugment``, ``RandAugment``,
``TrivialAugmentWide``, ``AugMix``) with v2's random draws. ``v2.functional`` is the v1
functional module: its kernels are the same definitions.
"""

from .. import functional
from ..functional import InterpolationMode
from ._transforms import *
from ._transforms import __all__ as _all
from ._augment import *
from ._augment import __all__ as _augment_all
from ._auto_augment import AugMix, AutoAugment, AutoAugmentPolicy, RandAugment, TrivialAugmentWide

__all__ = ["InterpolationMode", "functional", *_all, *_augment_all, "AutoAugmentPolicy",
           "AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix"]
