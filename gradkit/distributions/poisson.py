from numbers import Number

from .._tensor import Size
from . import constraints
from ._base import _expand_params, _finish
from ._special import lgamma
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    """Poisson distribution parameterised by ``rate``.

    Samples: inversion for rate < 10, Hoermann's PTRS otherwise, on gradkit's generator."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if isinstance(rate, Number) else self.rate.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new, batch_shape = _expand_params(self, Poisson, batch_shape, _instance, ("rate",))
        return _finish(new, self, Poisson, batch_shape)

    def sample(self, sample_shape=()):
        from .. import poisson

        # gradkit.poisson is PyTorch's CPU sampler on the same stream
        shape = tuple(self._extended_shape(sample_shape))
        return poisson(self.rate.detach().expand(shape))

    def log_prob(self, value):
        from ..special import xlogy

        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return xlogy(value, rate) - rate - lgamma(value + 1)

    @property
    def _natural_params(self):
        return (self.rate.log(),)

    def _log_normalizer(self, x):
        return x.exp()
