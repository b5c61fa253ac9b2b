"""``DistributedDataParallel``: average gradients across MPI ranks during backward.

Each rank runs the same model on its own shard of every batch. At construction the module's
parameters and buffers are checked for equal shapes across ranks and rank 0's values are
broadcast. Gradients are grouped into buckets (about ``bucket_cap_mb`` each, in reverse
registration order, roughly the order backward produces them). When the last gradient of a bucket
has been accumulated, the bucket is copied into one flat buffer and a non-blocking all-reduce is
started on it, so communication overlaps the rest of backward; when the last bucket is started,
all are awaited and the averaged gradients written back into ``.grad`` in place. So backward()
returns with synchronised gradients, and any optimizer works unchanged.

Cost model: each step moves every gradient once through an all-reduce; with R ranks and P
gradient bytes, a ring/recursive-doubling all-reduce sends about 2 * P * (R - 1) / R bytes per
rank, in ceil(P / bucket) messages. Larger buckets mean fewer, more efficient messages but less
overlap.
"""

from __future__ import annotations

import contextlib

import numpy as np

from ... import distributed as dist
from ..._tensor import wrap
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]


class _Bucket:
    __slots__ = ("params", "offsets", "flat", "pending", "ready", "work")

    def __init__(self, params, dtype):
        self.params = params
        self.offsets = []
        n = 0
        for p in params:
            self.offsets.append((n, n + p._data.size))
            n += p._data.size
        self.flat = np.empty(n, dtype=dtype)
        self.pending = len(params)
        self.ready = False
        self.work = None


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training over ``gradkit.distributed`` (MPI).

    Args:
        module: the model; identical architecture on every rank.
        broadcast_buffers: broadcast rank 0's buffers (e.g. BatchNorm running statistics) at
            every forward, as PyTorch does.
        bucket_cap_mb: bucket size for gradient all-reduces.
        find_unused_parameters: walk the output's graph after each forward and treat parameters
            it does not reach as having zero gradient (otherwise every parameter that requires
            grad must receive one in every synchronised backward).

    Example:
        >>> dist.init_process_group("mpi")
        >>> model = DistributedDataParallel(Net())
        >>> loss_fn(model(x_shard), y_shard).backward()   # gradients are averaged here
        >>> optimizer.step()

    Differences from PyTorch: CPU tensors only (MPI buffers); ``device_ids`` and
    ``output_device`` are accepted and ignored.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, process_group=None, bucket_cap_mb=25,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(
                f"DistributedDataParallel expects a gradkit.nn.Module, got {type(module).__name__}"
            )
        if not dist.is_initialized():
            raise RuntimeError(
                "DistributedDataParallel needs the default process group: call "
                "gradkit.distributed.init_process_group('mpi') first"
            )
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self._world = dist.get_world_size()
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        self._check_same_shapes(module)
        self._broadcast_state(module)
        self._buckets = []
        self._bucket_of = {}
        if self._world > 1:
            self._build_buckets(named, int(bucket_cap_mb * 1024 * 1024))
            for _, p in named:
                p.register_post_accumulate_grad_hook(self._on_grad_ready)
        self._next_launch = 0

    # ------------------------------------------------------------------ construction
    def _check_same_shapes(self, module):
        mine = [(n, tuple(t.shape), str(t.dtype)) for n, t in module.state_dict().items()]
        if self._world == 1:
            return
        everyone = [None] * self._world
        dist.all_gather_object(everyone, mine)
        ref = everyone[0]
        for r, theirs in enumerate(everyone[1:], start=1):
            if [n for n, _, _ in theirs] != [n for n, _, _ in ref]:
                missing = sorted(set(n for n, _, _ in ref) ^ set(n for n, _, _ in theirs))
                raise RuntimeError(
                    f"DistributedDataParallel: rank {r} has a model with different parameters "
                    f"than rank 0 (differing names: {missing[:5]})"
                )
            for (n, s0, d0), (_, s1, d1) in zip(ref, theirs):
                if s0 != s1 or d0 != d1:
                    raise RuntimeError(
                        f"DistributedDataParallel: parameter {n!r} has shape {s1} ({d1}) on rank "
                        f"{r} but {s0} ({d0}) on rank 0; every rank must build the same model"
                    )

    def _broadcast_state(self, module):
        if self._world == 1:
            return
        for t in list(module.parameters()) + list(module.buffers()):
            if t._data.flags.c_contiguous:
                dist.broadcast(wrap(t._data), src=0)
            else:
                buf = np.ascontiguousarray(t._data)
                dist.broadcast(wrap(buf), src=0)
                t._data[...] = buf

    def _build_buckets(self, named, cap_bytes):
        current, size, dtype = [], 0, None
        for _, p in reversed(named):
            nbytes = p._data.nbytes
            if current and (size + nbytes > cap_bytes or p.dtype != dtype):
                self._buckets.append(_Bucket(current, dtype))
                current, size = [], 0
            current.append(p)
            size += nbytes
            dtype = p.dtype
        if current:
            self._buckets.append(_Bucket(current, dtype))
        for i, b in enumerate(self._buckets):
            for p in b.params:
                self._bucket_of[id(p)] = i

    # ------------------------------------------------------------------ forward / backward
    def forward(self, *inputs, **kwargs):
        if self._world > 1:
            if any(b.work is not None or (b.pending != len(b.params) and b.pending > 0)
                   for b in self._buckets) and self.require_backward_grad_sync:
                unfinished = [p for b in self._buckets if b.pending > 0 and
                              b.pending != len(b.params) for p in b.params if p.grad is None]
                raise RuntimeError(
                    "DistributedDataParallel: the previous backward did not produce gradients "
                    f"for every parameter ({len(unfinished)} without one), so they were not "
                    "averaged across ranks. Pass find_unused_parameters=True if some parameters "
                    "are not used in every forward."
                )
            self._reset()
            if self.broadcast_buffers:
                for b in self.module.buffers():
                    if b._data.flags.c_contiguous and b._data.size:
                        dist.broadcast(wrap(b._data), src=0)
        out = self.module(*inputs, **kwargs)
        if self._world > 1 and self.find_unused_parameters and self.require_backward_grad_sync:
            self._mark_unused(out)
        return out

    def _reset(self):
        for b in self._buckets:
            b.pending = len(b.params)
            b.ready = False
            b.work = None
        self._next_launch = 0

    def _mark_unused(self, out):
        reached = set()
        stack = []
        for t in (out if isinstance(out, (tuple, list)) else (out,)):
            if hasattr(t, "grad_fn") and t.grad_fn is not None:
                stack.append(t.grad_fn)
        seen = set()
        while stack:
            n = stack.pop()
            if id(n) in seen:
                continue
            seen.add(id(n))
            for m in n.next:
                if m is None:
                    continue
                if hasattr(m, "next"):
                    stack.append(m)
                else:
                    reached.add(id(m))
        for b in self._buckets:
            for p in b.params:
                if id(p) not in reached:
                    if p.grad is None:
                        p.grad = wrap(np.zeros_like(p._data))
                    b.pending -= 1
            if b.pending == 0:
                b.ready = True

    def _on_grad_ready(self, p):
        if not self.require_backward_grad_sync:
            return
        b = self._buckets[self._bucket_of[id(p)]]
        b.pending -= 1
        if b.pending == 0:
            b.ready = True
            self._launch_ready()

    def _launch_ready(self):
        buckets = self._buckets
        while self._next_launch < len(buckets) and buckets[self._next_launch].ready:
            b = buckets[self._next_launch]
            flat = b.flat
            for p, (lo, hi) in zip(b.params, b.offsets):
                flat[lo:hi] = p.grad._data.reshape(-1)
            b.work = dist.all_reduce(wrap(flat), op=dist.ReduceOp.SUM, async_op=True)
            self._next_launch += 1
        if self._next_launch == len(buckets):
            self._finish()

    def _finish(self):
        scale = 1.0 / self._world
        for b in self._buckets:
            b.work.wait()
            b.work = None
            b.flat *= scale
            for p, (lo, hi) in zip(b.params, b.offsets):
                g = p.grad._data
                g[...] = b.flat[lo:hi].reshape(g.shape)
        self._reset_pending_done()

    def _reset_pending_done(self):
        for b in self._buckets:
            b.pending = 0
            b.ready = False
        self._next_launch = 0

    @contextlib.contextmanager
    def no_sync(self):
        """Skip the all-reduce inside this block (gradient accumulation): gradients accumulate
        locally and are averaged by the first backward after the block."""
        prev = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = prev
