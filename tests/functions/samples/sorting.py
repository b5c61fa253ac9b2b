"""Registry samples of the sorting ops (see ``samples/__init__.py``)."""

import numpy as np  # noqa: F401

from . import *  # noqa: F403

SAMPLES = [
    S("sort", distinct(3, 5), 1),
    S("sort", distinct(3, 5), 0, descending=True),
    S("argsort", distinct(3, 5), 1),
    S("argsort", distinct(3, 5), 0, descending=True),
    S("topk", distinct(3, 5), 2),
    S("topk", distinct(3, 5), 2, 0, largest=False),
    S("median", distinct(3, 5)),
    S("median", distinct(3, 5), 1),
    S("median", distinct(4, 3), 0, keepdim=True),
    S("kthvalue", distinct(3, 5), 2, 1),
    S("kthvalue", distinct(4, 3), 3, 0, keepdim=True),
    S("quantile", distinct(3, 5), 0.3, dim=1),
    S("quantile", distinct(3, 5), 0.75),
    S("quantile", distinct(3, 5), 0.4, dim=0, keepdim=True, interpolation="nearest"),
    S("unique", small_ints_as_float(3, 5)),
    S("unique", small_ints_as_float(3, 5), return_inverse=True, return_counts=True),
    S("unique", small_ints_as_float(6, 2), dim=0, return_counts=True),
    S("bincount", Idx(6, 10)),
    S("bincount", Idx(6, 10), N(10), minlength=8),
    S("searchsorted", np.sort(N(6)), N(3, 4)),
    S("searchsorted", np.sort(N(3, 6), axis=1), N(3, 4), right=True),
    S("bucketize", N(3, 4), np.sort(N(6))),
    S("bucketize", N(3, 4), np.sort(N(6)), right=True, out_int32=True),
]
