"""``gradkit.nn.utils.stateless``: PyTorch's deprecated home of ``functional_call`` (use
``gradkit.func.functional_call``; this one warns as PyTorch's does), and the
``_reparametrize_module`` block it runs in, which libraries call directly
(zuko's Bayesian layers sample their weights into a module with it)."""

from __future__ import annotations

import warnings

__all__ = ["functional_call"]


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *,
                    tie_weights: bool = True, strict: bool = False):
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 "
                  "and will be removed in a future version of PyTorch. Please use "
                  "`torch.func.functional_call` instead which is a drop-in replacement.",
                  FutureWarning, stacklevel=2)
    from ...func import functional_call as _call

    return _call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights,
                 strict=strict)


def _reparametrize_module(module, parameters_and_buffers, tie_weights: bool = False,
                          strict: bool = False, stack_weights: bool = False):
    """A context manager: within it ``module``'s parameters and buffers named in
    ``parameters_and_buffers`` are the given tensors, restored when it ends. (``stack_weights``
    orders PyTorch's internal stack of swaps; gradkit restores in one step and ignores it.)"""
    from ...func import _reparametrized

    return _reparametrized(module, parameters_and_buffers, tie_weights=tie_weights,
                          strict=strict)
