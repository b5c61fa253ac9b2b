"""``torch.distributed.nn``: collectives that autograd differentiates (see :mod:`.functional`).

Quantizer and contrastive-loss libraries import it at import time and call
``torch.distributed.nn.all_reduce`` / ``all_gather`` only when a process group spans several
processes; in a world of one process each call returns a copy of its input.
"""

from __future__ import annotations

from .functional import (all_gather, all_reduce, all_to_all, all_to_all_single, broadcast,
                         gather, reduce, reduce_scatter, scatter)

__all__ = ["all_gather", "all_reduce", "all_to_all", "all_to_all_single", "broadcast", "gather",
           "reduce", "reduce_scatter", "scatter"]
