"""``gradkit.vision.transforms.v2``: torchvision's v2 transforms where the names coincide with v1
(plus ``ToImage``, ``ToDtype``, ``ToPureTensor``, ``Identity``). ``v2.functional`` is the v1
functional module: its kernels are the same definitions.
"""

from .. import functional
from ..functional import InterpolationMode
from ._transforms import *
from ._transforms import __all__ as _all

__all__ = ["InterpolationMode", "functional", *_all]
