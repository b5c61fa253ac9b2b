"""``gradkit.signal``: PyTorch's ``torch.signal`` (window functions in ``windows``)."""

from . import windows  # noqa: F401

__all__ = ["windows"]
