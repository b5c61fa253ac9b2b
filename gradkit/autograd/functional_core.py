"""Moved to ``autograd/backward.py``; kept while ``tensor.py`` and others import from here."""

from .backward import backward, grad

__all__ = ["backward", "grad"]
