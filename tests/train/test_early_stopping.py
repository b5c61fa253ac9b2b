"""EarlyStopping: counting, modes, restoring the best weights, state, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk
from gradkit import nn
from gradkit.train import EarlyStopping


def test_early_stopping_counts_and_stops():
    stopper = EarlyStopping(patience=2, min_delta=0.01)
    verdicts = [stopper.step(m) for m in [1.0, 0.9, 0.895, 0.95, 0.5, 0.6, 0.6]]
    assert verdicts == [False, False, False, True, False, False, True]
    assert stopper.best == 0.5
    assert stopper.best_step == 5


def test_early_stopping_max_mode_and_nan():
    stopper = EarlyStopping(patience=1, mode="max")
    assert not stopper.step(0.5)
    assert stopper.step(float("nan"))


def test_early_stopping_restores_best_weights():
    model = nn.Linear(2, 1)
    stopper = EarlyStopping(patience=1, restore_best_weights=True, module=model)
    with gk.no_grad():
        model.weight.fill_(1.0)
    stopper.step(0.1)
    with gk.no_grad():
        model.weight.fill_(5.0)
    assert stopper.step(0.2)
    np.testing.assert_array_equal(model.weight.detach().numpy(), np.ones((1, 2), np.float32))
    state = stopper.state_dict()
    other = EarlyStopping()
    other.load_state_dict(state)
    assert other.best == 0.1 and other.patience == 1


def test_early_stopping_errors():
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        EarlyStopping(mode="up")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="needs the module"):
        EarlyStopping(restore_best_weights=True).step(1.0)


def test_early_stopping_rejects_nan_min_delta():
    """A NaN min_delta makes every comparison false: no metric would ever count as an
    improvement and training would stop after ``patience`` evaluations whatever happens."""
    with pytest.raises(ValueError, match="min_delta"):
        EarlyStopping(min_delta=float("nan"))


def test_early_stopping_takes_numpy_integer_patience():
    stopper = EarlyStopping(patience=np.int64(1))
    assert stopper.patience == 1 and type(stopper.patience) is int
    assert [stopper.step(m) for m in (1.0, 0.5, 0.7)] == [False, False, True]
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=np.float64(1.5))


def test_early_stopping_is_still_found_under_optim():
    """It moved from gradkit.optim to gradkit.train; the old names lead to the same class."""
    from gradkit import optim
    from gradkit.optim import EarlyStopping as from_optim
    from gradkit.optim import early_stopping

    assert optim.EarlyStopping is from_optim is early_stopping.EarlyStopping is EarlyStopping
    assert EarlyStopping.__module__ == "gradkit.train.early_stopping"
    with pytest.raises(AttributeError, match="no attribute 'NoSuchName'"):
        optim.NoSuchName  # noqa: B018
