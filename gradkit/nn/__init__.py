"""``gradkit.nn``: modules, layers, losses, initialisers (``torch.nn``)."""

from . import functional, init, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .parameter import *  # noqa: F401,F403
from .modules.syncbatchnorm import SyncBatchNorm  # noqa: F401

from . import parallel  # noqa: E402,F401  (needs Module, so after the modules)
from .parallel import DataParallel  # noqa: E402,F401
from . import common_types  # noqa: E402,F401  (annotations)
from . import grad  # noqa: E402,F401  (torch.nn.grad: convolution input/weight gradients)
# torch.nn.attention (SDPBackend, sdpa_kernel); imported by path, since `from .modules import *`
# already bound the name `attention` to the attention layers' module
attention = __import__("importlib").import_module(__name__ + ".attention")
