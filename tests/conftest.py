"""Shared fixtures: seeded RNG, float64 finite-difference checks, and the optional torch oracle."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

try:  # property tests draw the same examples on every run (CI decides on one run); set
    # HYPOTHESIS_PROFILE=explore to search with fresh random examples instead.
    import os

    from hypothesis import settings

    settings.register_profile("repeatable", derandomize=True)
    settings.register_profile("explore", derandomize=False)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
except ImportError:
    pass


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def torch():
    """PyTorch as the oracle (CI installs torch==2.13.0); the test skips without it."""
    return pytest.importorskip("torch")
