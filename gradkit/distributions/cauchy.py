import math
from numbers import Number

from .._tensor import Size
from . import constraints
from ._base import _expand_params, _finish
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Cauchy"]


def _atan(x):
    from .. import atan2, ones_like

    return atan2(x, ones_like(x))


class Cauchy(Distribution):
    """Cauchy (Lorentz) distribution parameterised by ``loc`` and ``scale``."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        if isinstance(loc, Number) and isinstance(scale, Number):
            batch_shape = Size()
        else:
            batch_shape = self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new, batch_shape = _expand_params(self, Cauchy, batch_shape, _instance, ("loc", "scale"))
        return _finish(new, self, Cauchy, batch_shape)

    @property
    def mean(self):
        from .. import full

        return full(tuple(self._extended_shape()), math.nan, dtype=self.loc.dtype)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        from .. import full

        return full(tuple(self._extended_shape()), math.inf, dtype=self.loc.dtype)

    def rsample(self, sample_shape=()):
        from .. import empty

        # PyTorch's draw: cauchy_ on a new tensor (its stream), scaled and shifted
        shape = self._extended_shape(sample_shape)
        eps = empty(tuple(shape), dtype=self.loc.dtype).cauchy_()
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (-math.log(math.pi) - self.scale.log()
                - (((value - self.loc) / self.scale) ** 2).log1p())

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return _atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value):
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()
