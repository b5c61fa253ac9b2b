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

# fill, zero_, detach_ and the predicates as functions
SAMPLES += [
    S("fill", N(3, 4), 2.5, second="the gradient is constant (0 for input, 1 for value)"),
    S("fill", N(2, 3), N(), second="the gradient is constant (0 for input, 1 for value)"),
    S("fill", Idx(5, 4), 3, grad=False),
    S("zero_", N(3, 4), grad=False),
    S("detach_", N(3, 4)),
    S("is_inference", N(3, 4)),
    S("is_same_size", N(3, 4), N(3, 4)),
    S("is_same_size", N(3, 4), N(4, 3)),
    S("is_signed", N(3)),
    S("is_signed", np.arange(3, dtype=np.uint8)),
]
