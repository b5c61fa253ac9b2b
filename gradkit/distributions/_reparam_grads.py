"""The reparameterisation gradients of gamma and Dirichlet samples as PyTorch's CPU kernels
compute them (``_standard_gamma_grad`` and ``_dirichlet_grad``): not the exact implicit
derivative -(d/d alpha CDF) / pdf but its approximations -- a Taylor series for small x, Rice's
saddle-point expansion for large alpha, rational fits elsewhere -- with PyTorch's thresholds, so
that ``loss.backward()`` through ``Gamma.rsample``/``Beta.rsample``/``Dirichlet.rsample`` gives
PyTorch's gradients, not ones a few units in the fourth digit apart.

Both run element-wise on NumPy arrays: every branch is evaluated on all elements (warnings off)
and the one PyTorch takes is selected. The gamma gradient is computed in double (PyTorch's
``accscalar_t`` on the CPU) and rounded to the input's dtype; the Dirichlet gradient's
small-x series run in the input's dtype, as PyTorch's ``scalar_t``.
"""

from __future__ import annotations

import numpy as np

from ..ops.special import _digamma_pos

__all__ = ["dirichlet_grad", "standard_gamma_grad"]

_F = np.float32  # PyTorch's float literals (0.8f, 0.9f, ...) promoted to double

_GAMMA_UV = np.array([
    [0.16009398, -0.094634809, 0.025146376, -0.0030648343,
     1, 0.32668115, 0.10406089, 0.0014179084],
    [0.53487893, 0.1298071, 0.065735949, -0.0015649758,
     0.16639465, 0.020070113, -0.0035938915, -0.00058392623],
    [0.040121004, -0.0065914022, -0.0026286047, -0.0013441777,
     0.017050642, -0.0021309326, 0.00085092367, -1.5247877e-07],
])


def _digamma_one(x):
    """ATen's ``digamma_one`` in double for x > 0 (the gamma gradients' alpha is positive);
    +inf at 0."""
    out = _digamma_pos(np.where(x > 0, x, 1.0))
    return np.where(x == 0, np.inf, out)


def standard_gamma_grad(alpha, x):
    """d x / d alpha for x ~ Gamma(alpha, 1): ATen's ``standard_gamma_grad_one<scalar_t,
    double>``, in the dtype of ``alpha``."""
    dtype = np.result_type(alpha, x)
    a = np.asarray(alpha, np.float64)
    x = np.asarray(x, np.float64)
    a, x = np.broadcast_arrays(a, x)
    with np.errstate(all="ignore"):
        # a Taylor series for small x
        numer = np.ones_like(x)
        denom = a.copy()
        s1 = numer / denom
        s2 = numer / (denom * denom)
        for i in range(1, 6):
            numer = numer * (-x / float(i))
            denom = denom + 1
            s1 = s1 + numer / denom
            s2 = s2 + numer / (denom * denom)
        pow_xa = np.power(x, a)
        pdf = np.power(x, a - 1) * np.exp(-x)
        cdf = pow_xa * s1
        cdf_a = (np.log(x) - _digamma_one(a)) * cdf - pow_xa * s2
        small = -cdf_a / pdf
        small = np.where(np.isnan(small), 0.0, small)
        # Rice's saddle-point expansion for large alpha (near the mean: its limit)
        n1 = 1 + 24 * a * (1 + 12 * a)
        n2 = (1440 * (a * a) + 6 * x * (53 - 120 * x) - 65 * x * x / a
              + a * (107 + 3600 * x))
        near = n1 * n2 / (1244160 * (a * a) * (a * a))
        den = np.sqrt(8 * a)
        t2 = den / (a - x)
        t3 = np.power(x - a - a * np.log(x / a), -1.5)
        t23 = np.where(x < a, t2 - t3, t2 + t3)
        t1 = np.log(x / a) * t23 - np.sqrt(2 / a) * (a + x) / ((a - x) * (a - x))
        stirling = 1 + 1 / (12 * a) * (1 + 1 / (24 * a))
        far = -stirling * (x * t1) / den
        in_band = (np.float64(_F(0.9)) * a <= x) & (x <= np.float64(_F(1.1)) * a)
        large = np.where(in_band, near, far)
        # a bivariate rational approximation elsewhere
        u = np.log(x / a)
        v = np.log(a)
        cv = [_GAMMA_UV[0, i] + u * (_GAMMA_UV[1, i] + u * _GAMMA_UV[2, i]) for i in range(8)]
        p = cv[0] + v * (cv[1] + v * (cv[2] + v * cv[3]))
        q = cv[4] + v * (cv[5] + v * (cv[6] + v * cv[7]))
        rational = np.exp(p / q)
        out = np.where(x < np.float64(_F(0.8)), small,
                       np.where(a > 8.0, large, rational))
    return out.astype(dtype if dtype.kind == "f" else np.float64, copy=False)


