"""The default process group: joining the MPI world, the torchrun variables, the timeout.

``init_process_group`` maps every PyTorch backend (``"gloo"``, ``"nccl"``, ``"mpi"``) and the
``env://``/``tcp://`` rendezvous onto the MPI world that ``mpiexec`` started: the rank and world
size come from the launcher. Launched under ``mpiexec``, ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``LOCAL_WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT`` are set on import (as ``torchrun`` sets
them, without overriding any already set), so a PyTorch DDP script that reads them before
``init_process_group`` runs unchanged.

Every collective is watched by the ``timeout`` given to ``init_process_group`` (30 minutes by
default, as PyTorch's): a wait past it raises :class:`DistBackendError` naming the operation and
the ranks that have not entered it, and an uncaught exception on any rank of a world larger than
one aborts the whole job (``MPI_Abort``) instead of leaving the other ranks waiting.

How a rank knows who did not answer: on entering its n-th collective, each rank sends the small
number n to every other rank on a private duplicate of the world communicator (one eager message
per peer, not waited on), and drains what the others sent before each collective and on timeout.
A rank whose last number is below n has not reached the collective.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
import traceback

import numpy as np

__all__ = ["Backend", "DistBackendError", "GroupMember", "ProcessGroup", "destroy_process_group",
           "get_backend", "get_rank", "get_world_size", "group", "init_process_group",
           "is_available", "is_gloo_available", "is_initialized", "is_mpi_available",
           "is_nccl_available", "is_torchelastic_launched", "new_group"]

default_pg_timeout = datetime.timedelta(minutes=30)
_MONITOR_TAG = 7


class DistBackendError(RuntimeError):
    """A collective failed or did not complete within the process group's timeout."""


