"""Collectives (``all_reduce``, ``broadcast``, ...) over the default process group, with deadlines.

Collectives work in place on a tensor's contiguous buffer with mpi4py's buffer (upper-case) API:
no pickling on the hot path. Every one of them is started as MPI's non-blocking variant and
completed by polling ``Test`` against the process group's timeout, so a collective that some rank
never joins raises :class:`~gradkit.distributed.DistBackendError` (naming the operation and the
ranks that did not answer) instead of waiting forever. In a world of size 1 every collective is a
cheap no-op (or a copy), so one script runs both ways.

``async_op=True`` returns a :class:`Work`; its ``get_future()`` gives a :class:`Future`
(``wait``, ``value``, ``then``, ``done``) as ``torch.futures.Future`` does, which is what DDP
communication hooks return.
"""

from __future__ import annotations

import enum
import pickle
import time

import numpy as np

from .process_group import _W, _announce, _check, _wait

__all__ = ["Future", "ReduceOp", "Work", "all_gather", "all_gather_into_tensor",
           "all_gather_object", "all_reduce", "barrier", "broadcast", "broadcast_object_list",
           "gather_object", "reduce", "reduce_scatter", "reduce_scatter_tensor"]


class _RedOpType(str, enum.Enum):
    """The type of each ``ReduceOp`` member, ``torch.distributed.ReduceOp.RedOpType``: code
    annotates and checks with it (``isinstance(op, ReduceOp.RedOpType)``). Each member is also
    its lower-case name as a string, so ``"sum"`` is accepted wherever ``ReduceOp.SUM`` is."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"

    __str__ = enum.Enum.__str__
    __format__ = enum.Enum.__format__


class ReduceOp:
    """Reduction operations for ``all_reduce``/``reduce``/``reduce_scatter``."""

    RedOpType = _RedOpType
    SUM = _RedOpType.SUM
    AVG = _RedOpType.AVG
    MAX = _RedOpType.MAX
    MIN = _RedOpType.MIN
    PRODUCT = _RedOpType.PRODUCT
    BAND = _RedOpType.BAND
    BOR = _RedOpType.BOR
    BXOR = _RedOpType.BXOR


_RedOpType.__name__, _RedOpType.__qualname__ = "RedOpType", "ReduceOp.RedOpType"


_OPS = (ReduceOp.SUM, ReduceOp.AVG, ReduceOp.MAX, ReduceOp.MIN, ReduceOp.PRODUCT,
        ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR)
_BITWISE = (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR)

# what the operation being started belongs to ("DDP gradient bucket 2 of 4 (...)"), set by
# DistributedDataParallel around its communication hook so that a timeout names the bucket
_context = [""]


class Work:
    """Handle for an asynchronous collective: ``wait()`` blocks (up to the process group's
    timeout) until it is done; ``is_completed()`` tests without blocking and drives progress."""

    def __init__(self, request=None, finish=None, what="", seq=0, result=None):
        self._req = request
        self._finish = finish
        self._done = request is None
        self._what = what
        self._seq = seq
        self._started = time.monotonic()
        self._result = result if result is not None else []

    def _complete(self):
        self._done = True
        self._req = None
        if self._finish is not None:
            self._finish()
            self._finish = None

    def wait(self, timeout=None) -> bool:
        if not self._done:
            limit = _W.timeout if timeout is None else _seconds(timeout)
            _wait(self._req, self._what, self._seq, self._started, self._started + limit)
            self._complete()
        return True

    def is_completed(self) -> bool:
        if not self._done and self._req.Test():
            self._complete()
        return self._done

    test = is_completed

    def is_success(self) -> bool:
        return self.is_completed()

    def result(self):
        return self._result

    def get_future(self) -> Future:
        return Future(work=self)


def _seconds(timeout) -> float:
    return timeout.total_seconds() if hasattr(timeout, "total_seconds") else float(timeout)


_UNSET = object()


class Future:
    """A value that becomes available later, as ``torch.futures.Future``.

    ``wait()`` returns the value (completing the collective behind it, then running any
    ``then`` callbacks in order); ``then(fn)`` returns a new Future whose value is ``fn(self)``;
    ``set_result`` completes a Future made with ``Future()``. Callbacks run when the value is
    first needed, in the thread that waits (there is no background thread)."""

    def __init__(self, *, work=None, parent=None, callback=None, devices=None):
        self._work = work
        self._parent = parent
        self._callback = callback
        self._value = _UNSET

    def done(self) -> bool:
        if self._value is not _UNSET:
            return True
        if self._parent is not None:
            return self._parent.done()
        if self._work is not None:
            return self._work.is_completed()
        return False

    def wait(self):
        if self._value is _UNSET:
            if self._parent is not None:
                self._parent.wait()
                self._value = self._callback(self._parent)
            elif self._work is not None:
                self._work.wait()
                self._value = self._work.result()
            else:
                raise RuntimeError("Future.wait: this Future has no value yet; complete it with "
                                   "set_result() first")
        return self._value

    def value(self):
        return self.wait()

    def then(self, callback) -> Future:
        return Future(parent=self, callback=callback)

    def set_result(self, result) -> None:
        if self._value is not _UNSET:
            raise RuntimeError("Future.set_result: the Future is already completed")
        self._value = result


def _check_op(op):
    if op not in _OPS:
        raise ValueError(
            f"unknown reduce op {op!r}; use one of gradkit.distributed.ReduceOp.SUM, AVG, MAX, "
            f"MIN, PRODUCT, BAND, BOR, BXOR"
        )


def _check_bitwise(op, tensor, name):
    """PyTorch reduces with BAND/BOR/BXOR only integer and bool tensors."""
    if op in _BITWISE and (tensor.dtype.is_floating_point or tensor.dtype.is_complex):
        raise RuntimeError(
            f"{name}: Cannot use ReduceOp.{op.upper()} with non-integral dtype {tensor.dtype}; "
            f"bitwise reductions take integer or bool tensors (convert with .to(torch.int64))"
        )


def _mpi_op(op, dtype=None):
    from mpi4py import MPI

    _check_op(op)
    if dtype == np.bool_:  # MPI defines only the logical operations on booleans
        logical = {ReduceOp.BAND: MPI.LAND, ReduceOp.BOR: MPI.LOR, ReduceOp.BXOR: MPI.LXOR}
        if op in logical:
            return logical[op]
    table = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.MAX: MPI.MAX,
             ReduceOp.MIN: MPI.MIN, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.BAND: MPI.BAND,
             ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}
    return table[op]


def _check_rank(rank, name, what):
    if not isinstance(rank, int) or not 0 <= rank < _W.size:
        raise ValueError(
            f"{name}: {what}={rank!r} is not a rank of this world (ranks 0..{_W.size - 1})"
        )


def _host_buffer(tensor, name):
    arr = tensor._data
    if type(arr) is not np.ndarray:
        raise RuntimeError(
            f"{name}: MPI collectives take CPU tensors; got one on {tensor.device}. Move it with "
            f".cpu() first."
        )
    if not arr.flags.c_contiguous:
        raise RuntimeError(f"{name}: the tensor must be contiguous (call .contiguous() first)")
    return arr


def _check_per_rank(items, name, what):
    if len(items) != _W.size:
        raise ValueError(
            f"{name}: {what} has {len(items)} entries but the world has {_W.size} ranks"
        )


def _describe(name, arr=None):
    what = name
    if arr is not None:
        what += f" of {arr.size} {arr.dtype} elements ({arr.nbytes / 1e6:.3g} MB)"
    if _context[0]:
        what += f" for {_context[0]}"
    return what


def _start(name, arr, start, finish=None, result=None):
    """Announce, start the non-blocking MPI call ``start()``, and wrap it in a Work."""
    seq = _announce()
    what = _describe(name, arr)
    work = Work(None, None, what, seq, result)
    work._req = start()
    work._done = False
    work._finish = finish
    return work


def _done(async_op, work):
    if async_op:
        return work
    work.wait()
    return None


def _bump(*tensors):
    def finish():
        for t in tensors:
            t._vc[0] += 1
    return finish


def _written_locally(tensor, async_op):
    """The result of a collective that a world of one did by copying into ``tensor``."""
    tensor._vc[0] += 1
    return Work(result=[tensor]) if async_op else None


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` across all ranks, in place (SUM, AVG, MAX, MIN, PRODUCT, and BAND,
    BOR, BXOR of integer and bool tensors)."""
    _check()
    _check_op(op)
    _check_bitwise(op, tensor, "all_reduce")
    if _W.comm is None:
        return Work(result=[tensor]) if async_op else None
    from mpi4py import MPI

    arr = _host_buffer(tensor, "all_reduce")

    def finish():
        if op == ReduceOp.AVG:
            arr[...] /= _W.size
        tensor._vc[0] += 1

    work = _start(f"all_reduce({op.upper()})", arr,
                  lambda: _W.comm.Iallreduce(MPI.IN_PLACE, arr, op=_mpi_op(op, arr.dtype)), finish,
                  [tensor])
    return _done(async_op, work)


