"""History: columns, values stored as Python floats, best epoch."""


import numpy as np
import pytest

from gradkit.train import History


def test_history_best_and_columns():
    h = History()
    h.append({"epoch": 1, "loss": 0.5, "val_loss": 0.7})
    h.append({"epoch": 2, "loss": 0.3, "val_loss": 0.8, "lr": np.float32(0.1)})
    assert h.best("val_loss")["epoch"] == 1
    assert h.best("loss", mode="max")["epoch"] == 1
    assert h.columns == ["epoch", "loss", "val_loss", "lr"]
    assert h["lr"] == [None, pytest.approx(0.1)]
    assert isinstance(h.rows[1]["lr"], float)
