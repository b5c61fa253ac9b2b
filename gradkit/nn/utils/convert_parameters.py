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
    """Make consecutive slices of ``vec`` the data of ``parameters``, as PyTorch does
    (``param.data = vec[i:i + n].view_as(param).data``): each parameter then shares ``vec``'s
    memory and takes its dtype; a ``vec`` longer than the parameters is accepted.

    Raises:
        TypeError: when ``vec`` is not a Tensor.
        RuntimeError: when ``vec`` is too short for the parameters (from ``view_as``).
    """
    if not isinstance(vec, Tensor):
        from ... import _dtype

        raise TypeError(f"expected {_dtype._NAMESPACE[0]}.Tensor, but got: "
                        f"{type(vec).__name__}")
    pointer = 0
    with grad_mode.no_grad():
        for param in parameters:
            n = param.numel()
            param.data = vec[pointer:pointer + n].view_as(param).data
            pointer += n
