import math
from numbers import Number, Real

from .._tensor import Size
from . import constraints
from ._base import _expand_params, _finish
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["GeneralizedPareto"]


def _where(cond, a, b):
    from .. import where

    return where(cond, a, b)


class GeneralizedPareto(Distribution):
    """Generalized Pareto distribution with ``loc``, ``scale`` and ``concentration``."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive,
                       "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        if isinstance(loc, Number) and isinstance(scale, Number) and isinstance(
                concentration, Number):
            batch_shape = Size()
        else:
            batch_shape = self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new, batch_shape = _expand_params(self, GeneralizedPareto, batch_shape, _instance,
                                          ("loc", "scale", "concentration"))
        return _finish(new, self, GeneralizedPareto, batch_shape)

    def _eq_zero(self):
        # torch.isclose(concentration, 0) with its default tolerances
        return self.concentration.abs() <= 1e-8

    def _safe_conc(self):
        return _where(self._eq_zero(), 1.0, self.concentration)

    def rsample(self, sample_shape=()):
        from .. import rand

        shape = tuple(self._extended_shape(sample_shape))
        return self.icdf(rand(shape, dtype=self.loc.dtype))

    def _z(self, x):
        return (x - self.loc) / self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        safe_conc = self._safe_conc()
        y = 1 / safe_conc + z * 0 + 1
        where_nonzero = _where(y == 0, y, y * (safe_conc * z).log1p())
        log_scale = math.log(self.scale) if isinstance(self.scale, Real) else self.scale.log()
        return -log_scale - _where(self._eq_zero(), z, where_nonzero)

    def log_survival_function(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        safe_conc = self._safe_conc()
        where_nonzero = -(safe_conc * z).log1p() / safe_conc
        return _where(self._eq_zero(), -z, where_nonzero)

    def log_cdf(self, value):
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value):
        return self.log_cdf(value).exp()

    def icdf(self, value):
        safe_conc = self._safe_conc()
        logu = (-value).log1p()
        where_nonzero = self.loc + self.scale / safe_conc * (-safe_conc * logu).expm1()
        where_zero = self.loc - self.scale * logu
        return _where(self._eq_zero(), where_zero, where_nonzero)

    @property
    def mean(self):
        valid = self.concentration < 1
        safe_conc = _where(valid, self.concentration, 0.5)
        return _where(valid, self.loc + self.scale / (1 - safe_conc), math.nan)

    @property
    def variance(self):
        valid = self.concentration < 0.5
        safe_conc = _where(valid, self.concentration, 0.25)
        result = self.scale**2 / ((1 - safe_conc) ** 2 * (1 - 2 * safe_conc))
        return _where(valid, result, math.nan)

    def entropy(self):
        ans = self.scale.log() + self.concentration + 1
        return ans.expand(tuple(self._batch_shape))

    @property
    def mode(self):
        return self.loc

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        lower = self.loc
        upper = _where(self.concentration < 0, lower - self.scale / self.concentration,
                       math.inf)
        return constraints.interval(lower, upper)
