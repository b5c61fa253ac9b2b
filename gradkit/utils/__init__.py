"""``gradkit.utils``."""

from . import data  # noqa: F401
from . import viz  # noqa: F401
from . import dlpack, hooks  # noqa: F401,E402
from ._swap import swap_tensors  # noqa: F401,E402
