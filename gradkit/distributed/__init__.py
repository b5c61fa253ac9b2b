"""Data-parallel training across processes and machines over MPI (``torch.distributed``'s names).

Launch a script under MPI and every process joins one world::

    mpiexec -n 4 python train.py            # one machine, 4 processes
    mpiexec -n 8 -f hosts python train.py   # across machines listed in a hostfile

In the script::

    import gradkit.distributed as dist
    dist.init_process_group("mpi")          # also works without MPI: a world of size 1
    rank, world = dist.get_rank(), dist.get_world_size()

Collectives work in place on a tensor's contiguous buffer with mpi4py's buffer (upper-case) API:
no pickling on the hot path. A single process without MPI is a valid world of size 1 in which
every collective is a cheap no-op, so one script runs both ways. When the world has more than
one process, an uncaught exception on any rank aborts the whole job (``MPI_Abort``) instead of
leaving the other ranks waiting forever in a collective.
"""

from __future__ import annotations

import os
import sys
import time
import traceback

import numpy as np

__all__ = [
    "ReduceOp", "Work", "init_process_group", "is_available", "is_initialized",
    "is_mpi_available", "get_rank", "get_world_size", "get_backend", "barrier", "all_reduce",
    "broadcast", "all_gather", "all_gather_into_tensor", "reduce_scatter", "reduce",
    "destroy_process_group", "all_gather_object", "broadcast_object_list",
]


class ReduceOp:
    """Reduction operations for ``all_reduce``/``reduce``/``reduce_scatter``."""

    SUM = "sum"
    AVG = "avg"
    MAX = "max"
    MIN = "min"
    PRODUCT = "product"


class _World:
    comm = None  # an mpi4py communicator, or None for the world of size 1
    rank = 0
    size = 1
    initialized = False
    backend = None
    prev_excepthook = None


_W = _World()


def is_available() -> bool:
    """Always True: a world of size 1 needs nothing; MPI worlds need mpi4py."""
    return True


def is_mpi_available() -> bool:
    try:
        import mpi4py  # noqa: F401

        return True
    except ImportError:
        return False


def _launched_under_mpi() -> bool:
    keys = ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS",
            "HYDRA_CONTROL_FD")
    return any(k in os.environ for k in keys)


def init_process_group(backend: str = "mpi", init_method=None, timeout=None, world_size=-1,
                       rank=-1, store=None, group_name="", pg_options=None) -> None:
    """Join the world of processes started by ``mpiexec`` (or a world of size 1 without MPI).

    Args:
        backend: ``"mpi"`` (the only backend; ``"gloo"`` is accepted as an alias so scripts
            written for PyTorch's CPU backend run unchanged).
        world_size, rank: if given, they must agree with what MPI reports.

    Raises:
        ValueError: for another backend, or a world_size/rank that contradicts MPI's.
        RuntimeError: when called twice, or launched under mpiexec without mpi4py installed.
    """
    if _W.initialized:
        raise RuntimeError("trying to initialize the default process group twice!")
    if backend not in ("mpi", "gloo", None):
        raise ValueError(
            f"init_process_group: backend {backend!r} is not supported; gradkit communicates "
            f"over MPI: use backend='mpi' and launch with mpiexec"
        )
    comm = None
    if is_mpi_available():
        from mpi4py import MPI

        comm = MPI.COMM_WORLD
    elif _launched_under_mpi():
        raise RuntimeError(
            "init_process_group: this process was started by mpiexec but mpi4py is not installed. "
            "Install it with `pip install gradkit[mpi]` (mpi4py and mpich from the package index "
            "need no system MPI)."
        )
    size = comm.Get_size() if comm is not None else 1
    r = comm.Get_rank() if comm is not None else 0
    if world_size not in (-1, None) and world_size != size:
        raise ValueError(
            f"init_process_group: world_size={world_size} but MPI started {size} processes; "
            f"launch with `mpiexec -n {world_size}` or omit world_size"
        )
    if rank not in (-1, None) and rank != r:
        raise ValueError(f"init_process_group: rank={rank} but MPI says this process is {r}")
    _W.comm = comm if size > 1 else None
    _W.rank, _W.size = r, size
    _W.initialized = True
    _W.backend = "mpi"
    if size > 1:
        _install_abort_hook()


def _install_abort_hook():
    """An uncaught exception on one rank aborts every rank (no one hangs in a collective)."""
    _W.prev_excepthook = sys.excepthook

    def hook(exc_type, exc, tb):
        sys.stderr.write(f"[rank {_W.rank}] uncaught exception; aborting the MPI job\n")
        traceback.print_exception(exc_type, exc, tb)
        _abort(1)

    sys.excepthook = hook


def _abort(code: int) -> None:
    """End every rank of the job with ``code``, after what this rank printed has gone out:
    mpiexec kills all ranks on Abort, and without a moment for its proxy to forward the last
    lines a rank's error message was lost (once in CI, the job ending with an empty stderr)."""
    sys.stdout.flush()
    sys.stderr.flush()
    time.sleep(0.2)
    _W.comm.Abort(code)


def destroy_process_group(group=None) -> None:
    """Leave the world (MPI itself is finalized when the process exits)."""
    if _W.prev_excepthook is not None:
        sys.excepthook = _W.prev_excepthook
        _W.prev_excepthook = None
    _W.comm = None
    _W.rank, _W.size = 0, 1
    _W.initialized = False
    _W.backend = None


