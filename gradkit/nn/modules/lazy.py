"""Lazy modules (``torch.nn.modules.lazy``): layers whose input size is read from the first
input. ``LazyLinear(10)`` holds :class:`~gradkit.nn.UninitializedParameter` s until its first
forward, which materialises them from the input's shape, draws PyTorch's default initialisation
and turns the module into a plain ``Linear`` (``cls_to_become``). Loading a state dict into an
uninitialised lazy module materialises its parameters with the stored shapes first.
"""

from __future__ import annotations

from ..._tensor import Tensor
from ...autograd import grad_mode
from ..parameter import UninitializedBuffer, UninitializedParameter
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .linear import Linear

__all__ = [
    "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d",
    "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
    "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear",
    "LazyModuleMixin",
]


def _is_lazy(t) -> bool:
    return isinstance(t, (UninitializedParameter, UninitializedBuffer))


class LazyModuleMixin:
    """Mixin of the lazy modules: a forward pre-hook calls ``initialize_parameters(*input)``
    once, then the module becomes ``cls_to_become``. Subclasses implement
    ``initialize_parameters`` and hold ``UninitializedParameter``/``UninitializedBuffer``."""

    cls_to_become = None

    def _lazy_setup(self) -> None:
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                               with_kwargs=True)

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer still has no shape."""
        tensors = list(self._parameters.values()) + list(self._buffers.values())
        return any(_is_lazy(t) for t in tensors)

    def initialize_parameters(self, *args, **kwargs) -> None:
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{type(self).__name__}")

    def _infer_parameters(self, module, args, kwargs=None):
        self.initialize_parameters(*args, **(kwargs or {}))
        if self.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        self._initialize_hook.remove()
        del self._initialize_hook
        self._sync_sizes()
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become
        return None

    def _sync_sizes(self) -> None:
        """After a state dict materialised the parameters, the size attributes follow them
        (PyTorch leaves them 0; gradkit's layers check their input against them)."""

    def _lazy_ready(self) -> bool:
        return not self.has_uninitialized_params() and self.__dict__.get("_materialized", False)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        # PyTorch's _lazy_load_hook: materialise with the stored shapes, then load
        for table in (self._parameters, self._buffers):
            for name, t in table.items():
                key = prefix + name
                if _is_lazy(t) and key in state_dict and not _is_lazy(state_dict[key]):
                    with grad_mode.no_grad():
                        t.materialize(tuple(state_dict[key].shape))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars or _is_lazy(p) else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars or _is_lazy(b) else b.detach()


def _factory(device, dtype):
    return {"device": device, "dtype": dtype}


# ------------------------------------------------------------------ linear
class LazyLinear(LazyModuleMixin, Linear):
    """:class:`Linear` whose ``in_features`` is the last dimension of the first input.

    Examples:
        >>> m = gradkit.nn.LazyLinear(3)
        >>> m(gradkit.randn(2, 5)).shape, type(m).__name__
        (gradkit.Size([2, 3]), 'Linear')
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(1, out_features, bias, device=device, dtype=dtype)
        self.in_features = 0
        self.weight = UninitializedParameter(**_factory(device, dtype))
        if bias:
            self.bias = UninitializedParameter(**_factory(device, dtype))
        self._lazy_setup()

    def reset_parameters(self) -> None:
        if self._lazy_ready() and self.in_features != 0:
            super().reset_parameters()

    def _sync_sizes(self) -> None:
        if self.in_features == 0:
            self.in_features = self.weight.shape[1]

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:
        if self.has_uninitialized_params():
            with grad_mode.no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self._materialized = True
                self.reset_parameters()


# ------------------------------------------------------------------ convolution
class _LazyConvMixin(LazyModuleMixin):
    _spatial = 2

    def _lazy_conv_init(self, out_channels, bias, device, dtype):
        self.in_channels = 0
        self.out_channels = out_channels
        self.weight = UninitializedParameter(**_factory(device, dtype))
        if bias:
            self.bias = UninitializedParameter(**_factory(device, dtype))
        self._lazy_setup()

    def reset_parameters(self) -> None:
        if self._lazy_ready() and self.in_channels != 0:
            super().reset_parameters()

    def _sync_sizes(self) -> None:
        if self.in_channels == 0:
            w = self.weight.shape
            self.in_channels = w[0] if self.transposed else w[1] * self.groups

    def _in_channels_of(self, input: Tensor) -> int:
        if input.ndim not in (self._spatial + 1, self._spatial + 2):
            raise RuntimeError(
                f"{self._get_name()}: expected a {self._spatial + 1}-D (unbatched) or "
                f"{self._spatial + 2}-D (batched) input, got shape {tuple(input.shape)}")
        return input.shape[0] if input.ndim == self._spatial + 1 else input.shape[1]

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:
        if not self.has_uninitialized_params():
            return
        with grad_mode.no_grad():
            self.in_channels = self._in_channels_of(input)
            if self.in_channels % self.groups:
                raise ValueError(f"{self._get_name()}: in_channels ({self.in_channels}) must be "
                                 f"divisible by groups ({self.groups})")
            k = tuple(self.kernel_size)
            if self.transposed:
                shape = (self.in_channels, self.out_channels // self.groups) + k
            else:
                shape = (self.out_channels, self.in_channels // self.groups) + k
            self.weight.materialize(shape)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self._materialized = True
            self.reset_parameters()


def _lazy_conv(name, base, spatial, transposed):
    if transposed:
        def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                     groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros",
                     device=None, dtype=None):
            # in_channels = groups: a valid placeholder until the first input (nothing drawn)
            base.__init__(self, groups, out_channels, kernel_size, stride, padding,
                          output_padding, groups, bias, dilation, padding_mode, device, dtype)
            self._lazy_conv_init(out_channels, bias, device, dtype)
    else:
        def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                     groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                     device=None, dtype=None):
            base.__init__(self, groups, out_channels, kernel_size, stride, padding, dilation,
                          groups, bias, padding_mode, device, dtype)
            self._lazy_conv_init(out_channels, bias, device, dtype)

    doc = (f""":class:`{base.__name__}` whose ``in_channels`` is read from the first input
    (dim 1, or dim 0 unbatched); the same arguments, less ``in_channels``.""")
    return type(name, (_LazyConvMixin, base), {
        "__init__": __init__, "__doc__": doc, "cls_to_become": base, "_spatial": spatial,
        "__module__": __name__})


LazyConv1d = _lazy_conv("LazyConv1d", Conv1d, 1, False)
LazyConv2d = _lazy_conv("LazyConv2d", Conv2d, 2, False)
LazyConv3d = _lazy_conv("LazyConv3d", Conv3d, 3, False)
LazyConvTranspose1d = _lazy_conv("LazyConvTranspose1d", ConvTranspose1d, 1, True)
LazyConvTranspose2d = _lazy_conv("LazyConvTranspose2d", ConvTranspose2d, 2, True)
LazyConvTranspose3d = _lazy_conv("LazyConvTranspose3d", ConvTranspose3d, 3, True)


# ------------------------------------------------------------------ normalization
class _LazyNormMixin(LazyModuleMixin):

    def _lazy_norm_init(self, device, dtype, bias=True):
        self.num_features = 0
        if self.affine:
            self.weight = UninitializedParameter(**_factory(device, dtype))
            if bias:  # (bias=False: the base registered None)
                self.bias = UninitializedParameter(**_factory(device, dtype))
        if self.track_running_stats:
            self.running_mean = UninitializedBuffer(**_factory(device, dtype))
            self.running_var = UninitializedBuffer(**_factory(device, dtype))
        self._lazy_setup()

    def _sync_sizes(self) -> None:
        src = self.weight if self.affine else self.running_mean
        if self.num_features == 0 and src is not None:
            self.num_features = src.shape[0]

    def reset_parameters(self) -> None:
        if self._lazy_ready() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:
        if not self.has_uninitialized_params():
            return
        with grad_mode.no_grad():
            self.num_features = input.shape[1] if input.ndim > 1 else input.shape[0]
            c = (self.num_features,)
            if self.affine:
                self.weight.materialize(c)
                if self.bias is not None:
                    self.bias.materialize(c)
            if self.track_running_stats:
                self.running_mean.materialize(c)
                self.running_var.materialize(c)
            self._materialized = True
            self.reset_parameters()


def _lazy_norm(name, base, affine_default, track_default):
    def __init__(self, eps=1e-5, momentum=0.1, affine=affine_default,
                 track_running_stats=track_default, device=None, dtype=None, *, bias=True):
        base.__init__(self, 1, eps, momentum, affine, track_running_stats, device=device,
                      dtype=dtype, bias=bias)
        self._lazy_norm_init(device, dtype, bias)

    doc = (f""":class:`{base.__name__}` whose ``num_features`` is read from the first input
    (dim 1); the same arguments, less ``num_features``.""")
    return type(name, (_LazyNormMixin, base), {
        "__init__": __init__, "__doc__": doc, "cls_to_become": base, "__module__": __name__})


LazyBatchNorm1d = _lazy_norm("LazyBatchNorm1d", BatchNorm1d, True, True)
LazyBatchNorm2d = _lazy_norm("LazyBatchNorm2d", BatchNorm2d, True, True)
LazyBatchNorm3d = _lazy_norm("LazyBatchNorm3d", BatchNorm3d, True, True)
# PyTorch's lazy instance norms default to affine=True, track_running_stats=True (unlike the
# eager ones)
LazyInstanceNorm1d = _lazy_norm("LazyInstanceNorm1d", InstanceNorm1d, True, True)
LazyInstanceNorm2d = _lazy_norm("LazyInstanceNorm2d", InstanceNorm2d, True, True)
LazyInstanceNorm3d = _lazy_norm("LazyInstanceNorm3d", InstanceNorm3d, True, True)
