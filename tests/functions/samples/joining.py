"""Registry samples of the joining and splitting ops (see ``samples/__init__.py``)."""

import numpy as np  # noqa: F401

from . import *  # noqa: F403

SAMPLES = [
    S("atleast_1d", N(1).reshape(())),
    S("atleast_1d", N(3), N(2, 2)),
    S("atleast_2d", N(3)),
    S("atleast_2d", [N(1).reshape(()), N(2, 3, 4)]),
    S("atleast_3d", N(3)),
    S("atleast_3d", N(2, 3), N(1).reshape(())),
    S("hstack", [N(3), N(2)]),
    S("hstack", [N(2, 3), N(2, 1)]),
    S("vstack", [N(3), N(2, 3)]),
    S("dstack", [N(2, 3), N(2, 3, 2)]),
    S("column_stack", [N(3), N(3, 2), N(3)]),
    S("tensor_split", N(7, 2), 3),
    S("tensor_split", N(2, 7), [1, 5, -1], 1),
    S("tensor_split", N(2, 7), [6, 3], dim=-1),
    S("hsplit", N(2, 6), 3),
    S("hsplit", N(6), [2, 3]),
    S("vsplit", N(4, 2), 2),
    S("dsplit", N(2, 2, 6), [1, 4]),
    S("block_diag", N(2, 3), N(3), N(1).reshape(()), N(2, 2)),
    S("cartesian_prod", N(2), N(3), N(2)),
    S("combinations", N(4)),
    S("combinations", N(4), 3, with_replacement=True),
    S("broadcast_tensors", N(3, 1), N(4), N(2, 1, 1)),
]
