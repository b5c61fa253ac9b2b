"""``gradkit.nn.functional``: the functional form of every layer and loss (as torch's)."""

from .activation import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .embedding import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .recurrent import *  # noqa: F401,F403
from .resample import *  # noqa: F401,F403

from . import _toplevel  # noqa: E402,F401  (declares torch's top-level nn functions)
