"""Flatten parameters into one vector and back."""

from __future__ import annotations

from collections.abc import Iterable

from ... import functions as _F
from ..._tensor import Tensor
from ...autograd import grad_mode

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All ``parameters`` flattened and concatenated into one 1-D tensor (differentiable).

    Examples:
        >>> vec = parameters_to_vector(model.parameters())
    """
    return _F.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (in place).

    Raises:
        TypeError: when ``vec`` is not a Tensor.
        ValueError: when ``vec`` is not 1-D or its length does not match the parameters.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected vec to be a gradkit Tensor, but got: {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: vec must be 1-D, got shape {tuple(vec.shape)}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if total != vec.numel():
        raise ValueError(
            f"vector_to_parameters: vec has {vec.numel()} elements but the parameters have "
            f"{total}"
        )
    data = vec._data
    offset = 0
    with grad_mode.no_grad():
        for p in params:
            n = p.numel()
            p._data[...] = data[offset:offset + n].reshape(p._data.shape)
            p._vc[0] += 1
            offset += n
