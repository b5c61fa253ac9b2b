"""``convert_conv2d_weight_memory_format`` / ``convert_conv3d_weight_memory_format``: a model's
convolution weights moved to a memory format in place (their values and shapes unchanged)."""

from __future__ import annotations

from ...autograd import grad_mode

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def _convert(module, memory_format, kinds):
    if isinstance(module, kinds):
        with grad_mode.no_grad():
            data = module.weight.detach().clone(memory_format=memory_format)
            module.weight.data = data.resize_(data.size(), memory_format=memory_format)
    for child in module.children():
        _convert(child, memory_format, kinds)
    return module


def convert_conv2d_weight_memory_format(module, memory_format):
    """Give every ``Conv2d``/``ConvTranspose2d`` weight in ``module`` (recursively) the layout
    ``memory_format`` (e.g. ``gradkit.channels_last``), as PyTorch's; returns ``module``.

    Examples:
        >>> model = convert_conv2d_weight_memory_format(model, gradkit.channels_last)
    """
    from ..modules.conv import Conv2d, ConvTranspose2d

    return _convert(module, memory_format, (Conv2d, ConvTranspose2d))


def convert_conv3d_weight_memory_format(module, memory_format):
    """Give every ``Conv3d``/``ConvTranspose3d`` weight in ``module`` (recursively) the layout
    ``memory_format`` (e.g. ``gradkit.channels_last_3d``); returns ``module``."""
    from ..modules.conv import Conv3d, ConvTranspose3d

    return _convert(module, memory_format, (Conv3d, ConvTranspose3d))
