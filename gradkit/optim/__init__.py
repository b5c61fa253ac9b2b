"""``gradkit.optim``: optimizers (one file per family) and ``lr_scheduler``.

``EarlyStopping`` lives in ``gradkit.train``; ``gradkit.optim.EarlyStopping`` still finds it.
"""

from . import lr_scheduler  # noqa: F401
from . import swa_utils  # noqa: F401
from .adafactor import *  # noqa: F401,F403
from .adadelta import *  # noqa: F401,F403
from .adagrad import *  # noqa: F401,F403
from .adam import *  # noqa: F401,F403
from .adamax import *  # noqa: F401,F403
from .asgd import *  # noqa: F401,F403
from .lbfgs import *  # noqa: F401,F403
from .muon import *  # noqa: F401,F403
from .nadam import *  # noqa: F401,F403
from .optimizer import *  # noqa: F401,F403
from .radam import *  # noqa: F401,F403
from .rmsprop import *  # noqa: F401,F403
from .rprop import *  # noqa: F401,F403
from .sgd import *  # noqa: F401,F403
from .sparse_adam import *  # noqa: F401,F403


def __getattr__(name: str):
    # EarlyStopping is a training helper (gradkit.train, a floor above optim): found on first use so
    # that optim never imports train at module level.
    if name == "EarlyStopping":
        from ..train.early_stopping import EarlyStopping

        return EarlyStopping
    if name == "early_stopping":
        from ..train import early_stopping

        return early_stopping
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
