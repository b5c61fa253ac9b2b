"""Options shared by the commands: ``--config FILE``, ``--early-stopping``, resuming past the
planned epochs, lr-find's run folder, and the command line's robustness (empty ``--out``, a bad
run config, GRADKIT_DEBUG, no exception names, no orphan run folders)."""

import json

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run

import gradkit as gk


def _csv_args(wine_csv, out, *more):
    return ["train", "--data", "csv", "--data-file", wine_csv, "--target", "cultivar",
            "--out", out, "--progress", "off", "--no-plot", *more]


@pytest.mark.parametrize("suffix, text", [
    (".toml", 'data = "csv"\ntarget = "cultivar"\nepochs = 3\nhidden = 16\nlr = 0.01\n'
              'no-plot = true\n'),
    (".json", '{"data": "csv", "target": "cultivar", "epochs": 3, "hidden": 16, "lr": 0.01,'
              ' "no_plot": true}'),
    (".yaml", "data: csv\ntarget: cultivar\nepochs: 3\nhidden: 16\nlr: 0.01\nno-plot: true\n"),
])
def test_config_files_with_the_command_line_winning(wine_csv, tmp_path, capsys, suffix, text):
    if suffix == ".yaml":
        pytest.importorskip("yaml")
    path = tmp_path / f"c{suffix}"
    path.write_text(text)
    rc, out, err = run(capsys, "train", "--config", path, "--data-file", wine_csv,
                       "--epochs", "2", "--out", tmp_path / "r", "--progress", "off")
    assert rc == 0, err
    cfg = json.loads((tmp_path / "r" / "config.json").read_text())
    assert cfg["epochs"] == 2  # the command line wins
    assert cfg["hidden"] == 16 and cfg["lr"] == 0.01 and cfg["target"] == "cultivar"
    assert not (tmp_path / "r" / "history.png").exists()  # no-plot from the file


@pytest.mark.parametrize("text, pattern", [
    ("epochs = -3\n", "epochs (--epochs): expected a positive integer, got '-3'"),
    ("lrr = 0.1\n", "unknown option 'lrr'"),
    ("model = 'resnet'\n", "invalid choice 'resnet'"),
    ("epochs = [1, 2]\n", "must be a single value"),
    ("epochs = \n", "cannot parse it as TOML"),
])
def test_bad_config_files_are_one_line(tmp_path, capsys, text, pattern):
    path = tmp_path / "c.toml"
    path.write_text(text)
    rc, _, err = run(capsys, "train", "--config", path, "--out", tmp_path / "r")
    assert_one_line_error(rc, err, pattern=pattern, code=2 if "parse" not in pattern else 1)
    assert not (tmp_path / "r").exists()


def test_a_run_config_with_negative_epochs_is_refused(wine_csv, tmp_path, capsys):
    rc, _, err = run(capsys, *_csv_args(wine_csv, tmp_path / "r", "--epochs", "1"))
    assert rc == 0, err
    cfg_path = tmp_path / "r" / "config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["epochs"] = -3
    cfg_path.write_text(json.dumps(cfg))
    for command in ("resume", "eval"):
        rc, _, err = run(capsys, command, tmp_path / "r")
        assert_one_line_error(rc, err, pattern="config.json: epochs (--epochs): expected a "
                                               "positive integer, got '-3'")


@pytest.mark.parametrize("argv, pattern", [
    (["train", "--out", ""], "argument --out: expected a path, got an empty one"),
    (["train", "--data", "csv"], "--data csv needs --data-file"),
    (["train", "--data", "csv", "--data-file", "x.csv"], "needs --target COLUMN"),
    (["train", "--data", "images"], "--data images needs --data-dir"),
    (["train", "--target", "y"], "--target is an option of --data csv"),
    (["train", "--image-size", "16"], "--image-size is an option of --data images"),
    (["train", "--data", "csv", "--data-file", "x", "--target", "y", "--model", "cnn"],
     "--model cnn needs images"),
    (["train", "--min-delta", "0.1"], "--min-delta applies to --early-stopping"),
    (["predict", "runs/none", "--length", "0"], "expected a positive integer"),
])
def test_usage_errors(capsys, argv, pattern):
    rc, _, err = run(capsys, *argv)
    assert_one_line_error(rc, err, pattern=pattern, code=2)


def test_errors_name_no_exception_class_and_debug_0_means_off(tmp_path, capsys, monkeypatch):
    from gradkit.train import Trainer

    def broken(self, *a, **k):
        raise ValueError("the loss went sideways")

    monkeypatch.setattr(Trainer, "_run_epoch", broken)
    monkeypatch.setenv("GRADKIT_DEBUG", "0")
    rc, _, err = run(capsys, "train", "--model", "mlp", "--out", tmp_path / "runs" / "r")
    assert_one_line_error(rc, err, pattern="gradkit: error: the loss went sideways", code=1)
    # the failed start leaves no run folder (nor the runs/ folder it made)
    assert not (tmp_path / "runs").exists()
    monkeypatch.setenv("GRADKIT_DEBUG", "1")
    with pytest.raises(ValueError, match="sideways"):
        gk.cli.main(["train", "--model", "mlp", "--out", str(tmp_path / "r2"), "--progress",
                     "off"])


