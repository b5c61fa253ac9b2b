"""``torch.distributed.tensor``: the placement types and the names libraries test for.

gradkit provides the layout vocabulary of PyTorch's distributed tensors (:class:`Shard`,
:class:`Replicate`, :class:`Partial` and their shape arithmetic), which model libraries build
into tables at import time and test with ``isinstance(x, DTensor)``. Sharded tensors themselves
(``DTensor.from_local``, ``distribute_tensor``) are not implemented: creating one raises
``NotImplementedError`` saying so, and no ordinary tensor is a :class:`DTensor`. Data-parallel
training (``DistributedDataParallel``) does not need them.
"""

from __future__ import annotations

from .._unsupported import refuse
from .placement_types import Partial, Placement, Replicate, Shard

__all__ = ["DTensor", "Partial", "Placement", "Replicate", "Shard", "distribute_tensor"]

_KIND = "sharded tensors (torch.distributed.tensor.DTensor)"


class DTensor:
    """A tensor sharded over a device mesh: named for ``isinstance`` tests, never created here."""

    __slots__ = ()

    def __new__(cls, *args, **kwargs):
        refuse("DTensor()", _KIND)

    @staticmethod
    def from_local(local_tensor, device_mesh=None, placements=None, **kwargs):
        refuse("DTensor.from_local", _KIND)


def distribute_tensor(tensor, device_mesh=None, placements=None, **kwargs):
    """Not implemented in gradkit: raises ``NotImplementedError`` (see the module docstring)."""
    refuse("distribute_tensor", _KIND)
