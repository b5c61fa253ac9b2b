"""``gradkit.vision.ops``: the building blocks torchvision's classification models share.

``torchvision.ops.misc`` (Conv2dNormActivation, SqueezeExcitation, MLP, Permute) and
``StochasticDepth`` / ``stochastic_depth``, with torchvision's arguments and module names.
"""

from .misc import MLP, Conv2dNormActivation, ConvNormActivation, Permute, SqueezeExcitation
from .stochastic_depth import StochasticDepth, stochastic_depth

__all__ = ["Conv2dNormActivation", "ConvNormActivation", "MLP", "Permute", "SqueezeExcitation",
           "StochasticDepth", "stochastic_depth"]
