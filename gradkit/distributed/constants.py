"""``torch.distributed.constants``: the default process-group timeouts (libraries import
``default_pg_timeout`` from here to pass on to ``init_process_group``)."""

from .process_group import default_pg_timeout

__all__ = ["default_pg_nccl_timeout", "default_pg_timeout"]

# PyTorch sets this only when built with NCCL (None on CPU builds); gradkit has no NCCL
default_pg_nccl_timeout = None
_DEFAULT_PG_TIMEOUT = default_pg_timeout
