"""Registry samples of the scattering ops (see ``samples/__init__.py``)."""

import numpy as np  # noqa: F401

from . import *  # noqa: F403

SAMPLES = [
    S("index_copy", N(5, 3), 0, np.array([4, 0, 2]), N(3, 3)),
    S("index_copy", N(2, 4), 1, np.array([3, 1]), N(2, 2)),
    S("index_fill", N(4, 3), 1, np.array([2, 0]), -1.5),
    S("index_fill", N(4, 3), 0, np.array([3]), 2.0),
    S("index_reduce", P(5, 3), 0, np.array([0, 4, 0, 2]), P(4, 3), "prod"),
    S("index_reduce", N(5, 3), 0, np.array([1, 3, 1]), N(3, 3), "mean", include_self=False),
    S("index_reduce", distinct(3, 4), 1, np.array([0, 2]), distinct(3, 2), "amax"),
    S("index_reduce", distinct(3, 4), 1, np.array([3, 1]), distinct(3, 2), "amin"),
    S("take", N(3, 4), np.array([[0, 11], [-1, 5]])),
    S("put", N(3, 4), np.array([1, 7, -2]), N(3)),
    S("put", N(3, 4), np.array([[1, 7], [1, 0]]), N(2, 2), True),
    S("index_put", N(4, 3), [np.array([0, 2]), np.array([1, 2])], N(2)),
    S("index_put", N(4, 3), [np.array([0, 0, 3])], N(3), True),
    S("masked_select", N(3, 4), B(3, 4)),
    S("masked_select", N(3, 1), B(4)),
    S("masked_scatter", N(3, 4), B(3, 4), N(12)),
    S("masked_scatter", N(3, 4), B(4), N(4, 4)),
    S("select_scatter", N(3, 4), N(4), 0, 1),
    S("select_scatter", N(2, 3, 4), N(2, 3), -1, -2),
    S("slice_scatter", N(5, 4), N(2, 4), 0, 1, 5, 2),
    S("slice_scatter", N(3, 6), N(3, 3), 1, None, 3),
    S("diagonal_scatter", N(3, 4), N(3)),
    S("diagonal_scatter", N(3, 4), N(2), 2),
    S("diagonal_scatter", N(2, 3, 4), N(3, 2), 1, 0, 2),
]
