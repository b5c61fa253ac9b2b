"""A context manager that sets module flags for a block and restores them."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def set_flags(module, **values):
    """Set the module attributes named in ``values`` (None: unchanged), restore on exit."""
    values = {k: v for k, v in values.items() if v is not None}
    before = {k: getattr(module, k) for k in values}
    for k, v in values.items():
        setattr(module, k, v)
    try:
        yield
    finally:
        for k, v in before.items():
            setattr(module, k, v)
