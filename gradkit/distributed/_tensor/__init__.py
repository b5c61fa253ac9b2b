"""``torch.distributed._tensor``: the older name of :mod:`torch.distributed.tensor`.

The same classes, and its submodules under both names (``torch.distributed._tensor.experimental``
is ``torch.distributed.tensor.experimental``), as in PyTorch.
"""

import sys as _sys

from ..tensor import DTensor, Partial, Placement, Replicate, Shard, distribute_tensor
from ..tensor import experimental, placement_types

__all__ = ["DTensor", "Partial", "Placement", "Replicate", "Shard", "distribute_tensor"]

for _sub in (experimental, placement_types):
    _sys.modules[__name__ + "." + _sub.__name__.rsplit(".", 1)[1]] = _sub
del _sub
