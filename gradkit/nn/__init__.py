"""``gradkit.nn``: modules, layers, losses, initialisers (``torch.nn``)."""

from . import functional, init, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .parameter import *  # noqa: F401,F403
from .modules.syncbatchnorm import SyncBatchNorm  # noqa: F401

from . import parallel  # noqa: E402,F401  (needs Module, so after the modules)
