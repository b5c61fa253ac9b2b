"""gradkit/_fma.py: ``a * b + c`` rounded once, checked against exact rational arithmetic, for
both dtypes, numbers and broadcast operands (an addend of a larger shape than the product)."""

from fractions import Fraction

import numpy as np
import pytest

from gradkit._fma import fma, fma32, fma64


def _exact(a, b, c, dt):
    vals = [float(Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z)))
            for x, y, z in zip(a.ravel(), b.ravel(), c.ravel())]
    # float64 of the exact value, then to float32: equal to one rounding but at float32
    # midpoints, which these random draws do not hit
    return np.array(vals, np.float64).astype(dt).reshape(a.shape)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_rounded_once(dt):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(4000).astype(dt) for _ in range(2))
    c = (-(a.astype(np.float64) * b) * (1 + rng.standard_normal(4000) * 1e-3)).astype(dt)
    got = fma32(a, b, c) if dt == np.float32 else fma64(a, b, c)
    assert got.dtype == dt
    np.testing.assert_array_equal(got, _exact(a, b, c, dt))
    # the two-rounding product-then-sum differs in many of these cancelling sums
    assert (((a * b) + c) != got).mean() > 0.1
    np.testing.assert_array_equal(fma(a, b, c, dt), got)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_addend_broadcasts_past_product(dt):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 3)).astype(dt), dt(0.7)
    c = rng.standard_normal((4, 2, 3)).astype(dt)
    got = fma(a, b, c, dt)
    assert got.shape == (4, 2, 3) and got.dtype == dt
    full = np.broadcast_to(a, c.shape)
    np.testing.assert_array_equal(got, _exact(full, np.full(c.shape, b), c, dt))
    np.testing.assert_array_equal(fma32(a.astype(np.float32), np.float32(b),
                                        c.astype(np.float32)).shape, (4, 2, 3))


def test_numbers_and_non_finite():
    assert fma(3, 0.1, 1, np.float32).dtype == np.float32
    assert fma64(np.array([np.inf, 1e308]), np.array([1.0, 10.0]), np.array([1.0, 0.0])) \
        .tolist() == [np.inf, np.inf]
    assert np.isnan(fma64(np.array([np.inf]), np.array([0.0]), np.array([1.0]))[0])
