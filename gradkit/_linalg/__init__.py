"""The implementation modules of :mod:`gradkit.linalg` (its public names live there)."""