def broadcast(tensor, src=0, group=None, async_op=False, group_src=None):
    """Copy rank ``src``'s ``tensor`` into every rank's ``tensor``, in place."""
    _check()
    _check_rank(src, "broadcast", "src")
    if _W.comm is None:
        return Work(result=[tensor]) if async_op else None
    arr = _host_buffer(tensor, "broadcast")
    work = _start(f"broadcast(src={src})", arr, lambda: _W.comm.Ibcast(arr, root=src),
                  _bump(tensor), [tensor])
    return _done(async_op, work)


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank has reached the barrier."""
    _check()
    if _W.comm is None:
        return Work() if async_op else None
    return _done(async_op, _start("barrier", None, _W.comm.Ibarrier))


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill ``tensor_list[r]`` with rank r's ``tensor`` on every rank."""
    _check()
    _check_per_rank(tensor_list, "all_gather", "tensor_list")
    src = _host_buffer(tensor, "all_gather")
    if _W.comm is None:
        tensor_list[0]._data[...] = src
        tensor_list[0]._vc[0] += 1
        return Work(result=tensor_list) if async_op else None
    out = np.empty((_W.size,) + src.shape, dtype=src.dtype)

    def finish():
        for r, t in enumerate(tensor_list):
            t._data[...] = out[r]
            t._vc[0] += 1

    work = _start("all_gather", src, lambda: _W.comm.Iallgather(src, out), finish, tensor_list)
    return _done(async_op, work)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Concatenate every rank's ``input_tensor`` along dim 0 into ``output_tensor``."""
    _check()
    src = _host_buffer(input_tensor, "all_gather_into_tensor")
    dst = _host_buffer(output_tensor, "all_gather_into_tensor")
    if dst.size != src.size * _W.size:
        raise ValueError(
            f"all_gather_into_tensor: output has {dst.size} elements, expected world_size * "
            f"input = {_W.size * src.size}"
        )
    if _W.comm is None:
        dst.reshape(-1)[...] = src.reshape(-1)
        return _written_locally(output_tensor, async_op)
    work = _start("all_gather_into_tensor", src, lambda: _W.comm.Iallgather(src, dst),
                  _bump(output_tensor), [output_tensor])
    return _done(async_op, work)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input_list`` elementwise across ranks; rank r receives the r-th piece."""
    _check()
    _check_op(op)
    _check_bitwise(op, output, "reduce_scatter")
    _check_per_rank(input_list, "reduce_scatter", "input_list")
    dst = _host_buffer(output, "reduce_scatter")
    if _W.comm is None:
        dst[...] = input_list[0]._data
        return _written_locally(output, async_op)
    send = np.ascontiguousarray(np.stack([t._data for t in input_list]))
    return _reduce_scatter(dst, send, op, output, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input`` (world_size pieces along dim 0) across ranks; rank r keeps piece r."""
    _check()
    _check_op(op)
    _check_bitwise(op, output, "reduce_scatter_tensor")
    dst = _host_buffer(output, "reduce_scatter_tensor")
    send = _host_buffer(input, "reduce_scatter_tensor")
    if send.size != dst.size * _W.size:
        raise ValueError(
            f"reduce_scatter_tensor: input has {send.size} elements, expected world_size * "
            f"output = {_W.size * dst.size}"
        )
    if _W.comm is None:
        dst.reshape(-1)[...] = send.reshape(-1)
        return _written_locally(output, async_op)
    return _reduce_scatter(dst, send, op, output, async_op)


