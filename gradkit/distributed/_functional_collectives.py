"""``torch.distributed._functional_collectives``: collectives that return a new tensor.

Each call leaves its input alone and returns the result, built on the in-place collectives of
:mod:`.collectives` (which complete before returning, so :func:`wait_tensor` has nothing to wait
for). Model libraries (diffusers' context parallelism) import this module at import time; in a
world of one process every call returns a copy of its input. ``all_to_all_single`` and
``permute_tensor`` exchange pieces between ranks, which gradkit's MPI layer does not provide:
with more than one process they raise ``NotImplementedError``.
"""

from __future__ import annotations

from . import collectives
from ._unsupported import refuse
from .process_group import _W, _check

__all__ = ["all_gather_tensor", "all_reduce", "all_to_all_single", "broadcast",
           "permute_tensor", "reduce_scatter_tensor", "wait_tensor"]


def _op(reduce_op):
    return reduce_op.lower() if isinstance(reduce_op, str) else reduce_op


def wait_tensor(tensor):
    """The result of a functional collective (already complete in gradkit)."""
    return tensor


def all_reduce(self, reduceOp, group=None, tag=""):  # noqa: N803 (PyTorch's argument names)
    """A new tensor holding ``self`` reduced (``"sum"``, ``"avg"``, ...) across ranks."""
    out = self.clone()
    collectives.all_reduce(out, op=_op(reduceOp), group=group)
    return out


def broadcast(self, src, group=None, tag=""):
    """A new tensor holding rank ``src``'s ``self`` on every rank."""
    out = self.clone()
    collectives.broadcast(out, src=src, group=group)
    return out


def all_gather_tensor(self, gather_dim, group=None, tag=""):
    """Every rank's ``self`` concatenated along ``gather_dim``."""
    from .. import cat, empty

    _check()
    src = self.contiguous()
    out = empty((_W.size * src.shape[0],) + tuple(src.shape[1:]), dtype=src.dtype,
                device=src.device)
    collectives.all_gather_into_tensor(out, src, group=group)
    if gather_dim % max(src.ndim, 1) != 0:  # gathered along dim 0: move the pieces
        out = cat(out.chunk(_W.size, dim=0), dim=gather_dim)
    return out


def reduce_scatter_tensor(self, reduceOp, scatter_dim, group=None, tag=""):  # noqa: N803
    """``self`` reduced across ranks and cut in world-size pieces along ``scatter_dim``; each
    rank gets its own piece."""
    from .. import cat, empty

    _check()
    if self.shape[scatter_dim] % _W.size:
        raise ValueError(f"reduce_scatter_tensor: dimension {scatter_dim} of size "
                         f"{self.shape[scatter_dim]} does not split into {_W.size} equal pieces "
                         f"(one per rank)")
    src = self
    if scatter_dim % max(self.ndim, 1) != 0:  # the pieces along dim 0, as the collective cuts
        src = cat(self.chunk(_W.size, dim=scatter_dim), dim=0)
    src = src.contiguous()
    out = empty((src.shape[0] // _W.size,) + tuple(src.shape[1:]), dtype=src.dtype,
                device=src.device)
    collectives.reduce_scatter_tensor(out, src, op=_op(reduceOp), group=group)
    return out


def all_to_all_single(self, output_split_sizes, input_split_sizes, group=None, tag=""):
    """Rank r's i-th input piece (dim 0) becomes rank i's r-th output piece: a copy in a world
    of one process; refused with more."""
    _check()
    if _W.size == 1:
        return self.clone()
    refuse("torch.distributed._functional_collectives.all_to_all_single",
           "all-to-all exchanges between processes")


def permute_tensor(self, src_dst, group=None, tag=""):
    """Rank ``src_dst[i]`` receives rank i's ``self``: a copy in a world of one process; refused
    with more."""
    _check()
    if _W.size == 1:
        return self.clone()
    refuse("torch.distributed._functional_collectives.permute_tensor",
           "point-to-point permutations between processes")
