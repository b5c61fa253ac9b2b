"""A restricted unpickler for data-set files: plain containers, numbers, strings and NumPy arrays.

CIFAR's batches are Python pickles. ``pickle.load`` would run whatever a crafted file names; this
loader admits only the globals that a pickled NumPy array needs and refuses everything else with
``pickle.UnpicklingError``, so reading a data file never runs code.
"""

from __future__ import annotations

import pickle

__all__ = ["safe_load"]

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("_codecs", "encode"),  # how protocol 2 stores bytes (Python 3 writers)
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "bytearray"),
    ("builtins", "complex"), ("__builtin__", "set"), ("__builtin__", "frozenset"),
}


class _Restricted(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"refusing to load {module}.{name} from a data-set pickle: only containers, numbers, "
            f"strings and NumPy arrays are allowed (the file may not be what it claims to be)")


def safe_load(fh, encoding: str = "latin1"):
    """``pickle.load(fh, encoding=encoding)`` restricted to plain data and NumPy arrays."""
    return _Restricted(fh, encoding=encoding).load()
