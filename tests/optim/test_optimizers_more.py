"""Optimizer options, checkpoints and helpers beyond test_optimizers_vs_torch's CASES."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit import optim


# ----------------------------------------------------------------- EarlyStopping
def test_early_stopping_rejects_nan_min_delta():
    """A NaN min_delta makes every comparison false: no metric would ever count as an
    improvement and training would stop after ``patience`` evaluations whatever happens."""
    with pytest.raises(ValueError, match="min_delta"):
        optim.EarlyStopping(min_delta=float("nan"))


def test_early_stopping_takes_numpy_integer_patience():
    stopper = optim.EarlyStopping(patience=np.int64(1))
    assert stopper.patience == 1 and type(stopper.patience) is int
    assert [stopper.step(m) for m in (1.0, 0.5, 0.7)] == [False, False, True]
    with pytest.raises(ValueError, match="patience"):
        optim.EarlyStopping(patience=np.float64(1.5))
