"""Registry samples of the strided views (see ``samples/__init__.py``)."""

import numpy as np  # noqa: F401

from . import *  # noqa: F403

# torch 2.13's as_strided_scatter backward gives the input the gradient of the written slice
# and zeroes the rest (the complement of the right one: torch.autograd.gradcheck fails on it);
# gradkit's matches finite differences
_SCATTER_TORCH = "torch 2.13's as_strided_scatter gradient for input is its complement"

SAMPLES = [
    S("as_strided", N(3, 4), (3, 3), (1, 1)),
    S("as_strided", N(3, 4), (2, 2), (1, 4), 1),
    S("as_strided", N(12), (2, 3), (3, 1), 2),
    S("as_strided", N(2, 3), (0, 4), (1, 1), 5),
    S("as_strided", N(2, 3), [], [], 5),
    S("as_strided_scatter", N(3, 4), N(2, 2), (2, 2), (1, 4), 1,
      xfail={"grad_torch": _SCATTER_TORCH}),
    S("as_strided_scatter", N(12), N(3, 2), (3, 2), (2, 1), 3,
      xfail={"grad_torch": _SCATTER_TORCH}),
]
