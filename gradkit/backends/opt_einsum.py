"""``torch.backends.opt_einsum``: gradkit's einsum does not use the opt_einsum package."""

import sys

from ._flags import set_flags

enabled = False
strategy = None


def is_available() -> bool:
    return False


def get_opt_einsum():
    return None


def flags(enabled=None, strategy=None):
    return set_flags(sys.modules[__name__], enabled=enabled, strategy=strategy)