def test_ctrl_c_in_the_first_epoch_removes_the_run_folder(tmp_path, capsys, monkeypatch):
    from gradkit.train import Trainer

    def interrupted(self, *a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "_run_epoch", interrupted)
    out = tmp_path / "keep"
    out.mkdir()
    (out / "mine.txt").write_text("not the run's")
    rc, _, err = run(capsys, "train", "--model", "mlp", "--out", out)
    assert rc == 130 and "before the first epoch ended; nothing was saved" in err
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]  # only what was there


def test_early_stopping_says_when_and_why(wine_csv, tmp_path, capsys):
    rc, out, err = run(capsys, *_csv_args(wine_csv, tmp_path / "es", "--epochs", "300",
                                          "--scheduler", "none", "--lr", "0.01",
                                          "--early-stopping", "3", "--min-delta", "0.001",
                                          "--progress", "epoch"))
    assert rc == 0, err
    assert "early stopping: watching val_loss (patience 3, min delta 0.001)" in out
    line = next(ln for ln in out.splitlines() if ln.startswith("early stopping: val_loss"))
    stopped = int(line.split("stopped after epoch ")[1].split()[0])
    best = int(line.split(" at epoch ")[1].split(")")[0])
    assert stopped < 300 and stopped == best + 3
    history = [json.loads(s) for s in
               (tmp_path / "es" / "history.jsonl").read_text().splitlines()]
    assert len(history) == stopped
    losses = [r["val_loss"] for r in history]
    later = losses[best:]  # none improves on the best by more than min_delta
    assert all(v > losses[best - 1] - 0.001 for v in later)
    best_saved = int(np.argmin(losses)) + 1  # best.safetensors: the lowest val_loss
    assert gk.load(tmp_path / "es" / "best.safetensors")["epoch"] == best_saved
    assert f"best epoch {best_saved} by val_loss" in out.splitlines()[-1]
    rc, out, _ = run(capsys, "resume", tmp_path / "es")
    assert rc == 0 and "stopped early after epoch" in out


def test_the_default_schedule_extends_on_resume_exactly(wine_csv, tmp_path, capsys,
                                                        monkeypatch):
    """onecycle (the default) planned for 3 epochs, resumed to 5: a second cycle; the same
    result whether the extended run is interrupted and resumed or not."""
    from gradkit.train import Trainer

    for name in ("whole", "killed"):
        rc, _, err = run(capsys, *_csv_args(wine_csv, tmp_path / name, "--epochs", "3"))
        assert rc == 0, err
    rc, out, err = run(capsys, "resume", tmp_path / "whole", "--epochs", "5", "--progress",
                       "off", "--no-plot")
    assert rc == 0, err
    assert "after epoch 3: a new onecycle cycle to epoch 5" in out
    cfg = json.loads((tmp_path / "whole" / "config.json").read_text())
    assert cfg["epochs"] == 5 and cfg["schedule_ends"] == [3, 5]

    real, calls = Trainer._run_epoch, {"n": 0}

    def dies_in_the_second_epoch(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(self, *a, **k)

    monkeypatch.setattr(Trainer, "_run_epoch", dies_in_the_second_epoch)
    rc, _, err = run(capsys, "resume", tmp_path / "killed", "--epochs", "5", "--progress",
                     "off", "--no-plot")
    assert rc == 130
    monkeypatch.undo()
    rc, out, err = run(capsys, "resume", tmp_path / "killed", "--progress", "off", "--no-plot")
    assert rc == 0, err
    assert "epoch 4 -> 5" in out
    whole = gk.load(tmp_path / "whole" / "checkpoint.safetensors")
    killed = gk.load(tmp_path / "killed" / "checkpoint.safetensors")
    assert whole["epoch"] == killed["epoch"] == 5
    for name, tensor in whole["model"].items():
        np.testing.assert_array_equal(tensor.numpy(), killed["model"][name].numpy())
    # the extended run's config.json, given as --config, starts a like run
    rc, _, err = run(capsys, "train", "--config", tmp_path / "whole" / "config.json", "--epochs",
                     "1", "--out", tmp_path / "again", "--progress", "off")
    assert rc == 0, err
    again = json.loads((tmp_path / "again" / "config.json").read_text())
    assert again["data_file"] == cfg["data_file"] and "schedule_ends" not in again
    lrs = [r["lr"] for r in whole["history"]]
    # the new cycle starts low again (a 25th of its peak, lr / 3) and rises
    assert lrs[3] == pytest.approx(0.003 / 3 / 25) and lrs[4] > lrs[3]


def test_lr_find_writes_into_a_run_folder_with_progress(tmp_path, capsys):
    pytest.importorskip("sklearn")
    rc, out, err = run(capsys, "lr-find", "--model", "mlp", "--num-iter", "30", "--out",
                       tmp_path / "lr")
    assert rc == 0, err
    steps = [ln for ln in out.splitlines() if ln.startswith("lr-find: step")]
    assert len(steps) == 10 and "30/30" in steps[-1]
    assert all(len(ln) <= 80 for ln in steps)
    assert (tmp_path / "lr" / "lr_find.csv").read_text().startswith("lr,loss,smoothed_loss\n")
    assert json.loads((tmp_path / "lr" / "config.json").read_text())["num_iter"] == 30