class Backend(str):
    """Backend names as in PyTorch; every one of them runs over MPI here."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"

    def __new__(cls, name: str):
        return str.__new__(cls, str(name).lower())


class _World:
    comm = None  # an mpi4py communicator, or None for the world of size 1
    monitor = None  # a duplicate of comm for the "entered collective n" messages
    p2p = None  # a duplicate of comm for the point-to-point messages of 16-bit all-reduces
    rank = 0
    size = 1
    initialized = False
    backend = None
    timeout = default_pg_timeout.total_seconds()
    prev_excepthook = None
    seq = 0  # collectives this rank has entered
    seen = None  # the last sequence number each rank announced
    sends = []  # pending monitor sends (request, buffer)
    wait_s = 0.0  # seconds this rank has spent waiting for collectives to complete


_W = _World()


class ProcessGroup:
    """The world as a group object (``dist.group.WORLD``): ``rank()`` and ``size()``."""

    def rank(self) -> int:
        return _W.rank

    def size(self) -> int:
        return _W.size

    def __repr__(self):
        return f"ProcessGroup(world, rank={_W.rank}, size={_W.size})"


class GroupMember:
    WORLD = ProcessGroup()
    NON_GROUP_MEMBER = -100


group = GroupMember  # dist.group.WORLD


def new_group(ranks=None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization=False, group_desc=None, device_id=None):
    """Only the whole world is supported as a group: ``ranks`` must be None or every rank."""
    _check()
    if ranks is not None and sorted(ranks) != list(range(_W.size)):
        raise NotImplementedError(
            f"new_group: gradkit.distributed supports the whole world as its only group; got "
            f"ranks={list(ranks)} in a world of {_W.size}. Use the default group (group=None)."
        )
    return GroupMember.WORLD


def is_available() -> bool:
    """Always True: a world of size 1 needs nothing; MPI worlds need mpi4py."""
    return True


def is_mpi_available() -> bool:
    try:
        import mpi4py  # noqa: F401

        return True
    except ImportError:
        return False


def is_gloo_available() -> bool:
    """True: ``"gloo"`` runs over MPI (or as a world of size 1)."""
    return True


def is_nccl_available() -> bool:
    """True: ``"nccl"`` runs over MPI on CPU tensors (or as a world of size 1)."""
    return True


def is_torchelastic_launched() -> bool:
    return "TORCHELASTIC_RUN_ID" in os.environ


_LAUNCHER_KEYS = ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS",
                  "HYDRA_CONTROL_FD")


def _launched_under_mpi() -> bool:
    return any(k in os.environ for k in _LAUNCHER_KEYS)


def _env_int(*keys):
    for k in keys:
        v = os.environ.get(k, "")
        if v.isdigit():
            return int(v)
    return None


def _set_torchrun_env() -> None:
    """Under mpiexec, set the variables torchrun sets (those not already set) from the
    launcher's own: MPICH's ``PMI_*``/``MPI_LOCAL*``, Open MPI's ``OMPI_COMM_WORLD_*``."""
    rank = _env_int("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK")
    size = _env_int("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")
    if rank is None or size is None:
        return
    local_rank = _env_int("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK")
    local_size = _env_int("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE")
    values = {"RANK": rank, "WORLD_SIZE": size,
              "LOCAL_RANK": rank if local_rank is None else local_rank,
              "LOCAL_WORLD_SIZE": size if local_size is None else local_size,
              "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": 29500}
    if local_size:
        values["GROUP_RANK"] = rank // local_size
        values["GROUP_WORLD_SIZE"] = max(1, size // local_size)
    for k, v in values.items():
        os.environ.setdefault(k, str(v))


def _timeout_seconds(timeout) -> float:
    if timeout is None:
        return default_pg_timeout.total_seconds()
    if isinstance(timeout, datetime.timedelta):
        seconds = timeout.total_seconds()
    elif isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        seconds = float(timeout)
    else:
        raise TypeError(f"init_process_group: timeout must be a datetime.timedelta, got "
                        f"{type(timeout).__name__}")
    if seconds <= 0:
        raise ValueError(f"init_process_group: timeout must be positive, got {timeout!r}")
    return seconds


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None) -> None:
    """Join the world of processes started by ``mpiexec`` (or a world of size 1 without it).

    Args:
        backend: ``"gloo"``, ``"nccl"``, ``"mpi"`` (or ``"cpu:gloo,cuda:nccl"``): all run over
            MPI on CPU tensors, so scripts written for any of PyTorch's backends run unchanged.
        init_method: ``"env://"`` (default), ``"tcp://..."`` or ``"file://..."``: under mpiexec
            the launcher has already connected the processes, so the address is not used.
            Without mpiexec, a ``WORLD_SIZE`` (or ``world_size``) above 1 is an error that says
            how to launch.
        timeout: how long any collective may wait before it raises
            :class:`DistBackendError` (a ``datetime.timedelta``; default 30 minutes).
        world_size, rank: if given, they must agree with what MPI reports.

    Raises:
        ValueError: for an unknown backend, or a world_size/rank that contradicts MPI's.
        RuntimeError: when called twice, or a multi-process world without mpiexec or mpi4py.
    """
    if _W.initialized:
        raise RuntimeError("trying to initialize the default process group twice!")
    name = "gloo" if backend is None else str(backend).lower()
    parts = [p.split(":")[-1] for p in name.split(",")]
    if not parts or any(p not in ("gloo", "nccl", "mpi", "undefined", "") for p in parts):
        raise ValueError(
            f"init_process_group: backend {backend!r} is not supported; use 'gloo', 'nccl' or "
            f"'mpi' (all run over MPI here) and launch with mpiexec"
        )
    seconds = _timeout_seconds(timeout)
    under_mpi = _launched_under_mpi()
    comm = None
    if is_mpi_available() and under_mpi:
        from mpi4py import MPI

        comm = MPI.COMM_WORLD
    elif under_mpi:
        raise RuntimeError(
            "init_process_group: this process was started by mpiexec but mpi4py is not installed. "
            "Install it with `pip install gradkit[mpi]` (mpi4py and mpich from the package index "
            "need no system MPI)."
        )
    elif is_mpi_available():  # a plain `python train.py`: MPI's singleton world of size 1
        from mpi4py import MPI

        comm = MPI.COMM_WORLD
    size = comm.Get_size() if comm is not None else 1
    r = comm.Get_rank() if comm is not None else 0
    if size == 1:
        env_size = _env_int("WORLD_SIZE")
        wanted = world_size if world_size not in (-1, None) else env_size
        if wanted is not None and wanted > 1:
            raise RuntimeError(
                f"init_process_group: world_size={wanted} but this process was not started by "
                f"mpiexec; gradkit joins processes over MPI: launch with `mpiexec -n {wanted} "
                f"gradkit run {os.path.basename(sys.argv[0] or 'train.py')}` (or `mpiexec -n "
                f"{wanted} python ...`)"
            )
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
    _W.backend = Backend(parts[0] or "gloo")
    _W.timeout = seconds
    _W.seq = 0
    _W.seen = np.zeros(size, dtype=np.int64)
    _W.sends = []
    if size > 1:
        _W.monitor = comm.Dup()
        _W.p2p = comm.Dup()
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


