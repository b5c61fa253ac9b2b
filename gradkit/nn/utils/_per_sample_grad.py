"""``torch.nn.utils._per_sample_grad.call_for_per_sample_grads``: per-sample parameter gradients.

``call_for_per_sample_grads(module)(x)`` runs ``module`` on the batch ``x``; the backward pass then
stores each trainable parameter's gradient for every sample in ``param.grad_sample`` (shape
``[batch, *param.shape]``) instead of summing it into ``param.grad``, which stays as it was.
Gradients still flow to the inputs. Opacus's ``grad_sample_mode="ew"`` calls it.

PyTorch computes these with per-layer formulas on "expanded weights". gradkit runs the module's
forward once on the batch (as usual), and in backward runs it again on each sample alone and
takes that sample's gradient with :func:`gradkit.autograd.grad`, so any module whose samples do
not interact (the same ones PyTorch accepts: no batch norm) is supported, RNNs included. A module
that draws random numbers in its forward (dropout in training mode) draws them again for the
per-sample runs; the program's random stream is restored afterwards, so later draws are unchanged.
"""

from __future__ import annotations

import functools

__all__ = ["call_for_per_sample_grads"]


def _batch_size(args, kwargs, batch_first):
    from ..._tensor.tensor import Tensor
    from ...utils._pytree import tree_leaves

    size = None
    for leaf in tree_leaves((args, kwargs)):
        if not isinstance(leaf, Tensor):
            continue
        n = leaf.shape[0] if batch_first else leaf.shape[1]
        if size is not None and size != n:
            raise RuntimeError(
                f"call_for_per_sample_grads: found inputs with batch sizes {size} and {n}; pass "
                f"batch_size= explicitly when the inputs' batch dimensions differ")
        size = n
    if size is None:
        raise RuntimeError(
            "call_for_per_sample_grads: no tensor among the inputs to read the batch size from; "
            "pass batch_size= explicitly")
    return size


def _sample_grads(module, params, args, kwargs, spots, grads, bdim, batch, scale):
    """Each parameter's gradient for each sample, stacked on a new first dimension."""
    from ... import autograd, random, stack, zeros_like
    from ..._tensor.tensor import Tensor
    from ...func import functional_call
    from ...utils._pytree import tree_flatten, tree_map

    def sample(t, i):
        if isinstance(t, Tensor) and t.dim() > bdim and t.shape[bdim] == batch:
            return t.detach().narrow(bdim, i, 1)
        return t

    names = list(params)
    rng = random.get_rng_state()
    per_param = [[] for _ in names]
    try:
        for i in range(batch):
            leaves = {n: p.detach().requires_grad_(True) for n, p in params.items()}
            with autograd.enable_grad():
                out = functional_call(module, leaves, tree_map(lambda t, i=i: sample(t, i), args),
                                      tree_map(lambda t, i=i: sample(t, i), kwargs))
            outs, _ = tree_flatten(out)
            pairs = [(o, g.narrow(bdim, i, 1)) for o, g in zip([outs[k] for k in spots], grads)
                     if isinstance(o, Tensor) and o.requires_grad and g is not None]
            if pairs:
                got = autograd.grad([o for o, _ in pairs], [leaves[n] for n in names],
                                    [g for _, g in pairs], allow_unused=True)
            else:
                got = [None] * len(names)
            for k, g in enumerate(got):
                per_param[k].append(zeros_like(params[names[k]]) if g is None else g)
    finally:
        random.set_rng_state(rng)
    return {n: stack(gs) * scale for n, gs in zip(names, per_param)}


def call_for_per_sample_grads(module, *, batch_size=None, loss_reduction="sum", batch_first=True):
    """Return a function that calls ``module`` and fills ``param.grad_sample`` on backward.

    ``loss_reduction="mean"`` scales the per-sample gradients by the batch size (undoing the
    ``1/batch`` a mean loss puts on every sample's gradient); ``batch_first=False`` reads the
    batch from the second dimension of the inputs and outputs.
    """
    from ...autograd.function import Function
    from ..modules.module import Module

    if loss_reduction not in ("sum", "mean"):
        raise RuntimeError(
            f"call_for_per_sample_grads: loss_reduction must be 'sum' or 'mean', got "
            f"{loss_reduction!r}")
    if not isinstance(module, Module):
        raise RuntimeError(
            f"call_for_per_sample_grads: expected an nn.Module, got {type(module).__name__}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)):
        raise RuntimeError(
            f"call_for_per_sample_grads: batch_size must be None or an int, got "
            f"{type(batch_size).__name__}")
    if batch_size is not None and batch_size < 1:
        raise RuntimeError(
            f"call_for_per_sample_grads: batch_size must be positive, got {batch_size}")
    for p in module.parameters():
        if getattr(p, "grad_sample", None) is not None:
            raise RuntimeError(
                "call_for_per_sample_grads: a parameter already has a grad_sample, which this "
                "call would add to; set each parameter's grad_sample to None first")
    bdim = 0 if batch_first else 1

    @functools.wraps(module.forward)
    def wrapper(*args, **kwargs):
        from ... import zeros
        from ...func import functional_call
        from ...utils._pytree import tree_flatten, tree_unflatten

        batch = batch_size if batch_size is not None else _batch_size(args, kwargs, batch_first)
        params = {n: p for n, p in module.named_parameters() if p.requires_grad}
        out = functional_call(module, {n: p.detach() for n, p in params.items()}, args, kwargs)
        if not params:
            return out
        outs, spec = tree_flatten(out)
        scale = batch if loss_reduction == "mean" else 1

        class _PerSample(Function):
            @staticmethod
            def forward(ctx, *tensors):
                return tuple(t.view_as(t) for t in tensors[:len(spots)])

            @staticmethod
            def backward(ctx, *grads):
                found = _sample_grads(module, params, args, kwargs, spots, grads, bdim, batch,
                                      scale)
                for n, g in found.items():
                    p = params[n]
                    old = getattr(p, "grad_sample", None)
                    p.grad_sample = g if old is None else old + g
                return (*grads, None)

        from ..._tensor.tensor import Tensor

        spots = [k for k, o in enumerate(outs) if isinstance(o, Tensor) and o.is_floating_point()]
        # a leaf that requires grad: the outputs do even when the inputs don't, so backward
        # reaches this node; the parameters themselves are not inputs (their .grad stays as is)
        anchor = zeros((), requires_grad=True)
        tapped = _PerSample.apply(*[outs[k] for k in spots], anchor)
        if not isinstance(tapped, tuple):
            tapped = (tapped,)
        for k, t in zip(spots, tapped):
            outs[k] = t
        return tree_unflatten(outs, spec)

    return wrapper
