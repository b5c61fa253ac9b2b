"""``torch.backends.mkldnn``: gradkit does not call it (NumPy's BLAS does the work)."""

import sys

from ._flags import set_flags

enabled = False


def is_available() -> bool:
    return False


def flags(enabled=None, **kwargs):
    return set_flags(sys.modules[__name__], enabled=enabled)
