"""Registry samples of the special functions (see ``samples/__init__.py``)."""

import numpy as np  # noqa: F401

from . import *  # noqa: F403

SAMPLES = [
    S("erfc", N(3, 4) * 2),
    S("erfcx", N(3, 4) * 2),
    S("erfinv", U(-0.95, 0.95, 3, 4)),
    S("lgamma", U(0.2, 8.0, 3, 4)),
    S("lgamma", away(U(-3.9, -0.1, 3, 4), (-3.0, -2.0, -1.0), gap=0.15)),
    S("digamma", U(0.3, 8.0, 3, 4)),
    S("digamma", away(U(-2.9, -0.1, 3, 4), (-2.0, -1.0), gap=0.15)),
    S("polygamma", 1, U(0.3, 8.0, 3, 4)),
    S("polygamma", 2, U(0.5, 4.0, 3, 4)),
    S("polygamma", 0, U(0.5, 4.0, 3, 4)),
    S("mvlgamma", U(2.0, 6.0, 3, 4), 3),
    S("i0", N(3, 4) * 3),
    S("i0e", N(3, 4) * 3),
    S("i1", away(N(3, 4) * 3)),
    S("i1e", away(N(3, 4) * 3)),
    S("ndtr", N(3, 4) * 2),
    S("ndtri", U(0.02, 0.98, 3, 4)),
    S("log_ndtr", N(3, 4) * 3),
    S("logit", U(0.05, 0.95, 3, 4)),
    S("logit", away(U(0.0, 1.0, 3, 4), (0.1, 0.9), gap=0.05), eps=0.1),
    S("xlog1py", N(3, 4), P(3, 4)),
    S("entr", P(3, 4)),
]

# the regularised incomplete gamma functions (differentiable in x only)
SAMPLES += [
    S("igamma", U(0.5, 4.0, 3, 4), U(0.1, 6.0, 3, 4), nograd=(0,)),
    S("igamma", U(0.5, 4.0, 3, 1), U(0.1, 6.0, 4), nograd=(0,)),
    S("igammac", U(0.5, 4.0, 3, 4), U(0.1, 6.0, 3, 4), nograd=(0,)),
    S("igammac", U(0.5, 4.0, 4), U(4.0, 9.0, 2, 4), nograd=(0,)),
]
