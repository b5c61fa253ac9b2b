"""Registry samples of the comparison ops (see ``samples/__init__.py``)."""

import numpy as np  # noqa: F401

from . import *  # noqa: F403

SAMPLES = [
    S("eq", small_ints_as_float(3, 4), small_ints_as_float(3, 4)),
    S("eq", small_ints_as_float(3, 4), small_ints_as_float(4)),
    S("ne", small_ints_as_float(3, 4), small_ints_as_float(3, 4)),
    S("lt", small_ints_as_float(3, 4), small_ints_as_float(3, 4)),
    S("le", small_ints_as_float(3, 4), small_ints_as_float(1, 4)),
    S("gt", small_ints_as_float(3, 4), small_ints_as_float(3, 4)),
    S("ge", small_ints_as_float(3, 4), small_ints_as_float(3, 4)),
    S("equal", X34, X34.copy()),
    S("equal", X34, X34 + 1e-3),
    S("logical_and", B(3, 4), B(3, 4)),
    S("logical_and", small_ints_as_float(3, 4), small_ints_as_float(3, 4)),
    S("logical_or", B(3, 4), B(4)),
    S("logical_not", B(3, 4)),
    S("logical_not", small_ints_as_float(3, 4)),
    S("isnan", with_specials(3, 4)),
    S("isinf", with_specials(3, 4)),
    S("isfinite", with_specials(3, 4)),
    S("isclose", X34, X34 + np.where(B(3, 4), 1e-9, 1e-3)),
    S("isclose", with_specials(2, 3), with_specials(2, 3), equal_nan=True),
    S("allclose", X34, X34 + 1e-9),
    S("allclose", X34, X34 + 1e-3, atol=1e-2),
]

I34 = np.arange(-5, 7, dtype=np.int64).reshape(3, 4)

SAMPLES += [
    S("logical_xor", B(3, 4), B(4)),
    S("logical_xor", small_ints_as_float(3, 4), small_ints_as_float(3, 4)),
    S("isposinf", with_specials(3, 4)),
    S("isneginf", with_specials(3, 4)),
    S("isreal", N(3, 4)),
    S("isin", I34, np.array([0, 3, 5, 99], dtype=np.int64)),
    S("isin", I34, np.array([0, 3], dtype=np.int64), invert=True),
    S("bitwise_and", I34, I34[::-1].copy()),
    S("bitwise_and", B(3, 4), B(4)),
    S("bitwise_or", I34, np.array([1, 2, 4, 8], dtype=np.int64)),
    S("bitwise_xor", I34, 5),
    S("bitwise_not", I34),
    S("bitwise_not", B(3, 4)),
    S("bitwise_left_shift", I34, np.array([0, 1, 2, 3], dtype=np.int64)),
    S("bitwise_right_shift", I34, np.array([0, 1, 2, 3], dtype=np.int64)),
    S("gcd", I34, np.array([6, -4, 0, 9], dtype=np.int64)),
    S("lcm", I34, np.array([6, -4, 0, 9], dtype=np.int64)),
]
