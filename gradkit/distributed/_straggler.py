"""Who makes the others wait: a per-epoch comparison of the ranks' compute and waiting time.

Each rank counts the seconds it spends waiting for collectives to complete
(``_W.wait_s``, added up in :func:`~gradkit.distributed.process_group._wait`); the rest of an
epoch is its own work (compute, data loading). At the end of an epoch every rank shares its
(epoch seconds, waiting seconds) in one small all-gather, and when waiting takes more than a
third of some rank's epoch, :func:`slow_rank_note` says why: a rank that waits less than half as
much as the one that waits most is the slow one (the others wait for it at every gradient
all-reduce; it still waits some, for a busy machine to run the others); every rank waiting
alike means communication itself is slow.
"""

from __future__ import annotations

import numpy as np

from . import collectives as _coll
from .process_group import _W

__all__ = ["slow_rank_note", "wait_seconds"]

_THRESHOLD = 1 / 3


def wait_seconds() -> float:
    """Seconds this rank has waited for collectives so far."""
    return _W.wait_s


def slow_rank_note(seconds: float, waited: float, what: str = "the epoch") -> str | None:
    """A collective (every rank must call it): ``seconds`` of ``what`` of which ``waited`` were
    spent waiting for collectives on this rank. Returns the same sentence on every rank when
    waiting took more than a third of some rank's time, else None."""
    if _W.comm is None:
        return None
    from .._tensor import wrap

    mine = np.array([seconds, waited], dtype=np.float64)
    every = np.empty((_W.size, 2), dtype=np.float64)
    _coll._start("all_gather (compute and waiting time per rank)", mine,
                 lambda: _W.comm.Iallgather(mine, every), None, [wrap(every)]).wait()
    total = np.maximum(every[:, 0], 1e-9)
    share = every[:, 1] / total
    if share.max() <= _THRESHOLD:
        return None
    compute = every[:, 0] - every[:, 1]
    slow = int(np.argmin(share))
    waiting = [r for r in range(_W.size) if share[r] > _THRESHOLD]
    if share[slow] >= share.max() / 2:  # every rank waits alike: communication is slow
        return (f"waiting for communication took {share.min():.0%}-{share.max():.0%} of "
                f"{what} on every rank ({_W.size} ranks): the network is the bottleneck; "
                f"compress the gradients (DDP's fp16 or PowerSGD hook) or use a larger batch "
                f"per rank")
    others = ", ".join(f"rank {r}: {share[r]:.0%}" for r in waiting)
    return (f"rank {slow} is the slowest: it was busy (computing, loading data) for "
            f"{compute[slow]:.2f} s of {what} ({total[slow]:.2f} s) while the others waited "
            f"for it ({others} of the time); check that rank's machine (its load, its data "
            f"loading, a slower CPU)")
