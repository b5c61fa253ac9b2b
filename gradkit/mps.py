"""``gradkit.mps``: PyTorch's ``torch.mps`` on a machine without such a device."""

from ._absent_device import *  # noqa: F401,F403
from ._absent_device import __all__  # noqa: F401