def _reduce_scatter(dst, send, op, output, async_op):
    def finish():
        if op == ReduceOp.AVG:
            dst[...] /= _W.size
        output._vc[0] += 1

    work = _start(f"reduce_scatter({op.upper()})", send,
                  lambda: _W.comm.Ireduce_scatter_block(send, dst, op=_mpi_op(op, send.dtype)),
                  finish, [output])
    return _done(async_op, work)


def reduce(tensor, dst=0, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce onto rank ``dst`` only (in place there)."""
    _check()
    _check_op(op)
    _check_bitwise(op, tensor, "reduce")
    _check_rank(dst, "reduce", "dst")
    if _W.comm is None:
        return Work(result=[tensor]) if async_op else None
    from mpi4py import MPI

    arr = _host_buffer(tensor, "reduce")
    if _W.rank == dst:
        def finish():
            if op == ReduceOp.AVG:
                arr[...] /= _W.size
            tensor._vc[0] += 1

        def start():
            return _W.comm.Ireduce(MPI.IN_PLACE, arr, op=_mpi_op(op, arr.dtype), root=dst)
    else:
        finish = None

        def start():
            return _W.comm.Ireduce(arr, None, op=_mpi_op(op, arr.dtype), root=dst)
    work = _start(f"reduce({op.upper()}, dst={dst})", arr, start, finish, [tensor])
    return _done(async_op, work)


# ---------------------------------------------------------------------- small Python objects
def _gather_bytes(payload: bytes, name: str) -> list[bytes]:
    """Every rank's ``payload`` (two non-blocking all-gathers: the lengths, then the bytes)."""
    mine = np.frombuffer(payload, dtype=np.uint8)
    sizes = np.zeros(_W.size, dtype=np.int64)
    n = np.array([mine.size], dtype=np.int64)
    _start(f"{name} (sizes)", n, lambda: _W.comm.Iallgather(n, sizes)).wait()
    out = np.empty(int(sizes.sum()), dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    counts = [int(c) for c in sizes]
    _start(name, mine, lambda: _W.comm.Iallgatherv(
        mine, [out, counts, [int(o) for o in offsets], None])).wait()
    return [out[o:o + c].tobytes() for o, c in zip(offsets, counts)]


def all_gather_object(object_list, obj, group=None):
    """Gather a small picklable object from every rank (not for the hot path)."""
    _check()
    _check_per_rank(object_list, "all_gather_object", "object_list")
    if _W.comm is None:
        object_list[0] = obj
        return
    for r, data in enumerate(_gather_bytes(pickle.dumps(obj), "all_gather_object")):
        object_list[r] = pickle.loads(data)


def gather_object(obj, object_gather_list=None, dst=0, group=None):
    """Gather a small picklable object from every rank onto rank ``dst``."""
    _check()
    _check_rank(dst, "gather_object", "dst")
    if _W.comm is None:
        object_gather_list[0] = obj
        return
    got = _gather_bytes(pickle.dumps(obj), "gather_object")
    if _W.rank == dst:
        _check_per_rank(object_gather_list, "gather_object", "object_gather_list")
        for r, data in enumerate(got):
            object_gather_list[r] = pickle.loads(data)


def broadcast_object_list(object_list, src=0, group=None, device=None):
    """Replace ``object_list``'s items on every rank with rank ``src``'s (pickled)."""
    _check()
    _check_rank(src, "broadcast_object_list", "src")
    if _W.comm is None:
        return
    payload = pickle.dumps(list(object_list)) if _W.rank == src else b""
    n = np.array([len(payload)], dtype=np.int64)
    _start("broadcast_object_list (size)", n, lambda: _W.comm.Ibcast(n, root=src)).wait()
    buf = np.empty(int(n[0]), dtype=np.uint8)
    if _W.rank == src:
        buf[...] = np.frombuffer(payload, dtype=np.uint8)
    _start("broadcast_object_list", buf, lambda: _W.comm.Ibcast(buf, root=src)).wait()
    object_list[:] = pickle.loads(buf.tobytes())
