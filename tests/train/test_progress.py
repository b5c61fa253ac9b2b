"""The progress display of the fit loop."""


import pytest
from train_helpers import cross_entropy

from gradkit.train import Trainer


def test_progress_bar_with_tqdm(make_job):
    pytest.importorskip("tqdm")
    import io

    model, opt, train, _ = make_job()
    stream = io.StringIO()
    from gradkit.train import ProgressBar

    Trainer(model, opt, cross_entropy, callbacks=[ProgressBar("bar", file=stream)]).fit(
        train, epochs=1)
    text = stream.getvalue()
    assert "epoch 1/1" in text and f"{len(train)}/{len(train)}" in text
    assert "loss " in text and "samples/s" in text


def test_bar_and_epoch_lines_fit_80_columns(make_job):
    """Every state of the bar (tqdm redraws after ``\\r``) and every summary line fits an
    80-column terminal, with long names, many epochs and a large throughput."""
    pytest.importorskip("tqdm")
    import io

    from gradkit.train import ProgressBar
    from gradkit.train.progress import format_epoch_line

    model, opt, train, val = make_job()
    stream = io.StringIO()
    Trainer(model, opt, cross_entropy, callbacks=[ProgressBar("bar", file=stream)]).fit(
        train, val, epochs=2)
    states = [s for line in stream.getvalue().split("\n") for s in line.split("\r")]
    assert any("epoch 2/2" in s for s in states)
    assert all(len(s) <= 80 for s in states), max(states, key=len)
    logs = {"epoch": 100, "loss": 12.3456789, "accuracy": 0.5, "val_loss": 123.456,
            "val_accuracy": 0.25, "lr": 1.2345e-08, "time": 1234.5, "samples_per_s": 1e6}
    line = format_epoch_line(100, 1000, logs)
    assert len(line) <= 80
    assert line.startswith("epoch 100/1000 loss 12.3457 acc 0.5000 val_loss 123.4560 "
                           "val_acc 0.2500")
