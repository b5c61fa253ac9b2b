"""Random in-place fillers of Tensor: ``uniform_``, ``normal_``. The random factories
(``rand``, ``randn``, ``randint``, ...) are in ``gradkit/factories.py``; the generators in
``gradkit/random.py``."""

from __future__ import annotations

from .._tensor.tensor import wrap
from ..autograd import grad_mode
from ..random import _gen
from ._registry import tensor_method

__all__ = ["normal_", "uniform_"]


@tensor_method()
def uniform_(self, a=0.0, b=1.0, *, generator=None):
    """Fill with samples from the uniform distribution on ``[a, b)``."""
    with grad_mode.no_grad():
        self.copy_(wrap(_gen(generator).uniform(a, b, self._data.shape).astype(self.dtype)))
    return self


@tensor_method()
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples from the normal distribution ``N(mean, std**2)``."""
    with grad_mode.no_grad():
        arr = _gen(generator).normal(mean, std, self._data.shape).astype(self.dtype)
        self.copy_(wrap(arr))
    return self
