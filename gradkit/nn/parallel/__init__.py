"""``gradkit.nn.parallel``: data-parallel training (``DistributedDataParallel``; ``DataParallel``
runs the wrapped module as it is)."""

from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel", "DataParallel", "data_parallel"]
