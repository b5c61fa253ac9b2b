from . import constraints
from ._special import lgamma
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, PowerTransform
from .uniform import Uniform
from .utils import broadcast_all, euler_constant

__all__ = ["Kumaraswamy"]


def _moments(a, b, n):
    arg1 = 1 + n / a
    log_value = lgamma(arg1) + lgamma(b) - lgamma(arg1 + b)
    return b * log_value.exp()


class Kumaraswamy(TransformedDistribution):
    """Kumaraswamy distribution with ``concentration1`` and ``concentration0``."""

    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        import numpy as np

        from .. import full

        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        finfo = np.finfo(np.dtype(self.concentration0.dtype))
        shape = tuple(self.concentration0.shape)
        base_dist = Uniform(full(shape, 0.0, dtype=self.concentration0.dtype),
                            full(shape, 1.0, dtype=self.concentration0.dtype),
                            validate_args=validate_args)
        transforms = [PowerTransform(exponent=self.concentration0.reciprocal()),
                      AffineTransform(loc=1.0, scale=-1.0),
                      PowerTransform(exponent=self.concentration1.reciprocal())]
        self._tiny = float(finfo.tiny)
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Kumaraswamy, _instance)
        new.concentration1 = self.concentration1.expand(tuple(batch_shape))
        new.concentration0 = self.concentration0.expand(tuple(batch_shape))
        new._tiny = self._tiny
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        return _moments(self.concentration1, self.concentration0, 1)

    @property
    def mode(self):
        from .. import where

        log_mode = (self.concentration0.reciprocal() * (-self.concentration0).log1p()
                    - (-self.concentration0 * self.concentration1).log1p())
        ok = (self.concentration0 >= 1) & (self.concentration1 >= 1)
        return where(ok, log_mode.exp(), float("nan"))

    @property
    def variance(self):
        return (_moments(self.concentration1, self.concentration0, 2)
                - _moments(self.concentration1, self.concentration0, 1).pow(2))

    def entropy(self):
        from ._special import digamma

        t1 = 1 - self.concentration1.reciprocal()
        t0 = 1 - self.concentration0.reciprocal()
        h0 = digamma(self.concentration0 + 1) + euler_constant
        return t0 + t1 * h0 - self.concentration1.log() - self.concentration0.log()
