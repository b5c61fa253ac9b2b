"""Registry samples of the Bessel and Airy functions, the orthogonal polynomials and zeta
(``gradkit/functions/special_bessel.py``; see ``samples/__init__.py``)."""

import numpy as np  # noqa: F401

from . import *  # noqa: F403

SAMPLES = [
    S("airy_ai", N(3, 4) * 4),
    S("bessel_j0", N(3, 4) * 6),
    S("bessel_j1", N(3, 4) * 6),
    S("bessel_y0", U(0.1, 12.0, 3, 4)),
    S("bessel_y1", U(0.1, 12.0, 3, 4)),
    S("modified_bessel_i0", N(3, 4) * 5),
    S("modified_bessel_i1", N(3, 4) * 5),
    S("modified_bessel_k0", U(0.1, 6.0, 3, 4)),
    S("modified_bessel_k1", U(0.1, 6.0, 3, 4)),
    S("scaled_modified_bessel_k0", U(0.1, 6.0, 3, 4)),
    S("scaled_modified_bessel_k1", U(0.1, 6.0, 3, 4)),
    S("spherical_bessel_j0", N(3, 4) * 4),
]

# the polynomials: n a number or an int64 tensor (broadcast against x)
for _name, _lo, _hi in (("chebyshev_polynomial_t", -1, 1), ("chebyshev_polynomial_u", -1, 1),
                        ("chebyshev_polynomial_v", -1, 1), ("chebyshev_polynomial_w", -1, 1),
                        ("shifted_chebyshev_polynomial_t", 0, 1),
                        ("shifted_chebyshev_polynomial_u", 0, 1),
                        ("shifted_chebyshev_polynomial_v", 0, 1),
                        ("shifted_chebyshev_polynomial_w", 0, 1),
                        ("hermite_polynomial_h", -2, 2), ("hermite_polynomial_he", -2, 2),
                        ("laguerre_polynomial_l", 0, 4), ("legendre_polynomial_p", -1, 1)):
    SAMPLES += [S(_name, U(_lo, _hi, 3, 4), 5),
                S(_name, U(_lo, _hi, 3, 4), Idx(12, 4))]

# the Hurwitz zeta function (differentiable in q only)
SAMPLES += [
    S("zeta", U(1.5, 5.0, 3, 4), U(0.5, 4.0, 3, 4), nograd=(0,)),
    S("zeta", U(1.5, 5.0, 3, 1), U(0.5, 4.0, 4), nograd=(0,)),
]
