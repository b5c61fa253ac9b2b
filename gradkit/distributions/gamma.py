from numbers import Number

from .._tensor import Size
from . import constraints
from ._base import _expand_params, _finish
from ._sampling import standard_gamma
from ._special import digamma, gammainc, lgamma
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Gamma"]


def _tiny(dtype):
    import numpy as np

    return float(np.finfo(np.dtype(dtype)).tiny)


class Gamma(ExponentialFamily):
    """Gamma distribution parameterised by shape ``concentration`` and ``rate``.

    ``rsample`` draws PyTorch's samples on its stream and differentiates them by PyTorch's
    ``_standard_gamma_grad`` (implicit differentiation of the CDF, approximated).
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        if isinstance(concentration, Number) and isinstance(rate, Number):
            batch_shape = Size()
        else:
            batch_shape = self.concentration.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new, batch_shape = _expand_params(self, Gamma, batch_shape, _instance,
                                          ("concentration", "rate"))
        return _finish(new, self, Gamma, batch_shape)

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        value = standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        value.detach().clamp_(min=_tiny(value.dtype))  # not recorded, as PyTorch's
        return value

    def log_prob(self, value):
        from ..special import xlogy

        if self._validate_args:
            self._validate_sample(value)
        return (xlogy(self.concentration, self.rate) + xlogy(self.concentration - 1, value)
                - self.rate * value - lgamma(self.concentration))

    def entropy(self):
        return (self.concentration - self.rate.log() + lgamma(self.concentration)
                + (1.0 - self.concentration) * digamma(self.concentration))

    @property
    def _natural_params(self):
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x, y):
        return lgamma(x + 1) + (x + 1) * (-y.reciprocal()).log()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        a, x = broadcast_all(self.concentration, self.rate * value)
        return gammainc(a, x)
