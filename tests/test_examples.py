"""Every example in examples/ runs (with GRADKIT_EXAMPLES_QUICK=1: a few epochs or batches)."""

import math
import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def example(monkeypatch):
    """Load examples/<name>.py in quick mode and return its namespace (main not yet run)."""
    pytest.importorskip("sklearn")
    monkeypatch.setenv("GRADKIT_EXAMPLES_QUICK", "1")

    def load(name):
        return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=f"example_{name}")

    return load


def test_every_example_has_a_test():
    tested = {"two_layer_net", "adam_training_loop", "cnn_digits", "char_rnn",
              "regression_diabetes", "regularization"}
    assert {p.stem for p in EXAMPLES.glob("*.py")} == tested


def test_two_layer_net(example, capsys):
    example("two_layer_net")["main"]()
    out = capsys.readouterr().out
    assert "fc1.weight.grad shape: (128, 784)" in out
    line = next(s for s in out.splitlines() if s.startswith("d loss / d fc1.weight"))
    auto = float(line.split("autograd ")[1].split(",")[0])
    numeric = float(line.split("finite difference ")[1])
    assert auto == pytest.approx(numeric, rel=0.05, abs=1e-4)
    before, after = out.split("loss before the step ")[1].split(", after ")
    assert float(after) < float(before)


def test_adam_training_loop(example):
    assert example("adam_training_loop")["main"]() > 0.85  # 2 epochs; ~97% with the full 15


def test_cnn_digits(example, tmp_path):
    accuracy = example("cnn_digits")["main"](tmp_path)
    assert accuracy > 0.8  # 2 epochs in quick mode; ~98-99% with the full 12
    assert (tmp_path / "history.csv").is_file() and (tmp_path / "checkpoint.gk").is_file()


def test_char_rnn(example, capsys):
    val_loss, text = example("char_rnn")["main"]()
    assert math.isfinite(val_loss) and val_loss < math.log(103)  # better than uniform
    assert text.startswith("The ") and len(text) == 104
    assert "sample:" in capsys.readouterr().out


def test_regression_diabetes(example, capsys):
    rmse, mean_rmse = example("regression_diabetes")["main"]()
    assert rmse < mean_rmse  # beats predicting the mean even after 5 epochs
    assert "least squares" in capsys.readouterr().out


def test_regularization(example, capsys):
    results = example("regularization")["main"]()
    assert set(results) == {"plain MLP", "MLP + dropout + batch norm"}
    for train_acc, test_acc in results.values():  # 2 quick epochs: well above chance (0.1)
        assert 0.2 < train_acc <= 1.0 and 0.2 < test_acc <= 1.0
    assert "gap" in capsys.readouterr().out
