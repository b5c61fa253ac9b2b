"""Shared pieces of the family files: parameter broadcasting and ``expand``."""

from __future__ import annotations

from numbers import Number

from .._tensor import Size
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits


def _expand_params(self, cls, batch_shape, _instance, names, extra_shape=()):
    """A copy of ``self`` with each named parameter expanded to ``batch_shape`` (+ event)."""
    new = self._get_checked_instance(cls, _instance)
    batch_shape = Size(tuple(batch_shape))
    for name in names:
        if name in self.__dict__:
            v = getattr(self, name)
            tail = tuple(v.shape[len(self.batch_shape):])
            setattr(new, name, v.expand(tuple(batch_shape) + tail))
    return new, batch_shape


def _finish(new, self, cls, batch_shape, event_shape=None):
    from .distribution import Distribution

    if event_shape is None:
        event_shape = self.event_shape
    Distribution.__init__(new, batch_shape, event_shape, validate_args=False)
    new._validate_args = self._validate_args
    return new


class BinaryParameters:
    """The ``probs``/``logits`` parameterisation of the binary families (Bernoulli, Binomial,
    NegativeBinomial, LogitRelaxedBernoulli): exactly one is given, the other is derived on first
    use; ``_param`` is the given one."""

    def _set_probs_or_logits(self, probs, logits, *leading):
        """Broadcast the given one of ``probs``/``logits`` with ``leading`` parameters; returns
        the broadcast leading parameters and whether the given one was a Python number."""
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name, value = ("probs", probs) if probs is not None else ("logits", logits)
        *leading, param = broadcast_all(*leading, value)
        setattr(self, name, param)
        self._param = param
        return leading, isinstance(value, Number)

    def _expand_probs_or_logits(self, new, batch_shape):
        for name in ("probs", "logits"):
            if name in self.__dict__:
                new._param = getattr(self, name).expand(tuple(batch_shape))
                setattr(new, name, new._param)

    def _new(self, *args, **kwargs):
        return self._param.new_tensor(*args, **kwargs)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        return self._param.shape
