"""Registry samples of the linalg ops (see ``samples/__init__.py``)."""

import numpy as np  # noqa: F401

from . import *  # noqa: F403

SAMPLES = [
    S("det", N(3, 3)),
    S("det", N(2, 3, 3)),
    S("inverse", N(3, 3) + 3 * np.eye(3)),
    S("slogdet", N(3, 3)),
    S("matrix_power", N(3, 3) * 0.5, 3),
    S("matrix_power", N(3, 3) + 3 * np.eye(3), -2),
    S("matrix_exp", N(3, 3) * 0.5),
    S("logdet", N(3, 3), pre=spd),
    S("cholesky", N(3, 3), pre=spd),
    S("cholesky", N(3, 3), upper=True, pre=spd),
    S("cross", N(4, 3), N(4, 3), dim=1),
    S("pinverse", N(3, 4)),
    S("svd", N(4, 3), post=svd_gauge),
    S("svd", N(3, 5), post=svd_gauge),
    S("qr", N(4, 3)),
    S("cholesky_solve", N(3, 2), N(3, 3), pre=solve_lower),
    S("cholesky_inverse", N(3, 3), pre=lower),
]
