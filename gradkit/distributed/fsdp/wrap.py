"""``torch.distributed.fsdp.wrap``: the auto-wrap policies that choose which submodules FSDP wraps.

A policy is called as ``policy(module=..., recurse=..., nonwrapped_numel=...)`` (with its own
arguments bound by ``functools.partial``): with ``recurse=True`` it says whether to look inside
``module``, with ``recurse=False`` whether to wrap it. The policies answer as PyTorch's do, so
code that builds or tests them runs; wrapping itself (:func:`wrap`, :class:`ModuleWrapPolicy`
given to FSDP) needs FSDP, which gradkit does not implement.
"""

from __future__ import annotations

from .._unsupported import refuse
from . import _KIND

__all__ = ["CustomPolicy", "ModuleWrapPolicy", "always_wrap_policy", "enable_wrap",
           "lambda_auto_wrap_policy", "size_based_auto_wrap_policy",
           "transformer_auto_wrap_policy", "wrap"]


def always_wrap_policy(*args, **kwargs) -> bool:
    """Wrap every submodule."""
    return True


def _module_wrap_policy(module, recurse, nonwrapped_numel, module_classes) -> bool:
    if recurse:
        return True  # always look inside
    return isinstance(module, tuple(module_classes))


def transformer_auto_wrap_policy(module, recurse, nonwrapped_numel, transformer_layer_cls) -> bool:
    """Wrap the submodules that are instances of ``transformer_layer_cls`` (a set of classes)."""
    return _module_wrap_policy(module, recurse, nonwrapped_numel, transformer_layer_cls)


def lambda_auto_wrap_policy(module, recurse, nonwrapped_numel, lambda_fn) -> bool:
    """Wrap the submodules for which ``lambda_fn(module)`` is true."""
    if recurse:
        return True
    return lambda_fn(module)


def size_based_auto_wrap_policy(module, recurse, nonwrapped_numel, min_num_params=int(1e8),
                                force_leaf_modules=None, exclude_wrap_modules=None) -> bool:
    """Wrap a submodule once it holds ``min_num_params`` parameters not yet wrapped; never look
    inside ``force_leaf_modules`` (default ``MultiheadAttention``), never wrap
    ``exclude_wrap_modules`` (default ``ModuleList``, ``ModuleDict``)."""
    from ... import nn

    if force_leaf_modules is None:
        force_leaf_modules = {nn.MultiheadAttention}
    if exclude_wrap_modules is None:
        exclude_wrap_modules = {nn.ModuleList, nn.ModuleDict}
    is_large = nonwrapped_numel >= min_num_params
    if recurse:
        return is_large and not isinstance(module, tuple(force_leaf_modules))
    return is_large and not isinstance(module, tuple(exclude_wrap_modules))


def _or_policy(module, recurse, nonwrapped_numel, policies) -> bool:
    """True when any of ``policies`` is."""
    return any(policy(module=module, recurse=recurse, nonwrapped_numel=nonwrapped_numel)
               for policy in policies)


class ModuleWrapPolicy:
    """A policy object wrapping the submodules of the given classes."""

    def __init__(self, module_classes):
        self._module_classes = set(module_classes)

    def __call__(self, module, recurse, *args, **kwargs) -> bool:
        return _module_wrap_policy(module, recurse, 0, self._module_classes)


class CustomPolicy:
    """A policy object for FSDP wrapping the submodules for which ``lambda_fn(module)`` is true
    (or returns keyword overrides); only FSDP reads it."""

    def __init__(self, lambda_fn):
        self._lambda_fn = lambda_fn


def wrap(module, **wrap_overrides):
    """Not implemented in gradkit: raises ``NotImplementedError``."""
    refuse("torch.distributed.fsdp.wrap.wrap", _KIND)


def enable_wrap(*, wrapper_cls, **wrapper_kwargs):
    """Not implemented in gradkit: raises ``NotImplementedError``."""
    refuse("torch.distributed.fsdp.wrap.enable_wrap", _KIND)
