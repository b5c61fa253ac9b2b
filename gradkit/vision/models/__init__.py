"""``gradkit.vision.models``: torchvision's classification models with its state_dict keys.

ResNet, VGG, AlexNet, MobileNetV2/V3, SqueezeNet, DenseNet, EfficientNet, ShuffleNetV2,
GoogLeNet, Inception v3, VisionTransformer, ConvNeXt and RegNet, each with torchvision's module
structure (state_dict keys, shapes and order), constructor arguments and weight initialisation.

Built with ``weights=None`` only: gradkit downloads nothing. Load a checkpoint you have with
``model.load_state_dict(gradkit.load(path))``.
"""

from ._api import Weights, WeightsEnum
from .alexnet import *
from .alexnet import __all__ as _alexnet_all
from .convnext import *
from .convnext import __all__ as _convnext_all
from .densenet import *
from .densenet import __all__ as _densenet_all
from .efficientnet import *
from .efficientnet import __all__ as _efficientnet_all
from .googlenet import *
from .googlenet import __all__ as _googlenet_all
from .inception import *
from .inception import __all__ as _inception_all
from .mobilenetv2 import *
from .mobilenetv2 import __all__ as _mobilenetv2_all
from .mobilenetv3 import *
from .mobilenetv3 import __all__ as _mobilenetv3_all
from .regnet import *
from .regnet import __all__ as _regnet_all
from .resnet import *
from .resnet import __all__ as _resnet_all
from .shufflenetv2 import *
from .shufflenetv2 import __all__ as _shufflenetv2_all
from .squeezenet import *
from .squeezenet import __all__ as _squeezenet_all
from .vgg import *
from .vgg import __all__ as _vgg_all
from .vision_transformer import *
from .vision_transformer import __all__ as _vision_transformer_all

__all__ = ["Weights", "WeightsEnum",
           *_alexnet_all, *_convnext_all, *_densenet_all, *_efficientnet_all,
           *_googlenet_all, *_inception_all, *_mobilenetv2_all, *_mobilenetv3_all, *_regnet_all,
           *_resnet_all,
           *_shufflenetv2_all, *_squeezenet_all, *_vgg_all, *_vision_transformer_all]
