"""Shared fixtures: seeded RNG, float64 finite-difference checks, and the optional torch oracle."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def torch():
    """PyTorch as the oracle (CI installs torch==2.13.0); the test skips without it."""
    return pytest.importorskip("torch")
