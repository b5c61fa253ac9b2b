"""``torch.distributed.nn.functional``: collectives recorded on the autograd graph.

Each call leaves its input alone and returns new tensors, built on the in-place collectives of
:mod:`gradkit.distributed.collectives`; the backward of each is the adjoint collective, as in
PyTorch: ``all_reduce`` (SUM/AVG) reduces the gradient the same way, ``all_gather`` sums each
rank's piece of the gradients (a reduce-scatter), ``broadcast`` reduces the gradient to the
source rank, ``reduce`` broadcasts it back. ``gather``, ``scatter`` and the all-to-all calls
copy in a world of one process; with more, gradkit's MPI layer does not provide them and they
raise ``NotImplementedError``. Like PyTorch, ``all_reduce``, ``all_gather``, ``broadcast``,
``reduce_scatter`` and ``all_to_all_single`` warn that they are deprecated in favour of
:mod:`gradkit.distributed._functional_collectives`.
"""

from __future__ import annotations

import warnings

from ...autograd.function import Function
from .. import collectives
from .._unsupported import refuse
from ..collectives import ReduceOp
from ..process_group import _W, _check, get_rank

__all__ = ["all_gather", "all_reduce", "all_to_all", "all_to_all_single", "broadcast", "gather",
           "reduce", "reduce_scatter", "scatter"]


def _deprecated(name, suggestion):
    warnings.warn(f"torch.distributed.nn.functional.{name} is deprecated, use "
                  f"torch.distributed._functional_collectives.{suggestion} instead.",
                  FutureWarning, stacklevel=3)


def _one_process_only(name, what):
    _check()
    if _W.size != 1:
        refuse(f"torch.distributed.nn.functional.{name}", what)


class _AllReduce(Function):
    @staticmethod
    def forward(ctx, op, group, tensor):
        ctx.op, ctx.group = op, group
        out = tensor.clone().contiguous()
        collectives.all_reduce(out, op=op, group=group)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return None, None, _AllReduce.apply(ctx.op, ctx.group, grad_output)


class _Broadcast(Function):
    @staticmethod
    def forward(ctx, src, group, tensor):
        ctx.src, ctx.group = src, group
        out = tensor.clone()
        collectives.broadcast(out, src, group=group)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        gx = _Reduce.apply(ctx.src, ReduceOp.SUM, ctx.group, grad_output)
        if ctx.src != get_rank():
            gx = gx.zero_()
        return None, None, gx


class _Reduce(Function):
    @staticmethod
    def forward(ctx, dst, op, group, tensor):
        ctx.dst, ctx.group = dst, group
        out = tensor.clone()
        collectives.reduce(out, dst, op=op, group=group)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return None, None, None, _Broadcast.apply(ctx.dst, ctx.group, grad_output)


class _AllGather(Function):
    @staticmethod
    def forward(ctx, group, tensor):
        from ... import empty_like

        ctx.group = group
        tensor = tensor.contiguous()
        outs = [empty_like(tensor) for _ in range(_W.size)]
        collectives.all_gather(outs, tensor, group=group)
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grad_outputs):
        from ... import empty_like

        gx = empty_like(grad_outputs[0]).contiguous()
        collectives.reduce_scatter(gx, [g.contiguous() for g in grad_outputs], op=ReduceOp.SUM,
                                   group=ctx.group)
        return None, gx


class _ReduceScatter(Function):
    @staticmethod
    def forward(ctx, op, group, output, *input_list):
        ctx.group = group
        out = output.contiguous()
        collectives.reduce_scatter(out, [t.contiguous() for t in input_list], op=op,
                                   group=group)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return (None, None, None) + _AllGather.apply(ctx.group, grad_output)


class _Copies(Function):
    """The world-of-one form of gather, scatter and all-to-all: each output copies an input."""

    @staticmethod
    def forward(ctx, *tensors):
        return tuple(t.clone() for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        return grads


def all_reduce(tensor, op=ReduceOp.SUM, group=None):
    """``tensor`` reduced across ranks, as a new tensor; the gradient is reduced the same way."""
    _deprecated("all_reduce", "all_reduce")
    _check()
    return _AllReduce.apply(op, group, tensor)


def broadcast(tensor, src, group=None):
    """Rank ``src``'s ``tensor`` on every rank, as a new tensor."""
    _deprecated("broadcast", "broadcast")
    _check()
    return _Broadcast.apply(src, group, tensor)


def reduce(tensor, dst, op=ReduceOp.SUM, group=None):
    """``tensor`` reduced across ranks onto rank ``dst``, as a new tensor."""
    _check()
    return _Reduce.apply(dst, op, group, tensor)


def all_gather(tensor, group=None):
    """A tuple of every rank's ``tensor`` (one per rank)."""
    _deprecated("all_gather", "all_gather_single")
    _check()
    return _AllGather.apply(group, tensor)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None):
    """``input_list`` reduced elementwise across ranks; rank r receives the r-th piece."""
    _deprecated("reduce_scatter", "reduce_scatter_single")
    _check()
    return _ReduceScatter.apply(op, group, output, *input_list)


def gather(tensor, dst=0, group=None):
    """Every rank's ``tensor`` on rank ``dst`` (a one-tensor tuple in a world of one)."""
    _one_process_only("gather", "a differentiable gather between processes")
    return _Copies.apply(tensor)


def scatter(tensors, src=0, group=None):
    """Rank ``src``'s ``tensors[r]`` on rank r (a copy of ``tensors[0]`` in a world of one)."""
    _one_process_only("scatter", "a differentiable scatter between processes")
    return _Copies.apply(*tensors)[0]


def all_to_all(output_tensor_list, input_tensor_list, group=None):
    """Rank r's i-th input becomes rank i's r-th output (copies in a world of one)."""
    _one_process_only("all_to_all", "all-to-all exchanges between processes")
    return _Copies.apply(*input_tensor_list)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None,
                      group=None):
    """The single-tensor all-to-all (a copy of ``input`` in a world of one)."""
    _deprecated("all_to_all_single", "all_to_all_single")
    _one_process_only("all_to_all_single", "all-to-all exchanges between processes")
    return _Copies.apply(input)[0]
