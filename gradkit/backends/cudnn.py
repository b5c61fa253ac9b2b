"""``torch.backends.cudnn``: flags accepted; gradkit does not call cuDNN (``is_available()`` is
False). ``benchmark``/``deterministic`` change nothing: gradkit picks no kernels by timing."""

import sys

from ._flags import set_flags

enabled = True
benchmark = False
benchmark_limit = 10
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    return False


def version():
    return None


def flags(enabled=None, benchmark=None, benchmark_limit=None, deterministic=None,
          allow_tf32=None):
    return set_flags(sys.modules[__name__], enabled=enabled, benchmark=benchmark,
                     benchmark_limit=benchmark_limit, deterministic=deterministic,
                     allow_tf32=allow_tf32)
