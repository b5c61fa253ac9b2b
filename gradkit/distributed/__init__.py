"""Data-parallel training across processes and machines over MPI (``torch.distributed``'s names).

Launch a script under MPI and every process joins one world::

    mpiexec -n 4 python train.py            # one machine, 4 processes
    mpiexec -n 8 -f hosts python train.py   # across machines listed in a hostfile
    mpiexec -n 2 gradkit run train.py       # an unmodified PyTorch DDP script

In the script::

    import gradkit.distributed as dist
    dist.init_process_group("gloo")         # "nccl" and "mpi" too; all run over MPI
    rank, world = dist.get_rank(), dist.get_world_size()

The package, by kind: :mod:`.process_group` (joining the world, the torchrun variables, the
timeout), :mod:`.store` (the key-value stores: ``TCPStore``, ``HashStore``, ``PrefixStore``),
:mod:`.collectives` (``all_reduce`` and the rest, ``Work``/``Future``),
:mod:`.algorithms.ddp_comm_hooks` (gradient compression for DDP) and :mod:`.optim`
(``ZeroRedundancyOptimizer``). A single process without MPI is a valid world of size 1 in which
every collective is a cheap no-op, so one script runs both ways. When the world has more than
one process, an uncaught exception on any rank aborts the whole job (``MPI_Abort``), and a
collective that does not complete within ``init_process_group(timeout=...)`` raises
:class:`DistBackendError` naming the operation and the ranks that did not answer.
"""

from __future__ import annotations

import importlib

from .collectives import (Future, ReduceOp, Work, all_gather, all_gather_into_tensor,
                          all_gather_object, all_reduce, barrier, broadcast,
                          broadcast_object_list, gather_object, reduce, reduce_scatter,
                          reduce_scatter_tensor)
from .process_group import (_W, Backend, DistBackendError, GroupMember, ProcessGroup, _abort,
                            _abort_if_joined, _launched_under_mpi, default_pg_timeout,
                            destroy_process_group, get_backend, get_rank, get_world_size,
                            group, init_process_group,
                            is_available, is_gloo_available, is_initialized, is_mpi_available,
                            is_nccl_available, is_torchelastic_launched, new_group)
from .store import DistError, DistStoreError, HashStore, PrefixStore, Store, TCPStore

__all__ = [
    "Backend", "DistBackendError", "DistError", "DistStoreError", "Future", "HashStore",
    "PrefixStore", "Store", "TCPStore", "GroupMember", "ProcessGroup", "ReduceOp", "Work",
    "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce", "barrier",
    "broadcast", "broadcast_object_list", "default_pg_timeout", "destroy_process_group",
    "gather_object", "get_backend", "get_rank", "get_world_size", "group", "init_process_group",
    "is_available", "is_gloo_available", "is_initialized", "is_mpi_available",
    "is_nccl_available", "is_torchelastic_launched", "new_group", "reduce", "reduce_scatter",
    "reduce_scatter_tensor",
]

_ = (_W, _abort, _abort_if_joined, _launched_under_mpi)  # used by gradkit.cli and the DDP wrapper

_SUBMODULES = ("algorithms", "device_mesh", "optim")  # reachable without importing them


def __getattr__(name):
    if name == "GradBucket":  # defined with DistributedDataParallel (gradkit.nn needs us first)
        from ..nn.parallel.distributed import GradBucket

        return GradBucket
    if name in _SUBMODULES:  # torch.distributed.optim without importing it first
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
