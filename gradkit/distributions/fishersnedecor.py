import math

from . import constraints
from ._base import _expand_params, _finish
from ._sampling import standard_gamma
from ._special import lgamma
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["FisherSnedecor"]


class FisherSnedecor(Distribution):
    """Fisher-Snedecor (F) distribution with ``df1`` and ``df2``."""

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1, df2, validate_args=None):
        self.df1, self.df2 = broadcast_all(df1, df2)
        super().__init__(self.df1.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new, batch_shape = _expand_params(self, FisherSnedecor, batch_shape, _instance,
                                          ("df1", "df2"))
        return _finish(new, self, FisherSnedecor, batch_shape)

    @property
    def mean(self):
        from .. import where

        df2 = self.df2.clone()
        return where(df2 > 2, df2 / (df2 - 2).clamp(min=1e-30), math.nan)

    @property
    def mode(self):
        from .. import where

        mode = (self.df1 - 2) / self.df1 * self.df2 / (self.df2 + 2)
        return where(self.df1 <= 2, math.nan, mode)

    @property
    def variance(self):
        from .. import where

        df2 = self.df2.clone()
        d2 = df2.clamp(min=4 + 1e-6)
        var = 2 * d2.pow(2) * (self.df1 + d2 - 2) / (self.df1 * (d2 - 2).pow(2) * (d2 - 4))
        return where(df2 > 4, var, math.nan)

    def rsample(self, sample_shape=()):
        import numpy as np

        shape = tuple(self._extended_shape(sample_shape))
        x1 = standard_gamma(0.5 * self.df1.expand(shape)) / (0.5 * self.df1)
        x2 = standard_gamma(0.5 * self.df2.expand(shape)) / (0.5 * self.df2)
        tiny = float(np.finfo(np.dtype(x2.dtype)).tiny)
        x2 = x2.clamp(min=tiny)
        y = x1 / x2
        return y.clamp(min=tiny)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        ct1 = self.df1 * 0.5
        ct2 = self.df2 * 0.5
        ct3 = self.df1 / self.df2
        t1 = lgamma(ct1 + ct2) - lgamma(ct1) - lgamma(ct2)
        t2 = ct1 * ct3.log() + (ct1 - 1) * value.log()
        t3 = (ct1 + ct2) * (ct3 * value).log1p()
        return t1 + t2 - t3
