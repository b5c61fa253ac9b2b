import math

from .._tensor import Size
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, lazy_property

__all__ = ["VonMises"]

# log I0 and log I1 by the polynomial approximations of Abramowitz & Stegun 9.8.1-9.8.4 (the
# ones PyTorch uses, so log_prob and variance agree with it to round-off)
_I0_COEF_SMALL = [1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2]
_I0_COEF_LARGE = [0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2,
                  -0.2057706e-1, 0.2635537e-1, -0.1647633e-1, 0.392377e-2]
_I1_COEF_SMALL = [0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2,
                  0.32411e-3]
_I1_COEF_LARGE = [0.39894228, -0.3988024e-1, -0.362018e-2, 0.163801e-2, -0.1031555e-1,
                  0.2282967e-1, -0.2895312e-1, 0.1787654e-1, -0.420059e-2]
_COEF_SMALL = [_I0_COEF_SMALL, _I1_COEF_SMALL]
_COEF_LARGE = [_I0_COEF_LARGE, _I1_COEF_LARGE]


def _eval_poly(y, coef):
    result = coef[-1]
    for c in reversed(coef[:-1]):
        result = c + y * result
    return result


def _log_modified_bessel_fn(x, order=0):
    """log(I_order(x)) for x > 0 and order 0 or 1."""
    from .. import where

    if order not in (0, 1):
        raise ValueError(f"order must be 0 or 1, got {order}")
    y = (x / 3.75) ** 2
    small = _eval_poly(y, _COEF_SMALL[order])
    if order == 1:
        small = x.abs() * small
    small = small.log()
    xl = x.clamp(min=3.75)  # the large-x branch only where it is selected (no inf gradients)
    large = xl - 0.5 * xl.log() + _eval_poly(3.75 / xl, _COEF_LARGE[order]).log()
    return where(x < 3.75, small, large)


def _rejection_sample_np(loc, concentration, proposal_r, shape):
    """Best & Fisher (1979) as PyTorch draws it: float64 uniforms from gradkit's generator."""
    import numpy as np

    from ._sampling import _uniform

    n = int(np.prod(shape)) if len(shape) else 1
    conc = np.broadcast_to(concentration, shape).reshape(-1)
    r = np.broadcast_to(proposal_r, shape).reshape(-1)
    x = np.zeros(n)
    done = np.zeros(n, dtype=bool)
    while not done.all():
        # as PyTorch: every round draws for every element and a later acceptance replaces an
        # earlier one, so the stream and the values are PyTorch's
        u1, u2, u3 = _uniform(3 * n).reshape(3, n)
        z = np.cos(math.pi * u1)
        f = (1 + r * z) / (r + z)
        c = conc * (r - f)
        with np.errstate(divide="ignore", invalid="ignore"):
            accept = ((c * (2 - c) - u2) > 0) | (np.log(c / u2) + 1 - c >= 0)
        x[accept] = np.sign(u3[accept] - 0.5) * np.arccos(np.clip(f[accept], -1, 1))
        done |= accept
    loc = np.broadcast_to(loc, shape).reshape(-1)
    return (np.mod(x + math.pi + loc, 2 * math.pi) - math.pi).reshape(shape)


class VonMises(Distribution):
    """A circular von Mises distribution with ``loc`` (an angle) and ``concentration``."""

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, Size(), validate_args)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.concentration * (value - self.loc).cos()
        return (log_prob - math.log(2 * math.pi)
                - _log_modified_bessel_fn(self.concentration, order=0))

    @lazy_property
    def _proposal_r(self):
        import numpy as np

        kappa = self.concentration.detach().numpy().astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            tau = 1 + np.sqrt(1 + 4 * kappa**2)
            rho = (tau - np.sqrt(2 * tau)) / (2 * kappa)
            r = (1 + rho**2) / (2 * rho)
            return np.where(kappa < 1e-5, 1 / kappa + kappa, r)

    def sample(self, sample_shape=()):
        import numpy as np

        from .. import tensor

        shape = tuple(self._extended_shape(sample_shape))
        out = _rejection_sample_np(self.loc.detach().numpy().astype(np.float64),
                                   self.concentration.detach().numpy().astype(np.float64),
                                   self._proposal_r, shape)
        return tensor(out.astype(np.dtype(self.loc.dtype)))

    def expand(self, batch_shape, _instance=None):
        validate_args = self.__dict__.get("_validate_args")
        loc = self.loc.expand(tuple(batch_shape))
        concentration = self.concentration.expand(tuple(batch_shape))
        return type(self)(loc, concentration, validate_args=validate_args)

    @property
    def mean(self):
        """The circular mean."""
        return self.loc

    @property
    def mode(self):
        return self.loc

    @lazy_property
    def variance(self):
        """The circular variance."""
        return 1 - (_log_modified_bessel_fn(self.concentration, order=1)
                    - _log_modified_bessel_fn(self.concentration, order=0)).exp()
