"""Registry samples of the memory ops (see ``samples/__init__.py``)."""

import numpy as np  # noqa: F401

from . import *  # noqa: F403

SAMPLES = [
    S("numel", N(3, 4)),
    S("clone", N(3, 4)),
    S("detach", N(3, 4)),
]

SAMPLES += [
    S("resize_as_", N(3, 4), N(2, 3), grad=False),
]
