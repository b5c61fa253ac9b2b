"""``gradkit.utils``."""

from . import data  # noqa: F401
from . import viz  # noqa: F401