# ------------------------------------------------------------------ Dirichlet (Beta) gradient
_DIR_C = np.array([
    [[[1.003668233, -0.01061107488, -0.0657888334, 0.01201642863],
      [0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033],
      [-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013]],
     [[0.221950385, -0.3187676331, 0.01799915743, 0.01074823814],
      [-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057],
      [0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05]],
     [[-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565],
      [0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181],
      [0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05]]],
    [[[1, -0.02924021934, -0.04438342661, 0.007285809825],
      [0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521],
      [-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149]],
     [[0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273],
      [0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956],
      [-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05]],
     [[0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05],
      [0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05],
      [-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06]]],
])


def _digamma_one_s(x, dt):
    """``digamma_one<scalar_t, double>`` for x > 0, returned as scalar_t: with a float
    scalar_t, ``1 / x``, ``x + 1``, ``x * x``, ``log(x)`` and ``0.5f / x`` are float operations
    and the sums double ones, as that template computes them."""
    if dt == np.float64:
        return _digamma_one(x.astype(np.float64))
    from ..ops.special import _PSI_10, _PSI_A

    one = dt.type(1)
    x = np.asarray(x, dt).copy()
    zero = x == 0
    x = np.where(x > 0, x, one)
    res = np.zeros(x.shape, np.float64)
    low = x < 10
    while low.any():
        res = np.where(low, res - (one / x).astype(np.float64), res)
        x = np.where(low, x + one, x)
        low = x < 10
    z = 1.0 / (x * x).astype(np.float64)
    poly = np.full_like(z, _PSI_A[0])
    for c in _PSI_A[1:]:
        poly = poly * z + c
    y = np.where(x < np.float32(1.0e17), z * poly, 0.0)
    out = (res + np.log(x.astype(np.float64)).astype(dt).astype(np.float64)
           - (dt.type(0.5) / x).astype(np.float64) - y)
    out = np.where(x == 10, res + _PSI_10, out)
    return np.where(zero, np.inf, out).astype(dt)


def _beta_grad_alpha_small(x, alpha, beta, dt):
    factor = (_digamma_one_s(alpha, dt) - _digamma_one_s(alpha + beta, dt) - np.log(x))
    numer = np.ones_like(x)
    series = numer / alpha * (factor + 1 / alpha)
    for i in range(1, 11):
        ci = dt.type(i)
        numer = numer * ((ci - beta) * x / ci)
        den = alpha + ci
        series = series + numer / den * (factor + 1 / den)
    result = x * np.power(1 - x, -beta) * series
    return np.where(np.isnan(result), dt.type(0), result)


def _beta_grad_beta_small(x, alpha, beta, dt):
    factor = _digamma_one_s(alpha + beta, dt) - _digamma_one_s(beta, dt)
    numer = np.ones_like(x)
    betas = np.ones_like(x)
    dbetas = np.zeros_like(x)
    series = factor / alpha
    for i in range(1, 9):
        ci = dt.type(i)
        numer = numer * (-x / ci)
        dbetas = dbetas * (beta - ci) + betas
        betas = betas * (beta - ci)
        series = series + numer / (alpha + ci) * (dbetas + factor * betas)
    result = -np.power(1 - x, 1 - beta) * series
    return np.where(np.isnan(result), dt.type(0), result)


