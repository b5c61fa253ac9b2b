"""Shared pieces of the family files: parameter broadcasting and ``expand``."""

from __future__ import annotations

from .._tensor import Size


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
