from . import constraints
from ._base import BinaryParameters, _expand_params, _finish
from ._special import lgamma
from .distribution import Distribution

__all__ = ["NegativeBinomial"]


class NegativeBinomial(BinaryParameters, Distribution):
    """Number of successes before ``total_count`` failures, success probability ``probs``."""

    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        (self.total_count,), _ = self._set_probs_or_logits(probs, logits, total_count)
        self.total_count = self.total_count.to(self._param.dtype)
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new, batch_shape = _expand_params(self, NegativeBinomial, batch_shape, _instance,
                                          ("total_count",))
        self._expand_probs_or_logits(new, batch_shape)
        return _finish(new, self, NegativeBinomial, batch_shape)

    @property
    def mean(self):
        return self.total_count * self.logits.exp()

    @property
    def mode(self):
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self):
        return self.mean / (-self.logits).sigmoid()

    def sample(self, sample_shape=()):
        """Gamma-Poisson mixture: rate ~ Gamma(total_count, exp(-logits)), k ~ Poisson(rate),
        drawn as PyTorch draws them (its gamma and Poisson samplers, in this order)."""
        from .. import no_grad, poisson
        from .gamma import Gamma

        with no_grad():
            rate = Gamma(self.total_count, (-self.logits).exp(),
                         validate_args=False).sample(sample_shape)
            return poisson(rate)

    def log_prob(self, value):
        from ..nn import functional as F

        if self._validate_args:
            self._validate_sample(value)
        log_unnormalized_prob = (self.total_count * F.logsigmoid(-self.logits)
                                 + value * F.logsigmoid(self.logits))
        log_normalization = (-lgamma(self.total_count + value) + lgamma(1.0 + value)
                             + lgamma(self.total_count))
        from .. import where

        log_normalization = where(self.total_count + value == 0.0, 0.0, log_normalization)
        return log_unnormalized_prob - log_normalization
