"""``DistributedDataParallel``: average gradients across MPI ranks during backward.

Each rank runs the same model on its own shard of every batch. At construction the module's
parameters and buffers are checked for equal shapes across ranks and rank 0's values are
broadcast. Gradients are grouped into buckets in the order backward produces them: at first in
reverse registration order (a small first bucket of 1 MB, as PyTorch's, then ``bucket_cap_mb``),
and after the first synchronised backward rebuilt in the order the gradients actually arrived
(rank 0's order, so every rank starts the same all-reduces in the same order).

Gradients are copied into their bucket's flat buffer as they arrive, already divided by the
world size (one pass: the all-reduce then sums), and ``.grad`` becomes a view of its bucket, so
no copy comes back after the all-reduce; once it is one (and stays one:
``zero_grad(set_to_none=False)``), backward accumulates straight into the bucket and nothing is
copied in or out. With ``gradient_as_bucket_view=True`` always, as in PyTorch; by default only
where no program can tell the difference from PyTorch's default (separate ``.grad`` tensors
that the averaged values are copied into): a ``.grad`` tensor that existed before the backward
keeps its identity and gets the averaged values, and a gradient of an earlier step that the
program still holds is never changed (the bucket then moves to fresh memory; see ``_fill``).
When the last gradient of a bucket has been
accumulated, its all-reduce is started at once (MPI's non-blocking ``Iallreduce``), or the
registered communication hook (:meth:`register_comm_hook`) is called with a
:class:`GradBucket`. Without a hook, the part of a bucket whose gradients have arrived (in the
bucket's order) is all-reduced ahead of the rest once it reaches 1 MB (``GRADKIT_DDP_PART_MB``),
so that a large bucket overlaps the backward of its last layers. MPI moves a started
all-reduce only when the rank calls into it, so while buckets are in flight a helper thread
calls ``MPI_Test`` on them every 0.2 ms (``GRADKIT_DDP_POLL_US``), sleeping in between (BLAS
releases the GIL, so it runs beside backward's matrix products at a few microseconds of CPU
per call; the thread is parked between backward passes); with
``GRADKIT_DDP_PROGRESS=hooks``, or without ``MPI_THREAD_MULTIPLE``, the gradient hooks poll
instead. When the last bucket has started, all are awaited (within the process group's
timeout) and the averaged gradients are written back into ``.grad`` in place (or already are
``.grad``, as bucket views), so backward() returns with synchronised gradients and any
optimizer works unchanged.

Cost model: each step moves every gradient once through an all-reduce; with R ranks and P
gradient bytes, a ring/recursive-doubling all-reduce sends about 2 * P * (R - 1) / R bytes per
rank, in about P / bucket messages. Larger buckets mean fewer, more efficient messages but less
overlap; compression hooks (fp16, bf16, PowerSGD) send fewer bytes.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import weakref

import numpy as np

from ... import distributed as dist
from ..._tensor import wrap
from ...distributed import collectives as _coll
from ..modules.module import Module

__all__ = ["DistributedDataParallel", "GradBucket"]

_DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024
# without a hook, the arrived part of a bucket is all-reduced ahead of the rest from this size
_PART_BYTES = int(float(os.environ.get("GRADKIT_DDP_PART_MB", "1")) * 1024 * 1024)
# the progress thread's polling interval in microseconds (GRADKIT_DDP_POLL_US)
_POLL_US = 200


def _mpi_thread_multiple() -> bool:
    try:
        from mpi4py import MPI

        return MPI.Query_thread() == MPI.THREAD_MULTIPLE
    except Exception:  # noqa: BLE001 (no MPI: a world of one, nothing to progress)
        return False


class _Poller:
    """While buckets are in flight during backward, a helper thread calls ``MPI_Test`` on them
    every ``interval`` seconds (sleeping in between), so the all-reduces progress while the
    main thread computes gradients in BLAS (which releases the GIL). ``start`` (at a bucket's
    launch) sets it polling, ``stop`` (before the final wait) parks it; every MPI call of the
    main thread while it may poll holds ``lock``, and the thread polls only under ``lock``
    after checking that it is still wanted, so once ``stop`` returns it makes no MPI call.

    The thread lives as long as the DDP module and is parked on an Event between backward
    passes (no CPU), instead of one thread started and joined per backward: starting a thread
    waits until the new thread runs, which on a loaded machine delayed every step by a
    scheduler slice. A wake is a bare ``time.sleep`` and a flag check (``Event.wait`` with a
    timeout builds a lock and a condition per call: about twice the CPU per wake)."""

    def __init__(self, ddp, interval=None):
        self.ddp = weakref.ref(ddp)
        if interval is None:
            interval = float(os.environ.get("GRADKIT_DDP_POLL_US", _POLL_US)) * 1e-6
        self.interval = interval
        self.lock = threading.Lock()
        self.go = threading.Event()
        self.active = False
        self.closed = False
        self.thread = None
        weakref.finalize(ddp, self.close)

    def start(self):
        if self.active:
            return
        with self.lock:
            self.active = True
        self.go.set()
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="gradkit-ddp-progress",
                                           daemon=True)
            self.thread.start()

    def _run(self):
        sleep, lock, go = time.sleep, self.lock, self.go
        while not self.closed:
            go.wait()
            while True:
                sleep(self.interval)
                with lock:
                    if not self.active:
                        break
                    ddp = self.ddp()
                    if ddp is None:
                        return
                    ddp._progress()
                    del ddp

    def stop(self):
        if self.active:
            with self.lock:
                self.active = False
                self.go.clear()

    def close(self):
        self.closed = True
        self.active = False
        self.go.set()


class GradBucket:
    """One bucket of gradients as a communication hook sees it (PyTorch's ``dist.GradBucket``).

    ``buffer()`` is the flat 1-D tensor of the bucket's gradients (the hook may modify it in
    place), ``gradients()`` are views of it shaped as the parameters, ``parameters()`` the
    parameters, ``index()`` the bucket's position, ``is_last()`` whether it is the last bucket
    to be reduced this iteration (the first to be allocated in PyTorch's order)."""

    def __init__(self, index, buffer, params, offsets, is_last):
        self._index = index
        self._buffer = buffer
        self._params = params
        self._offsets = offsets
        self._is_last = is_last

    def index(self) -> int:
        return self._index

    def buffer(self):
        return self._buffer

    def set_buffer(self, buffer) -> None:
        self._buffer = buffer

    def gradients(self):
        data = self._buffer._data
        return [wrap(data[lo:hi].reshape(p._data.shape))
                for p, (lo, hi) in zip(self._params, self._offsets)]

    def parameters(self):
        return list(self._params)

    def is_last(self) -> bool:
        return self._is_last


class _Bucket:
    __slots__ = ("index", "params", "names", "offsets", "flat", "views", "pending", "ready",
                 "future", "work", "started", "position", "arrived", "copied", "sent", "parts",
                 "prior", "copy_back", "checked")

    def __init__(self, index, params, names, dtype):
        self.index = index
        self.params = params
        self.names = names
        self.offsets = []
        n = 0
        for p in params:
            self.offsets.append((n, n + p._data.size))
            n += p._data.size
        self.allocate(n, dtype)
        self.position = {id(p): i for i, p in enumerate(params)}
        self.pending = len(params)
        self.ready = False
        self.future = None
        self.reset()

    def allocate(self, n, dtype):
        self.flat = np.empty(n, dtype=dtype)
        # each parameter's gradient shaped as the parameter, a view of ``flat``: what the
        # parameter's ``.grad`` holds after a synchronised backward (see ``_fill``)
        self.views = [self.flat[lo:hi].reshape(p._data.shape)
                      for p, (lo, hi) in zip(self.params, self.offsets)]

    def held_elsewhere(self):
        """Whether anything but this bucket and the parameters' ``.grad`` holds the bucket's
        memory: a gradient of an earlier step that the program kept (``g = p.grad``, then
        ``zero_grad()``), a slice or reshape of one. Counted with CPython's reference counts:
        ``flat`` is held by ``self.flat`` and by each view's base; each view by ``self.views``
        and by the ``.grad`` tensor of its parameter when that still holds it (anything else
        must not change when this step's gradients arrive)."""
        views, prior = self.views, self.prior
        if sys.getrefcount(self.flat) != 2 + len(views):
            return True
        for i, p in enumerate(self.params):
            # views[i] is held by the list (and getrefcount's argument), by .grad's tensor if
            # it is the view, and by the tensor .grad held at forward if that is another one
            g = p.grad
            refs = 2 + (g is not None and g._data is views[i])
            if prior[i] is not None and prior[i] is not g and prior[i]._data is views[i]:
                if sys.getrefcount(prior[i]) != 2:  # that tensor is held by the program
                    return True
                refs += 1
            if sys.getrefcount(views[i]) != refs:
                return True
        return False

    def reset(self):
        self.checked = False  # held_elsewhere() looked at once per synchronised backward
        # the .grad tensors that exist before backward (ids): the program may hold them, so
        # their values are written back into them; fresh ones are replaced by bucket views
        self.prior = [p.grad for p in self.params]
        self.copy_back = []
        self.arrived = [False] * len(self.params)
        self.copied = 0  # the leading parameters whose gradients are in ``flat``
        self.sent = 0  # the leading elements of ``flat`` whose all-reduce has started
        self.parts = []  # the Futures of those all-reduces (the default reduction only)
        self.work = None
        self.started = 0.0

    def advance(self):
        """Count the leading parameters whose gradients are in ``flat`` (in the bucket's
        order): the part of ``flat`` that may be all-reduced ahead of the rest."""
        while self.copied < len(self.params) and self.arrived[self.copied]:
            self.copied += 1

    def describe(self, total):
        names = ", ".join(self.names[:3]) + (", ..." if len(self.names) > 3 else "")
        return (f"DDP gradient bucket {self.index} of {total} ({self.flat.nbytes / 1e6:.3g} MB, "
                f"{len(self.params)} parameters: {names})")


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training over ``gradkit.distributed`` (MPI).

    Args:
        module: the model; identical architecture on every rank.
        broadcast_buffers: broadcast rank 0's buffers (e.g. BatchNorm running statistics) at
            every forward, as PyTorch does.
        bucket_cap_mb: bucket size for gradient all-reduces (the first bucket is at most 1 MB).
        find_unused_parameters: walk the output's graph after each forward and treat parameters
            it does not reach as having zero gradient (otherwise every parameter that requires
            grad must receive one in every synchronised backward).
        gradient_as_bucket_view: make every parameter's ``.grad`` a view of its bucket's flat
            buffer after a synchronised backward (and at construction for gradients that
            exist), so gradients are not copied into the buckets and back: backward
            accumulates into the views while ``.grad`` is kept (``zero_grad(set_to_none=
            False)``); after ``zero_grad()`` (``set_to_none=True``) the new gradient is copied
            in once and ``.grad`` is the view again. Saves the gradients' size in memory.
            ``.grad`` then changes in place at every synchronised backward: clone it to keep
            it. Without it (the default) gradients are bucket views too wherever that cannot
            be told apart from separate gradients: the ``.grad`` tensors made by a
            synchronised backward become views (so nothing is copied back), ``.grad`` tensors
            that existed before it get the averaged values written into them, and a gradient
            kept from an earlier step never changes (``buckets_moved`` counts the times a
            bucket moved to fresh memory for that).

    Examples:
        >>> dist.init_process_group("gloo")
        >>> model = DistributedDataParallel(Net())
        >>> loss_fn(model(x_shard), y_shard).backward()   # gradients are averaged here
        >>> optimizer.step()

    Differences from PyTorch: CPU tensors only (MPI buffers); ``device_ids`` and
    ``output_device`` are accepted and ignored.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, init_sync=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None,
                 mixed_precision=None, device_mesh=None):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(
                f"DistributedDataParallel expects a gradkit.nn.Module, got {type(module).__name__}"
            )
        if not dist.is_initialized():
            raise RuntimeError(
                "DistributedDataParallel needs the default process group: call "
                "gradkit.distributed.init_process_group('gloo') first"
            )
        if bucket_cap_mb is None:
            bucket_cap_mb = 25
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.gradient_as_bucket_view = bool(gradient_as_bucket_view)
        self.bucket_bytes_cap = int(bucket_cap_mb * 1024 * 1024)
        self._world = dist.get_world_size()
        self._inv_world = 1.0 / self._world
        self._named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        self._comm_state = None
        self._comm_hook = None
        self._check_same_shapes(module)
        if init_sync:
            self._broadcast_state(module)
        self._buckets = []
        self._bucket_of = {}
        self._arrival = []  # parameter indices in the order their gradients arrived
        self._rebuilt = False
        self.comm_wait_s = 0.0  # seconds backward spent waiting for the last all-reduces
        self.parts_started = 0  # all-reduces of the first part of a bucket (see _launch_part)
        self.buckets_moved = 0  # buckets moved to fresh memory: the program held the old one
        # how started all-reduces progress during backward: "thread" (a polling helper
        # thread, needs MPI_THREAD_MULTIPLE) or "hooks" (MPI_Test from the gradient hooks only)
        mode = os.environ.get("GRADKIT_DDP_PROGRESS", "thread")
        self._poller = (_Poller(self) if mode == "thread" and self._world > 1
                        and _mpi_thread_multiple() else None)
        if self._world > 1:
            order = list(range(len(self._named)))[::-1]
            self._build_buckets(order, min(_DEFAULT_FIRST_BUCKET_BYTES, self.bucket_bytes_cap))
            self._index_of = {id(p): i for i, (_, p) in enumerate(self._named)}
            for _, p in self._named:
                p.register_post_accumulate_grad_hook(self._on_grad_ready)
            if self.gradient_as_bucket_view:  # gradients that exist already become views
                for b in self._buckets:
                    for p, view in zip(b.params, b.views):
                        if p.grad is not None:
                            view[...] = p.grad._data
                            p.grad = wrap(view)
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

    def _build_buckets(self, order, first_cap):
        """Buckets over the parameters ``order`` (indices into the named parameters), the first
        capped at ``first_cap`` bytes, the others at ``bucket_bytes_cap``."""
        self._buckets = []
        current, names, size, dtype = [], [], 0, None
        cap = first_cap

        def close():
            self._buckets.append(_Bucket(len(self._buckets), current, names, dtype))

        for i in order:
            n, p = self._named[i]
            nbytes = p._data.nbytes
            if current and (size + nbytes > cap or p.dtype != dtype):
                close()
                current, names, size = [], [], 0
                cap = self.bucket_bytes_cap
            current.append(p)
            names.append(n)
            size += nbytes
            dtype = p.dtype
        if current:
            close()
        self._bucket_of = {}
        for b in self._buckets:
            for p in b.params:
                self._bucket_of[id(p)] = b.index

    def _rebuild_buckets(self):
        """Rebuild the buckets in the order gradients arrived in the first backward (rank 0's
        order for every rank), as PyTorch's Reducer does after its first iteration."""
        self._rebuilt = True
        seen = list(dict.fromkeys(self._arrival))
        order = seen + [i for i in reversed(range(len(self._named))) if i not in set(seen)]
        box = [order]
        dist.broadcast_object_list(box, src=0)
        order = box[0]
        current = [self._index_of[id(p)] for b in self._buckets for p in b.params]
        if order != current:
            self._build_buckets(order, min(_DEFAULT_FIRST_BUCKET_BYTES, self.bucket_bytes_cap))

    # ------------------------------------------------------------------ communication hooks
    def register_comm_hook(self, state, hook):
        """Reduce each bucket with ``hook(state, bucket) -> Future`` instead of the default
        all-reduce (PyTorch's ``register_comm_hook``).

        ``bucket`` is a :class:`GradBucket`; the Future's value is the reduced flat tensor (the
        average of the bucket over the ranks) that DDP writes back into the gradients. The hooks
        of :mod:`gradkit.distributed.algorithms.ddp_comm_hooks` (allreduce, fp16 and bf16
        compression, PowerSGD) are ready-made ones. Register once, before the first backward.
        """
        if self._comm_hook is not None:
            raise RuntimeError("register_comm_hook can only be called once.")
        if not callable(hook):
            raise TypeError(f"register_comm_hook: hook must be callable, got {hook!r}")
        self._comm_state = state
        self._comm_hook = hook

    def _register_builtin_comm_hook(self, comm_hook_type):
        raise NotImplementedError(
            "DistributedDataParallel: built-in C++ hooks are not available; register "
            "gradkit.distributed.algorithms.ddp_comm_hooks.default_hooks.allreduce_hook or "
            "fp16_compress_hook with register_comm_hook")

    # ------------------------------------------------------------------ forward / backward
    def forward(self, *inputs, **kwargs):
        if self._world > 1:
            if any(b.future is not None or 0 < b.pending < len(b.params)
                   for b in self._buckets) and self.require_backward_grad_sync:
                unfinished = [p for b in self._buckets if 0 < b.pending < len(b.params)
                              for p in b.params if p.grad is None]
                raise RuntimeError(
                    "DistributedDataParallel: the previous backward did not produce gradients "
                    f"for every parameter ({len(unfinished)} without one), so they were not "
                    "averaged across ranks. Pass find_unused_parameters=True if some parameters "
                    "are not used in every forward."
                )
            if not self._rebuilt and self._arrival and self.require_backward_grad_sync:
                self._rebuild_buckets()
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
            b.future = None
            b.reset()
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
            for i, p in enumerate(b.params):
                if id(p) not in reached:
                    if p.grad is None:
                        if self.gradient_as_bucket_view:
                            b.views[i].fill(0)
                            p.grad = wrap(b.views[i])
                        else:
                            p.grad = wrap(np.zeros_like(p._data))
                    self._fill(b, i, p)
                    b.pending -= 1
            if b.pending == 0:
                b.ready = True

    def _on_grad_ready(self, p):
        if not self.require_backward_grad_sync:
            return
        if not self._rebuilt:
            self._arrival.append(self._index_of[id(p)])
        b = self._buckets[self._bucket_of[id(p)]]
        self._fill(b, b.position[id(p)], p)
        b.pending -= 1
        if b.pending == 0:
            b.ready = True
            self._launch_ready()
            return
        if self._comm_hook is None and b.index == self._next_launch:
            self._launch_part(b)
        if self._poller is None:
            self._progress()

    def _fill(self, b, i, p):
        """Put parameter ``i`` of bucket ``b``'s gradient into the bucket as it arrives:
        without a hook already divided by the world size (one pass: the all-reduce then sums),
        for a hook as it is. A gradient that is the bucket's view already (``.grad`` kept by
        ``zero_grad(set_to_none=False)``) is not copied: backward accumulated into it.

        Otherwise the gradient is copied in, and ``.grad`` becomes the bucket's view (so no
        copy comes back after the all-reduce) with gradient_as_bucket_view=True always, as
        PyTorch's reducer does, and by default when nothing can tell the difference: the
        gradient tensor was made by this backward (not one that existed before it, which the
        program may hold: its values are written back into it after the all-reduce, as
        PyTorch's default does), and nothing outside holds the bucket's memory (a gradient of
        an earlier step kept by the program: then the bucket moves to fresh memory and the
        kept gradient stays as it was)."""
        if not b.checked:  # the bucket's first gradient this backward
            b.checked = True
            if not self.gradient_as_bucket_view and b.held_elsewhere():
                b.allocate(b.flat.size, b.flat.dtype)
                self.buckets_moved += 1
        view = b.views[i]
        g = p.grad._data
        scale = None if self._comm_hook is not None else self._inv_world
        if g is view:
            if scale is not None:
                view *= scale
            b.arrived[i] = True
            return
        as_view = self.gradient_as_bucket_view or p.grad is not b.prior[i]
        if scale is not None:
            np.multiply(g, scale, out=view)
        else:
            np.copyto(view, g)
        if as_view:
            p.grad = wrap(view)
        else:
            b.copy_back.append(i)
        b.arrived[i] = True

    def _launch_part(self, b):
        """Without a communication hook, start the all-reduce of the gradients of the bucket
        that arrived (in the bucket's order) once they reach ``_PART_BYTES``, before the rest
        of the bucket: the all-reduce of a large bucket then overlaps the backward of its last
        layers (the result is the same: an all-reduce is elementwise). Every rank makes the
        same choice: gradients arrive in the same order everywhere."""
        b.advance()
        end = b.offsets[b.copied - 1][1] if b.copied else 0
        if (end - b.sent) * b.flat.itemsize < _PART_BYTES:
            return
        if self._poller is None:
            self._start_part(b, end)
        else:
            with self._poller.lock:
                self._start_part(b, end)
            self._poller.start()

    def _start_part(self, b, end):
        _coll._context[0] = b.describe(len(self._buckets)) + \
            f", elements {b.sent}-{end} of {b.flat.size}"
        try:
            b.parts.append(dist.all_reduce(wrap(b.flat[b.sent:end]), op=dist.ReduceOp.SUM,
                                           async_op=True).get_future())
        finally:
            _coll._context[0] = ""
        b.sent = end
        self.parts_started += 1

    def _progress(self):
        """Let MPI move the started all-reduces (``MPI_Test`` on each outstanding one)."""
        for b in self._buckets[:self._next_launch + 1]:
            if b.future is not None:
                b.future.done()
            for part in b.parts:
                part.done()

    def _launch_ready(self):
        if self._poller is None:
            self._launch_ready_locked()
        else:
            with self._poller.lock:
                self._launch_ready_locked()
            if self._next_launch < len(self._buckets):
                self._poller.start()
        if self._next_launch == len(self._buckets):
            if self._poller is not None:
                self._poller.stop()
            self._finish()

    def _launch_ready_locked(self):
        buckets = self._buckets
        total = len(buckets)
        while self._next_launch < total and buckets[self._next_launch].ready:
            b = buckets[self._next_launch]
            flat = b.flat
            _coll._context[0] = b.describe(total)
            try:
                if self._comm_hook is None:
                    if b.sent:  # the rest of a bucket whose first part is on its way
                        _coll._context[0] += f", elements {b.sent}-{flat.size} of {flat.size}"
                    buf = wrap(flat[b.sent:])
                    # the gradients were divided by the world size as they were copied in
                    b.future = dist.all_reduce(buf, op=dist.ReduceOp.SUM,
                                               async_op=True).get_future()
                else:
                    bucket = GradBucket(b.index, wrap(flat), b.params, b.offsets,
                                        b.index == total - 1)
                    b.future = self._comm_hook(self._comm_state, bucket)
                    if not hasattr(b.future, "wait"):
                        raise TypeError(
                            f"DistributedDataParallel: the communication hook must return a "
                            f"Future (e.g. dist.all_reduce(..., async_op=True).get_future()), "
                            f"got {type(b.future).__name__}")
            finally:
                _coll._context[0] = ""
            self._next_launch += 1
        self._progress()

    def _finish(self):
        t0 = time.perf_counter()
        total = len(self._buckets)
        for b in self._buckets:
            _coll._context[0] = b.describe(total)
            try:
                for part in b.parts:
                    part.wait()
                value = b.future.wait()
            finally:
                _coll._context[0] = ""
            b.future = None
            flat = b.flat
            if self._comm_hook is None:
                result = flat
            else:
                if isinstance(value, (list, tuple)):
                    value = value[0]
                result = value._data if hasattr(value, "_data") else np.asarray(value)
                if result.size != flat.size:
                    raise RuntimeError(
                        f"DistributedDataParallel: the communication hook returned "
                        f"{result.size} elements for bucket {b.index} of {flat.size}")
                result = result.reshape(-1)
            if result is not flat and not (result.ctypes.data == flat.ctypes.data
                                           and result.strides == flat.strides):
                np.copyto(flat, result)
            for i in b.copy_back:  # gradients that existed before backward: written back
                b.params[i].grad._data[...] = b.views[i]
            for p, view in zip(b.params, b.views):
                if self.gradient_as_bucket_view and p.grad._data is not view:
                    p.grad = wrap(view)
                p.grad._vc[0] += 1
            b.prior = [None] * len(b.params)  # not kept alive until the next forward
        self.comm_wait_s += time.perf_counter() - t0
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
