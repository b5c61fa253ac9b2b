"""``gradkit train``, ``resume`` and ``eval`` on the built-in data (digits, IDX files, text).

Accuracy thresholds here are for short runs (documented per test); the default run (12 epochs of
the CNN on digits) reaches >= 97%, checked by ``test_default_train_run`` (marked slow).
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run
from helpers import final_accuracy

import gradkit as gk
from gradkit import cli


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """One short run shared by the eval/resume tests: MLP, 4 epochs, cosine schedule."""
    pytest.importorskip("sklearn")
    out = tmp_path_factory.mktemp("runs") / "mlp"
    rc = cli.main(["train", "--model", "mlp", "--epochs", "4", "--scheduler", "cosine",
                   "--out", str(out), "--progress", "off", "--no-plot"])
    assert rc == 0
    return out


def test_train_cnn_on_digits_end_to_end(capsys, tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    out_dir = tmp_path / "cnn"
    # 4 epochs instead of the default 12: the documented bar for this short run is 94%
    rc, out, err = run(capsys, "train", "--epochs", "4", "--out", out_dir, "--progress", "epoch")
    assert rc == 0, err
    assert "epoch 4/4" in out
    epoch_lines = [ln for ln in out.splitlines() if ln.startswith("epoch ")]
    assert len(epoch_lines) == 4 and all(len(ln) <= 80 for ln in epoch_lines), epoch_lines
    assert final_accuracy(out) >= 0.94
    for name in ("config.json", "preprocessing.json", "checkpoint.safetensors",
                 "best.safetensors", "history.csv", "history.jsonl", "history.png",
                 "results.json"):
        assert (out_dir / name).is_file(), name
    cfg = json.loads((out_dir / "config.json").read_text())
    assert cfg["model"] == "cnn" and cfg["data"] == "digits" and cfg["epochs"] == 4
    assert len((out_dir / "history.jsonl").read_text().splitlines()) == 4
    results = json.loads((out_dir / "results.json").read_text())
    assert results["accuracy"] == pytest.approx(final_accuracy(out), abs=1e-4)


@pytest.mark.slow
def test_default_train_run(capsys, tmp_path):
    """``gradkit train`` with no options: >= 97% test accuracy (the main job)."""
    pytest.importorskip("sklearn")
    rc, out, err = run(capsys, "train", "--out", tmp_path / "default", "--progress", "off")
    assert rc == 0, err
    assert final_accuracy(out) >= 0.97


def test_eval_reports_the_saved_model(capsys, trained_run):
    saved = json.loads((trained_run / "results.json").read_text())
    rc, out, err = run(capsys, "eval", trained_run)
    assert rc == 0, err
    assert "after 4 epochs" in out
    assert final_accuracy(out) == pytest.approx(saved["accuracy"], abs=1e-4)
    assert saved["accuracy"] >= 0.90  # an MLP after 4 epochs


def test_resume_equals_an_uninterrupted_run(capsys, tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    common = ["--epochs", "2", "--scheduler", "cosine", "--progress", "off", "--no-plot"]
    rc, _, err = run(capsys, "train", "--out", tmp_path / "whole", *common)
    assert rc == 0, err

    # the same run, killed (Ctrl-C) during its second epoch ...
    from gradkit.train import Trainer

    real = Trainer._run_epoch
    calls = {"n": 0}

    def dies_in_epoch_2(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(self, *a, **k)

    monkeypatch.setattr(Trainer, "_run_epoch", dies_in_epoch_2)
    rc, _, err = run(capsys, "train", "--out", tmp_path / "killed", *common)
    assert rc == 130 and "gradkit resume" in err
    monkeypatch.undo()
    # ... then resumed in a new process: the same weights, bit for bit
    proc = subprocess.run([sys.executable, "-m", "gradkit.cli", "resume", str(tmp_path / "killed"),
                           "--progress", "off", "--no-plot"], capture_output=True, text=True,
                          check=False, timeout=300, cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0, proc.stderr
    assert "epoch 1 -> 2" in proc.stdout
    whole = gk.load(tmp_path / "whole" / "checkpoint.safetensors")
    resumed = gk.load(tmp_path / "killed" / "checkpoint.safetensors")
    assert resumed["epoch"] == whole["epoch"] == 2
    for name, tensor in whole["model"].items():
        np.testing.assert_array_equal(tensor.numpy(), resumed["model"][name].numpy(),
                                      err_msg=name)
    assert [r["val_loss"] for r in resumed["history"]] == [r["val_loss"] for r in
                                                          whole["history"]]


def test_resume_further_and_when_already_done(capsys, tmp_path):
    pytest.importorskip("sklearn")
    rc, _, err = run(capsys, "train", "--model", "mlp", "--epochs", "1", "--scheduler", "none",
                     "--out", tmp_path / "r", "--progress", "off", "--no-plot")
    assert rc == 0, err
    rc, out, _ = run(capsys, "resume", tmp_path / "r", "--progress", "off", "--no-plot")
    assert rc == 0 and "already trained 1 epochs" in out
    rc, out, _ = run(capsys, "resume", tmp_path / "r", "--epochs", "2", "--progress", "off",
                     "--no-plot")
    assert rc == 0 and "epoch 1 -> 2" in out
    assert json.loads((tmp_path / "r" / "config.json").read_text())["epochs"] == 2


def test_train_refuses_to_overwrite_a_run(capsys, trained_run):
    rc, _, err = run(capsys, "train", "--model", "mlp", "--out", trained_run)
    assert_one_line_error(rc, err, pattern="already holds a run", code=1)


def test_char_rnn_on_a_text_file(capsys, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 80)
    rc, out, err = run(capsys, "train", "--data", "text", "--text-file", text, "--epochs", "2",
                       "--seq-len", "16", "--hidden", "32", "--out", tmp_path / "lm",
                       "--progress", "off", "--no-plot")
    assert rc == 0, err
    assert "lstm on text" in out and "test perplexity" in out and "sampled text:" in out
    ppl = float(out.split("test perplexity")[1].split()[0])
    assert ppl < 27  # vocabulary of 28 characters: better than uniform after 2 short epochs
    assert (tmp_path / "lm" / "sample.txt").is_file()


def _write_idx(path, array):
    import struct

    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.tobytes())


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_train_on_idx_files(capsys, tmp_path, name):
    """MNIST-format files from --data-dir (synthetic: the label is the brightest quadrant)."""
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 240), ("t10k", 60)):
        labels = rng.integers(0, 4, n)
        images = rng.integers(0, 60, (n, 28, 28))
        for i, lab in enumerate(labels):
            r, c = divmod(int(lab), 2)
            images[i, r * 14:(r + 1) * 14, c * 14:(c + 1) * 14] += 150
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte", images)
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", labels)
    rc, out, err = run(capsys, "train", "--data", name, "--data-dir", tmp_path, "--model", "cnn",
                       "--epochs", "2", "--out", tmp_path / "run", "--progress", "off",
                       "--no-plot")
    assert rc == 0, err
    assert f"cnn on {name}" in out
    assert final_accuracy(out) >= 0.9


def test_corrupted_checkpoint_through_eval(capsys, trained_run, tmp_path):
    import shutil

    run_dir = tmp_path / "broken"
    shutil.copytree(trained_run, run_dir)
    for name, argv in (("best.safetensors", []), ("checkpoint.safetensors", ["--last"])):
        ckpt = run_dir / name
        data = bytearray(ckpt.read_bytes())
        ckpt.write_bytes(bytes(data[: len(data) // 3]))
        rc, _, err = run(capsys, "eval", run_dir, *argv)
        assert_one_line_error(rc, err, pattern="cannot read checkpoint", code=1)
        assert name in err
    (run_dir / "config.json").write_text("{not json")
    rc, _, err = run(capsys, "eval", run_dir)
    assert_one_line_error(rc, err, pattern="cannot read", code=1)