def _abort_if_joined(code: int) -> None:
    """After a program's uncaught error (``gradkit run``): in a world of several ranks end the
    whole job, as the abort hook does for a plain ``python`` program."""
    if _W.initialized and _W.comm is not None:
        sys.stderr.write(f"[rank {_W.rank}] uncaught exception; aborting the MPI job\n")
        _abort(code)


def destroy_process_group(group=None) -> None:
    """Leave the world (MPI itself is finalized when the process exits)."""
    if _W.prev_excepthook is not None:
        sys.excepthook = _W.prev_excepthook
        _W.prev_excepthook = None
    if _W.monitor is not None:
        _drain()
        _prune_sends()
    _W.comm = None
    _W.monitor = None
    _W.p2p = None
    _W.rank, _W.size = 0, 1
    _W.initialized = False
    _W.backend = None
    _W.timeout = default_pg_timeout.total_seconds()


def _check():
    if not _W.initialized:
        raise ValueError(  # PyTorch's type
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


# ---------------------------------------------------------------------- who has arrived
def _prune_sends():
    _W.sends = [(req, buf) for req, buf in _W.sends if not req.Test()]


def _announce() -> int:
    """Enter the next collective: tell every other rank its number; returns the number."""
    _W.seq += 1
    n = _W.seq
    _W.seen[_W.rank] = n
    if len(_W.sends) > 64:
        _prune_sends()
    buf = np.array([n], dtype=np.int64)
    for peer in range(_W.size):
        if peer != _W.rank:
            _W.sends.append((_W.monitor.Isend(buf, dest=peer, tag=_MONITOR_TAG), buf))
    _drain()
    return n


def _drain() -> None:
    """Read the numbers the other ranks have announced so far."""
    from mpi4py import MPI

    st = MPI.Status()
    buf = np.zeros(1, dtype=np.int64)
    mon = _W.monitor
    while mon.Iprobe(source=MPI.ANY_SOURCE, tag=_MONITOR_TAG, status=st):
        src = st.Get_source()
        mon.Recv(buf, source=src, tag=_MONITOR_TAG)
        if buf[0] > _W.seen[src]:
            _W.seen[src] = buf[0]


def _missing(seq: int) -> list[int]:
    """The ranks that have not yet entered collective number ``seq``."""
    _drain()
    return [r for r in range(_W.size) if _W.seen[r] < seq]


def _timeout_error(what: str, seq: int, started: float) -> DistBackendError:
    missing = _missing(seq)
    waited = time.monotonic() - started
    if missing:
        last = ", ".join(f"rank {r} at #{int(_W.seen[r])}" for r in missing)
        who = (f"ranks {missing} did not answer: they have not entered it, as far as this rank "
               f"has heard (the last collective each announced: {last}); a rank is stuck or "
               f"much slower (data loading, a hang, a different code path), or the network "
               f"between the ranks is down (then every rank names the others)")
    else:
        who = ("every rank entered it but the data did not arrive: the network between the "
               "ranks is down or stalled")
    return DistBackendError(
        f"[rank {_W.rank}] {what} (collective #{seq}) timed out after {waited:.1f} s "
        f"(timeout={_W.timeout:g} s from init_process_group): {who}. The job is ended so that "
        f"no rank waits forever; raise the timeout with init_process_group(timeout="
        f"datetime.timedelta(...)) if the wait is expected."
    )


def _wait(req, what: str, seq: int, started: float, deadline: float) -> None:
    """Complete an MPI request, polling with ``Test`` until ``deadline`` (monotonic seconds).

    Polls tightly for the first 0.1 ms (as MPI's own Wait spins: a small message is done by
    then), then with 50 us sleeps so that an idle waiter leaves the core to ranks that compute
    on it (longer naps were tried: they saved no measurable CPU and delayed the other rank,
    which needs this one to move a large message, by up to a nap per collective; spinning for
    a whole millisecond first cost up to 1 ms of CPU per wait, about 2 ms per DDP step).
    Adds the time waited to ``_W.wait_s``."""
    if req.Test():
        return
    t0 = time.monotonic()
    spin_until = t0 + 1e-4
    try:
        while True:
            if req.Test():
                return
            now = time.monotonic()
            if now > deadline:
                raise _timeout_error(what, seq, started)
            if now > spin_until:
                time.sleep(5e-5)
    finally:
        _W.wait_s += time.monotonic() - t0


if _launched_under_mpi():
    _set_torchrun_env()
