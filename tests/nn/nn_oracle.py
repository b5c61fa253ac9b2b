"""Compare a gradkit layer with its PyTorch twin (re-exported from ``oracle.py``, where the
helpers now live; new tests import from ``oracle``)."""

from oracle import compare_layer, copy_weights_to_torch

__all__ = ["compare_layer", "copy_weights_to_torch"]
