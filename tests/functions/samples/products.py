"""Registry samples of the products ops (see ``samples/__init__.py``)."""

import numpy as np  # noqa: F401

from . import *  # noqa: F403

SAMPLES = [
    S("matmul", N(2, 1, 3, 4), N(3, 4, 2)),
    S("matmul", N(4), N(2, 4, 3)),
    S("mm", N(3, 4), N(4, 2)),
    S("bmm", N(2, 3, 4), N(2, 4, 2)),
    S("outer", N(3), N(4)),
    S("dot", N(4), N(4)),
    S("einsum", "bij,bjk->bik", N(2, 3, 4), N(2, 4, 2)),
    S("einsum", "ii->i", N(3, 3)),
    S("tensordot", N(2, 3, 4), N(3, 4, 5)),
    S("tensordot", N(2, 3, 4), N(4, 3, 5), ([1, 2], [1, 0])),
    S("cdist", N(3, 4), N(5, 4)),
    S("cdist", N(2, 3, 4), N(2, 5, 4), p=1.0),
    S("kron", N(2, 3), N(3, 2)),
]