def _check():
    if not _W.initialized:
        raise RuntimeError(
            "Default process group has not been initialized, please make sure to call "
            "gradkit.distributed.init_process_group()."
        )


def is_initialized() -> bool:
    return _W.initialized


def get_rank(group=None) -> int:
    _check()
    return _W.rank


def get_world_size(group=None) -> int:
    _check()
    return _W.size


def get_backend(group=None) -> str:
    _check()
    return _W.backend


def barrier(group=None, async_op=False, device_ids=None):
    _check()
    if _W.comm is not None:
        _W.comm.Barrier()


class Work:
    """Handle for an asynchronous collective: ``wait()`` blocks until it is done."""

    def __init__(self, request=None, finish=None):
        self._req = request
        self._finish = finish
        self._done = request is None

    def wait(self, timeout=None) -> bool:
        if not self._done:
            self._req.Wait()
            self._done = True
            if self._finish is not None:
                self._finish()
        return True

    def is_completed(self) -> bool:
        if not self._done and self._req.Test():
            self._done = True
            if self._finish is not None:
                self._finish()
        return self._done


_OPS = (ReduceOp.SUM, ReduceOp.AVG, ReduceOp.MAX, ReduceOp.MIN, ReduceOp.PRODUCT)


def _check_op(op):
    if op not in _OPS:
        raise ValueError(
            f"unknown reduce op {op!r}; use one of gradkit.distributed.ReduceOp.SUM, AVG, MAX, "
            f"MIN, PRODUCT"
        )


def _mpi_op(op):
    from mpi4py import MPI

    _check_op(op)
    table = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.MAX: MPI.MAX,
             ReduceOp.MIN: MPI.MIN, ReduceOp.PRODUCT: MPI.PROD}
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


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` across all ranks, in place (SUM, AVG, MAX, MIN, PRODUCT)."""
    _check()
    comm = _W.comm
    _check_op(op)
    if comm is None:
        return Work() if async_op else None
    from mpi4py import MPI

    arr = _host_buffer(tensor, "all_reduce")

    def finish():
        if op == ReduceOp.AVG:
            arr[...] /= _W.size
        tensor._vc[0] += 1

    if async_op:
        req = comm.Iallreduce(MPI.IN_PLACE, arr, op=_mpi_op(op))
        return Work(req, finish)
    comm.Allreduce(MPI.IN_PLACE, arr, op=_mpi_op(op))
    finish()
    return None


def broadcast(tensor, src=0, group=None, async_op=False):
    """Copy rank ``src``'s ``tensor`` into every rank's ``tensor``, in place."""
    _check()
    _check_rank(src, "broadcast", "src")
    if _W.comm is None:
        return Work() if async_op else None
    arr = _host_buffer(tensor, "broadcast")
    if async_op:
        return Work(_W.comm.Ibcast(arr, root=src))
    _W.comm.Bcast(arr, root=src)
    tensor._vc[0] += 1
    return None


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill ``tensor_list[r]`` with rank r's ``tensor`` on every rank."""
    _check()
    _check_per_rank(tensor_list, "all_gather", "tensor_list")
    src = _host_buffer(tensor, "all_gather")
    if _W.comm is None:
        tensor_list[0]._data[...] = src
        return Work() if async_op else None
    out = np.empty((_W.size,) + src.shape, dtype=src.dtype)
    _W.comm.Allgather(src, out)
    for r, t in enumerate(tensor_list):
        t._data[...] = out[r]
        t._vc[0] += 1
    return Work() if async_op else None


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
    else:
        _W.comm.Allgather(src, dst)
    output_tensor._vc[0] += 1
    return Work() if async_op else None


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input_list`` elementwise across ranks; rank r receives the r-th piece."""
    _check()
    _check_op(op)
    _check_per_rank(input_list, "reduce_scatter", "input_list")
    dst = _host_buffer(output, "reduce_scatter")
    if _W.comm is None:
        dst[...] = input_list[0]._data
    else:
        send = np.ascontiguousarray(np.stack([t._data for t in input_list]))
        _W.comm.Reduce_scatter_block(send, dst, op=_mpi_op(op))
        if op == ReduceOp.AVG:
            dst /= _W.size
    output._vc[0] += 1
    return Work() if async_op else None


def reduce(tensor, dst=0, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce onto rank ``dst`` only (in place there)."""
    _check()
    _check_op(op)
    _check_rank(dst, "reduce", "dst")
    if _W.comm is None:
        return Work() if async_op else None
    from mpi4py import MPI

    arr = _host_buffer(tensor, "reduce")
    if _W.rank == dst:
        _W.comm.Reduce(MPI.IN_PLACE, arr, op=_mpi_op(op), root=dst)
        if op == ReduceOp.AVG:
            arr /= _W.size
        tensor._vc[0] += 1
    else:
        _W.comm.Reduce(arr, None, op=_mpi_op(op), root=dst)
    return Work() if async_op else None


def all_gather_object(object_list, obj, group=None):
    """Gather a small picklable object from every rank (not for the hot path)."""
    _check()
    if _W.comm is None:
        object_list[0] = obj
        return
    for r, o in enumerate(_W.comm.allgather(obj)):
        object_list[r] = o


def broadcast_object_list(object_list, src=0, group=None, device=None):
    _check()
    if _W.comm is None:
        return
    got = _W.comm.bcast(list(object_list), root=src)
    object_list[:] = got
