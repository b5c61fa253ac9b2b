"""``torch.jit.annotations`` under ``gradkit run``: the typing names TorchScript code imports
from there (``from torch.jit.annotations import List, Optional, Tuple``, as timm's and
torchvision's DenseNet do), and the ``BroadcastingList1/2/3`` markers of scripted signatures.

In eager PyTorch these are plain annotations with no effect; so they are here.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple, Union

__all__ = ["Any", "BroadcastingList1", "BroadcastingList2", "BroadcastingList3", "Callable",
           "Dict", "List", "Optional", "Tuple", "Union"]


class _BroadcastingList:
    """``BroadcastingList2[int]`` in a signature: a scalar or a list of that many values,
    which scripting expands; eagerly the subscript means nothing (PyTorch's gives None too)."""

    def __getitem__(self, types):
        return None


BroadcastingList1 = _BroadcastingList()
BroadcastingList2 = _BroadcastingList()
BroadcastingList3 = _BroadcastingList()
