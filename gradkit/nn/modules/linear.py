"""Linear layers and shape helpers: ``Identity``, ``Linear``, ``Bilinear``, ``Flatten``,
``Unflatten``."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from ... import _dtype
from ... import functions as _F
from ..._tensor import Tensor, apply, as_tensor_arg
from ..._tensor.torch_function import ACTIVE as _TORCH_FUNCTION
from ...amp._state import CPU as _AUTOCAST
from ...ops import linear as LI
from .. import functional as F  # F.* at call time, as PyTorch's
from .. import init
from ..functional.linear import linear as _linear
from ..parameter import Parameter
from .module import Module

__all__ = ["Bilinear", "Flatten", "Identity", "Linear", "NonDynamicallyQuantizableLinear",
           "Unflatten"]


def _empty(*shape, dtype=None, device=None) -> Tensor:
    from ...factories import empty

    return empty(tuple(shape), dtype=dtype or _dtype.get_default_dtype(), device=device)


def _check_size(value, name: str, layer: str, allow_zero: bool = True) -> int:
    # (a NumPy integer is a size, as in PyTorch: ``env.action_space.n``, ``np.prod(shape)``)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{layer}: {name} must be an int, got {type(value).__name__}")
    value = int(value)
    if value < 0:  # PyTorch: torch.empty's RuntimeError
        raise RuntimeError(f"{layer}: Trying to create tensor with negative dimension {value}: "
                           f"{name} must be a positive integer")
    if value == 0 and not allow_zero:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value}")
    return value


class Identity(Module):
    """Returns its input unchanged (accepts and ignores any constructor arguments)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """``y = x W^T + b``.

    Args:
        in_features: size of each input sample's last dimension.
        out_features: size of each output sample's last dimension.
        bias: learn an additive bias. Default: True.
        device, dtype: where and in which dtype to create the parameters.

    Shape:
        - Input: ``(*, in_features)``.
        - Output: ``(*, out_features)``.

    Attributes:
        weight: ``(out_features, in_features)``, initialised from
            U(-1/sqrt(in_features), 1/sqrt(in_features)) (kaiming_uniform with a=sqrt(5)).
        bias: ``(out_features,)``, from the same distribution.

    Examples:
        >>> m = gradkit.nn.Linear(20, 30)
        >>> m(gradkit.randn(128, 20)).shape
        gradkit.Size([128, 30])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.in_features = _check_size(in_features, "in_features", "Linear")
        self.out_features = _check_size(out_features, "out_features", "Linear")
        self.weight = Parameter(_empty(out_features, in_features, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(_empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        p = self._parameters
        w = p.get("weight")
        if w is None:  # parametrized (nn.utils.parametrize): computed by a property
            w = self.weight
        b = p["bias"] if "bias" in p else self.bias
        face = F.linear  # (a replaced F.linear, a FLOP counter's, is called as in PyTorch)
        if face is not _linear or _TORCH_FUNCTION[0] and (type(input) is not Tensor
                                                         or not _plain(w)):
            return face(input, w, b)  # a subclass (or vmap's batched weights) takes it over
        shape = input._data.shape if isinstance(input, Tensor) else None
        if shape is None or not shape or shape[-1] != self.in_features:
            self._bad_input(input)
        if input._data.dtype != w._data.dtype or _AUTOCAST[0]:  # (autocast: F.linear casts)
            return _linear(input, w, b)
        return apply(LI.LINEAR, (input, w) if b is None else (input, w, b))

    def _bad_input(self, input):
        if not isinstance(input, Tensor):
            raise TypeError(f"Linear.forward: expected a gradkit Tensor, got "
                            f"{type(input).__name__}")
        raise RuntimeError(
            f"Linear(in_features={self.in_features}, out_features={self.out_features}) expects "
            f"input of shape (*, {self.in_features}) (last dimension {self.in_features}), but "
            f"got input of shape {tuple(input.shape)}"
        )

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under another name: PyTorch's class of ``MultiheadAttention.out_proj`` (its
    name shows in the module's repr)."""


class Bilinear(Module):
    """``y = x1^T A x2 + b``.

    Args:
        in1_features, in2_features: sizes of the two inputs' last dimensions.
        out_features: output size.
        bias: learn an additive bias. Default: True.

    Shape:
        - Input1: ``(*, in1_features)``, Input2: ``(*, in2_features)``.
        - Output: ``(*, out_features)``.
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features = _check_size(in1_features, "in1_features", "Bilinear")
        self.in2_features = _check_size(in2_features, "in2_features", "Bilinear")
        self.out_features = _check_size(out_features, "out_features", "Bilinear")
        self.weight = Parameter(_empty(out_features, in1_features, in2_features, dtype=dtype,
                                       device=device))
        if bias:
            self.bias = Parameter(_empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.in1_features <= 0:  # (PyTorch's check: the bound divides by it)
            raise ValueError(f"Bilinear: in1_features must be > 0, but got (in1_features="
                             f"{self.in1_features}); the weight's bound is 1/sqrt(in1_features)")
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        if not isinstance(input2, Tensor):
            from ...functions._args import NotATensorError

            raise NotATensorError(f"Bilinear: input2 must be a Tensor, got "
                                  f"{type(input2).__name__}")
        if input1.ndim == 0 or input2.ndim == 0:
            raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} "
                               f"and {input2.ndim}; give both inputs a feature dimension")
        if input1.shape[-1] != self.in1_features or input2.shape[-1] != self.in2_features:
            raise RuntimeError(
                f"Bilinear(in1_features={self.in1_features}, in2_features={self.in2_features}) "
                f"expects inputs of shapes (*, {self.in1_features}) and (*, "
                f"{self.in2_features}), but got {tuple(input1.shape)} and {tuple(input2.shape)}"
            )
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Flatten(Module):
    """Flatten dimensions ``start_dim..end_dim`` into one.

    Shape:
        - Input: ``(*, S_start, ..., S_end, *)``.
        - Output: ``(*, prod(S_start..S_end), *)``.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        if isinstance(input, Tensor):  # the method, as PyTorch's (a program may replace it)
            return input.flatten(self.start_dim, self.end_dim)
        return _F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dimension ``dim`` into ``unflattened_size``.

    Shape:
        - Input: ``(*, S_dim, *)``; Output: ``(*, *unflattened_size, *)``.
    """

    def __init__(self, dim: int | str, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(
                f"Unflatten: unflattened_size must be a tuple or list of ints, got "
                f"{type(unflattened_size).__name__}"
            )
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        x = input if isinstance(input, Tensor) else as_tensor_arg(input)
        return x.unflatten(self.dim, self.unflattened_size)  # the method, as PyTorch's

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def _plain(t) -> bool:
    """Whether ``t`` is a Tensor or Parameter itself (no ``__torch_function__`` to honour)."""
    return type(t) is Parameter or type(t) is Tensor
