
from .._tensor import Size
from . import constraints
from ._base import BinaryParameters, _expand_params, _finish
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Bernoulli"]


def _bce_with_logits(logits, value):
    from ..nn import functional as F

    return F.binary_cross_entropy_with_logits(logits, value, reduction="none")


class Bernoulli(BinaryParameters, ExponentialFamily):
    """Bernoulli distribution parameterised by ``probs`` or ``logits`` (not both)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _mean_carrier_measure = 0

    def __init__(self, probs=None, logits=None, validate_args=None):
        _, is_scalar = self._set_probs_or_logits(probs, logits)
        batch_shape = Size() if is_scalar else self._param.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new, batch_shape = _expand_params(self, Bernoulli, batch_shape, _instance, ())
        self._expand_probs_or_logits(new, batch_shape)
        return _finish(new, self, Bernoulli, batch_shape)

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        from .. import where

        return where(self.probs == 0.5, float("nan"), mode)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        from .. import bernoulli
        from ..autograd.grad_mode import no_grad

        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            return bernoulli(self.probs.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -_bce_with_logits(logits, value)

    def entropy(self):
        return _bce_with_logits(self.logits, self.probs)

    def enumerate_support(self, expand=True):
        from .. import arange

        values = arange(2, dtype=self._param.dtype)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values

    @property
    def _natural_params(self):
        return (self.probs.log() - (-self.probs).log1p(),)  # logit(probs)

    def _log_normalizer(self, x):
        return x.exp().log1p()
