"""``torch.fx._compatibility``: the decorator that marks FX APIs backward compatible (or not).
PyTorch uses it to document its own API; libraries that subclass ``Tracer`` decorate their
overrides with it (PyTorch Geometric's ``trace``). It returns the function unchanged."""

from __future__ import annotations

__all__ = ["compatibility"]


def compatibility(is_backward_compatible: bool):
    """``@compatibility(is_backward_compatible=True)``: the decorated function, unchanged."""

    def mark(fn):
        return fn

    return mark
