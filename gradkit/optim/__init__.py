"""``gradkit.optim``: optimizers (one file per family) and ``lr_scheduler``."""

from . import lr_scheduler  # noqa: F401
from .adadelta import *  # noqa: F401,F403
from .adagrad import *  # noqa: F401,F403
from .adam import *  # noqa: F401,F403
from .adamax import *  # noqa: F401,F403
from .early_stopping import *  # noqa: F401,F403
from .lbfgs import *  # noqa: F401,F403
from .nadam import *  # noqa: F401,F403
from .optimizer import *  # noqa: F401,F403
from .radam import *  # noqa: F401,F403
from .rmsprop import *  # noqa: F401,F403
from .sgd import *  # noqa: F401,F403
