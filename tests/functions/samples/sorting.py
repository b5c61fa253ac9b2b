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

_NANS = np.where(B(4, 5) & B(4, 5), np.nan, distinct(4, 5))
_NANS[2] = np.nan

SAMPLES += [
    S("msort", distinct(4, 3)),
    # NaN in the input: values and indices here (finite differences of a NaN are NaN); the
    # gradients through NaN-holding inputs are compared with PyTorch in test_sorting.py
    S("nanmedian", np.where(B(3, 5), np.nan, distinct(3, 5)), grad=False),
    S("nanmedian", _NANS, 1, grad=False),
    S("nanmedian", _NANS, 0, keepdim=True, grad=False),
    S("nanmedian", distinct(3, 5), 1),
    S("nanmedian", distinct(3, 4)),
    S("nanquantile", _NANS, 0.3, dim=1, grad=False),
    S("nanquantile", np.where(B(3, 5), np.nan, distinct(3, 5)), 0.75, grad=False),
    S("nanquantile", _NANS, 0.4, dim=0, keepdim=True, interpolation="midpoint", grad=False),
    S("nanquantile", distinct(3, 5), 0.3, dim=1),
    # ties decide the mode, so its gradient is checked where every value is distinct (the mode
    # is then the smallest value)
    S("mode", small_ints_as_float(4, 7), grad=False),
    S("mode", small_ints_as_float(4, 7), 0, keepdim=True, grad=False),
    S("mode", distinct(4, 7), 1),
    S("histc", N(20)),
    S("histc", N(4, 5), 7, -1.0, 1.0),
    S("histogram", N(20), 5),
    S("histogram", N(4, 5), 4, range=(-1.0, 2.0), density=True),
    S("histogram", N(20), np.sort(N(6)), weight=P(20)),
    S("unique_consecutive", np.array([1, 1, 2, 2, 2, 3, 1, 1], dtype=np.int64)),
    S("unique_consecutive", small_ints_as_float(9), return_inverse=True, return_counts=True),
    S("unique_consecutive", np.array([[1, 1, 2], [1, 1, 2], [3, 0, 0]]), return_counts=True,
      return_inverse=True, dim=0),
]

# histogramdd: equal-width bins per dim, explicit edges, ranges, weights, densities
SAMPLES += [
    S("histogramdd", N(20, 2), [3, 4]),
    S("histogramdd", N(4, 5, 3), 3, weight=P(4, 5), density=True),
    S("histogramdd", N(20, 2), 2, range=[-1.0, 1.0, 0.0, 2.0]),
    S("histogramdd", N(20, 2), [np.array([-1.0, 0.0, 2.0]), np.array([-2.0, 0.5, 2.0])],
      density=True),
]