def _beta_grad_alpha_mid(x, alpha, beta):
    """In double (``accscalar_t``)."""
    total = alpha + beta
    mean = alpha / total
    std = np.sqrt(alpha * beta / (total + 1)) / total
    bb = beta * beta
    poly = 47 * x * bb * bb + alpha * (
        (43 + 20 * (16 + 27 * beta) * x) * bb * beta + alpha * (
            3 * (59 + 180 * beta - 90 * x) * bb + alpha * (
                (453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (
                    8 * (1 - x) * (135 * beta - 11)))))
    pre_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
    pre_den = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total)
    near = pre_num / (1 - x) * poly / pre_den
    prefactor = -x / np.sqrt(2 * alpha * beta / total)
    stirling = ((1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha))
                * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
                / (1 + 1 / (12 * total) + 1 / (288 * total * total)))
    t1_num = 2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * bb
    axbx = alpha * (x - 1) + beta * x
    t1_den = np.sqrt(2 * alpha / beta) * np.power(total, 1.5) * axbx * axbx
    t1 = t1_num / t1_den
    t2 = 0.5 * np.log(alpha / (total * x))
    t3 = np.sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1))
    t4 = np.power(beta * np.log(beta / (total * (1 - x)))
                  + alpha * np.log(alpha / (total * x)), -1.5)
    far = stirling * prefactor * (t1 + t2 * (t3 + np.where(x < mean, t4, -t4)))
    return np.where((mean - 0.1 * std <= x) & (x <= mean + 0.1 * std), near, far)


def dirichlet_grad(x, alpha, total):
    """ATen's ``dirichlet_grad_one<scalar_t, double>``: the scaled reparameterised gradient
    -(d/d alpha CDF(x; alpha, total - alpha)) / pdf / (1 - x), in the dtype of ``x``."""
    dt = np.result_type(x, alpha, total)
    if dt.kind != "f":
        dt = np.dtype(np.float64)
    x, alpha, total = np.broadcast_arrays(np.asarray(x, dt), np.asarray(alpha, dt),
                                          np.asarray(total, dt))
    x64, a64, t64 = (v.astype(np.float64) for v in (x, alpha, total))
    with np.errstate(all="ignore"):
        beta = total - alpha
        b64 = t64 - a64
        boundary = total * x * (1 - x)
        near0 = _beta_grad_alpha_small(x, alpha, beta, dt)
        near1 = -_beta_grad_beta_small(1 - x, beta, alpha, dt)
        mid = _beta_grad_alpha_mid(x64, a64, b64).astype(dt)
        u = np.log(x64)
        a = np.log(a64) - u
        b = np.log(t64) - a
        pu = (np.ones_like(u), u, u * u)
        pa = (np.ones_like(a), a, a * a)
        p = np.zeros_like(u)
        q = np.zeros_like(u)
        for i in range(3):
            for j in range(3):
                ua = pu[i] * pa[j]
                c0, c1 = _DIR_C[0, i, j], _DIR_C[1, i, j]
                p = p + ua * (c0[0] + b * (c0[1] + b * (c0[2] + b * c0[3])))
                q = q + ua * (c1[0] + b * (c1[1] + b * (c1[2] + b * c1[3])))
        approx = x64 * (_digamma_one_s(total, dt).astype(np.float64)
                        - _digamma_one_s(alpha, dt).astype(np.float64)) / b64
        rational = (p / q * approx).astype(dt)
        half = dt.type(0.5)
        out = np.where((x <= half) & (boundary < dt.type(2.5)), near0,
                       np.where((x >= half) & (boundary < dt.type(0.75)), near1,
                                np.where((alpha > 6) & (beta > 6), mid, rational)))
    return out.astype(dt, copy=False)
