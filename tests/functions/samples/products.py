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

SAMPLES += [
    S("mv", N(3, 4), N(4)),
    S("vdot", N(4), N(4)),
    S("inner", N(2, 3, 4), N(5, 4)),
    S("inner", N(4), N(4)),
    S("inner", N(3, 2), N(1).reshape(())),
    S("dist", N(3, 4), N(4)),
    S("dist", N(3, 4), N(3, 4), 3),
    S("dist", N(3, 4), N(3, 4), 1.5),
    S("addmm", N(3, 2), N(3, 4), N(4, 2)),
    S("addmm", N(2), N(3, 4), N(4, 2), beta=0.5, alpha=-2.0),
    S("addmm", N(3, 2), N(3, 4), N(4, 2), beta=0),
    S("addmv", N(3), N(3, 4), N(4), beta=2.0, alpha=0.5),
    S("addmv", N(1).reshape(()), N(3, 4), N(4)),
    S("addr", N(3, 4), N(3), N(4), alpha=1.5),
    S("addr", N(4), N(3), N(4), beta=0.0),
    S("addbmm", N(3, 2), N(5, 3, 4), N(5, 4, 2), beta=0.5, alpha=2.0),
    S("baddbmm", N(5, 3, 2), N(5, 3, 4), N(5, 4, 2), beta=-1.0),
    S("baddbmm", N(3, 1), N(5, 3, 4), N(5, 4, 2)),
    S("chain_matmul", N(2, 3), N(3, 4), N(4, 2)),
    S("chain_matmul", N(2, 3)),
]
