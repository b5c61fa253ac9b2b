"""The callbacks that write history files and plots, and which of them run on rank 0 only."""

import json

import pytest
from train_helpers import cross_entropy

from gradkit.train import Callback, History, HistoryWriter, LambdaCallback, PlotHistory, Trainer


def test_history_files_and_plots(make_job, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    model, opt, train, test = make_job()
    cbs = [HistoryWriter(tmp_path / "h.csv", tmp_path / "h.jsonl"),
           PlotHistory(tmp_path / "h.png")]
    trainer = Trainer(model, opt, cross_entropy, callbacks=cbs, progress="epoch")
    trainer.fit(train, test, epochs=2)
    out = capsys.readouterr().out
    assert "epoch 1/2" in out and "val_acc" in out
    assert all(len(line) <= 80 for line in out.splitlines())  # an 80-column terminal
    csv_rows = History.read(tmp_path / "h.csv")
    json_rows = [json.loads(line) for line in (tmp_path / "h.jsonl").read_text().splitlines()]
    assert len(csv_rows) == len(json_rows) == 2
    assert csv_rows[1]["val_accuracy"] == pytest.approx(json_rows[1]["val_accuracy"])
    assert History.read(tmp_path / "h.jsonl").rows == json_rows
    png = (tmp_path / "h.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


# ---------------------------------------------------------------- data-parallel, one process
def test_rank_zero_only_callbacks_are_skipped_on_other_ranks():
    from gradkit.train import CallbackList, ModelCheckpoint, ProgressBar

    calls = []

    class Everywhere(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            calls.append("everywhere")

    class Writer(Callback):
        rank_zero_only = True

        def on_epoch_end(self, trainer, epoch, logs):
            calls.append("writer")

    class FakeTrainer:
        rank = 1

    assert ProgressBar.rank_zero_only and ModelCheckpoint.rank_zero_only
    assert HistoryWriter.rank_zero_only and PlotHistory.rank_zero_only
    assert not LambdaCallback.rank_zero_only
    cbs = CallbackList([Everywhere(), Writer()])
    cbs.on_epoch_end(FakeTrainer(), 1, {})
    assert calls == ["everywhere"]
    FakeTrainer.rank = 0
    cbs.on_epoch_end(FakeTrainer(), 1, {})
    assert calls == ["everywhere", "everywhere", "writer"]
