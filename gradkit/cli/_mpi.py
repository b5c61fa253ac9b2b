"""Data-parallel runs of the command under ``mpiexec``: which rank this is, joining the world,
doing file work on rank 0 alone and sharing its result, ending every rank on an error."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from ._errors import CLIError, one_line

__all__ = ["env_rank", "fail", "join_mpi_world", "launched_under_mpi", "load_checkpoint_everywhere",
           "on_rank0", "world"]


def world() -> tuple[int, int]:
    """(rank, world size); (0, 1) without an initialised process group."""
    from .. import distributed as dist

    if not dist.is_initialized():
        return 0, 1
    return dist.get_rank(), dist.get_world_size()


def env_rank() -> int:
    """This process's rank as mpiexec announced it (before the process group exists)."""
    for key in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK"):
        if os.environ.get(key, "").isdigit():
            return int(os.environ[key])
    return 0


def launched_under_mpi() -> bool:
    from .. import distributed as dist

    return dist._launched_under_mpi()


def join_mpi_world() -> bool:
    """Join the MPI world when launched by mpiexec; True if this call initialised it."""
    from .. import distributed as dist

    if dist.is_initialized() or not dist._launched_under_mpi():
        return False
    dist.init_process_group("mpi")
    return True


def on_rank0(fn):
    """Run ``fn`` on rank 0 only and give every rank its result (the run folder, the config);
    when it fails, every rank raises the same collective :class:`CLIError`."""
    rank, size = world()
    if size == 1:
        return fn()
    from .. import distributed as dist

    payload = None
    if rank == 0:
        try:
            payload = ("ok", fn())
        except CLIError as exc:
            payload = ("error", str(exc), exc.code)
        except (OSError, ValueError) as exc:
            payload = ("error", one_line(exc), 1)
    box = [payload]
    dist.broadcast_object_list(box, src=0)
    payload = box[0]
    if payload[0] == "error":
        raise CLIError(payload[1], payload[2], collective=True)
    return payload[1]


def load_checkpoint_everywhere(trainer, path: Path, *, train_loader=None) -> None:
    """Restore ``path`` into ``trainer`` on every rank. Rank 0 reads the file and sends its
    bytes to the others, so the run folder only has to be on rank 0's machine."""
    rank, size = world()
    if size == 1:
        trainer.load_checkpoint(path, train_loader=train_loader)
        return
    import gradkit

    from ..train.checkpoint import load_checkpoint

    def read():
        load_checkpoint(path)  # validates, with a clear message for a bad file
        return path.read_bytes()

    data = on_rank0(read)
    state = gradkit.load(io.BytesIO(data))
    trainer.load_state_dict(state, train_loader=train_loader)


def fail(message: str, code: int, exc: BaseException | None = None) -> int:
    """Print the one-line error and return ``code``; under several MPI ranks, an error that is
    not known to happen on every rank aborts the job so that no rank waits in a collective."""
    from .. import distributed as dist

    rank, size = world()
    if size == 1:
        if not dist.is_initialized() and env_rank() != 0 and launched_under_mpi():
            return code  # an option error before joining the world: rank 0 reports it
        print(message, file=sys.stderr, flush=True)
        return code
    if getattr(exc, "collective", False):
        if rank == 0:
            print(message, file=sys.stderr, flush=True)
        return code
    print(f"{message} [rank {rank} of {size}; aborting the MPI job]", file=sys.stderr,
          flush=True)
    dist._abort(code)
    return code  # pragma: no cover (Abort does not return)
