"""Registry samples of the indexing ops (see ``samples/__init__.py``)."""

import numpy as np  # noqa: F401

from . import *  # noqa: F403

SAMPLES = [
    S("gather", N(3, 4), 1, Idx(4, 3, 5)),
    S("scatter_add", N(3, 4), 1, Idx(4, 3, 5), N(3, 5)),
    S("index_select", N(3, 4), 0, Idx(3, 5)),
    S("masked_fill", N(3, 4), B(3, 4), 0.5),
    S("masked_fill", N(3, 4), B(4), -2.0),
    S("nonzero", N(3, 4) * B(3, 4)),
    S("argwhere", N(3, 4) * B(3, 4)),
    S("scatter", N(3, 5), 1, rows_of_distinct_indices(3, 3, 5), N(3, 3)),
    S("scatter", N(3, 5), 1, rows_of_distinct_indices(3, 2, 5), value=1.5),
    S("scatter_reduce", N(3, 4), 0, Idx(3, 5, 4), N(5, 4), "sum"),
    S("scatter_reduce", N(3, 4), 0, Idx(3, 5, 4), distinct(5, 4), "amax", include_self=False),
    S("scatter_reduce", N(3, 4), 0, Idx(3, 5, 4), N(5, 4), "mean"),
    S("scatter_reduce", P(3, 4), 0, Idx(3, 5, 4), P(5, 4), "prod"),
    S("take_along_dim", N(3, 4), Idx(4, 3, 2), dim=1),
    S("take_along_dim", N(3, 4), Idx(12, 5)),
    S("index_add", N(4, 3), 0, Idx(4, 6), N(6, 3), alpha=2),
]

# nonzero_static: truncated or padded to a fixed row count
SAMPLES += [
    S("nonzero_static", small_ints_as_float(3, 4), size=4),
    S("nonzero_static", small_ints_as_float(3, 4), size=20, fill_value=7),
    S("nonzero_static", B(5), size=8),
    S("nonzero_static", np.array(2.5), size=2),
]
