"""erf through SciPy's compiled function (the optional accelerator of gradkit/ops/special.py)
agrees with gradkit's own NumPy code (Cody's rational functions) on every float range: within
3 ulp in float64, and identical once rounded to float32."""

import numpy as np
import pytest

from gradkit.ops import special as S

pytest.importorskip("scipy.special")


def _numpy_path(monkeypatch, name, x):
    monkeypatch.setitem(S._SCIPY, name, None)
    fn = {"erf": lambda v: S.erf_array(np, v), "erfc": S.erfc_array, "erfcx": S.erfcx_array}[name]
    return fn(x)


@pytest.mark.parametrize("name", ["erf"])
def test_scipy_path_equals_numpy_path(name, monkeypatch):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(20000), rng.uniform(-30, 30, 20000),
                        rng.uniform(-0.5, 0.5, 5000),
                        [0.0, -0.0, 0.46875, -0.46875, 4.0, -4.0, 26.5, -26.5, np.inf, -np.inf,
                         np.nan, 1e-300, -1e-300]])
    assert S._scipy_special(name) is not None  # the accelerator is in use here
    fast = {"erf": lambda v: S.erf_array(np, v), "erfc": S.erfc_array,
            "erfcx": S.erfcx_array}[name](x)
    slow = _numpy_path(monkeypatch, name, x)
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(slow))
    ok = ~np.isnan(slow)
    np.testing.assert_allclose(fast[ok], slow[ok], rtol=7e-16, atol=0)
    x32 = x.astype(np.float32)
    monkeypatch.undo()
    fast32 = {"erf": lambda v: S.erf_array(np, v), "erfc": S.erfc_array,
              "erfcx": S.erfcx_array}[name](x32)
    slow32 = _numpy_path(monkeypatch, name, x32)
    assert fast32.dtype == slow32.dtype == np.float32
    np.testing.assert_array_equal(fast32, slow32)
