"""``gradkit export`` (ONNX) and ``gradkit train --tensorboard``: the exported model run by
onnxruntime gives the run's model's outputs at other batch sizes (and sequence lengths), and
the event files are read back by TensorBoard's own reader."""

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run, write_csv

import gradkit as gk

ort = pytest.importorskip("onnxruntime")


def _small_table(path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((120, 3))
    colour = rng.choice(["red", "green"], 120)
    y = np.where(x[:, 0] + (colour == "red") > 0.5, "yes", "no")
    rows = [[f"{a:.4f}", f"{b:.4f}", f"{c:.4f}", k, t] for (a, b, c), k, t in zip(x, colour, y)]
    return write_csv(path, ["a", "b", "c", "colour", "label"], rows)


def _outputs_agree(model_path, run_dir, inputs):
    from gradkit.cli.predict import load_predictor

    model = load_predictor(run_dir)[0]
    session = ort.InferenceSession(str(model_path))
    name = session.get_inputs()[0].name
    for x in inputs:
        got = session.run(None, {name: x})[0]
        with gk.no_grad():
            want = model(gk.tensor(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_a_table_run_exports_with_a_dynamic_batch(tmp_path, capsys):
    table = _small_table(tmp_path / "t.csv")
    rc, out, err = run(capsys, "train", "--data", "csv", "--data-file", table, "--target",
                       "label", "--epochs", "2", "--out", tmp_path / "r", "--progress", "off",
                       "--no-plot", "--tensorboard")
    assert rc == 0, err
    rc, out, err = run(capsys, "export", tmp_path / "r", "--out", tmp_path / "m.onnx")
    assert rc == 0, err
    assert "input 'features'" in out and "checked with onnxruntime" in out
    n = ort.InferenceSession(str(tmp_path / "m.onnx")).get_inputs()[0].shape[1]
    rng = np.random.default_rng(1)
    _outputs_agree(tmp_path / "m.onnx", tmp_path / "r",
                   [rng.standard_normal((b, n)).astype(np.float32) for b in (1, 7, 64)])
    # the same run's TensorBoard files, read back by TensorBoard's reader
    acc = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    events = acc.EventAccumulator(str(tmp_path / "r" / "tensorboard"),
                                  size_guidance={acc.SCALARS: 0, acc.HISTOGRAMS: 0})
    events.Reload()
    scalars = events.Tags()["scalars"]
    assert {"batch/loss", "batch/lr", "epoch/loss", "epoch/val_loss"} <= set(scalars)
    assert [e.step for e in events.Scalars("epoch")] and events.Tags()["histograms"]


def test_a_text_run_exports_with_dynamic_batch_and_length(tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 40)
    rc, out, err = run(capsys, "train", "--data", "text", "--text-file", text, "--epochs", "1",
                       "--seq-len", "16", "--hidden", "16", "--out", tmp_path / "lm",
                       "--progress", "off", "--no-plot")
    assert rc == 0, err
    rc, out, err = run(capsys, "export", tmp_path / "lm")
    assert rc == 0, err
    rng = np.random.default_rng(2)
    _outputs_agree(tmp_path / "lm" / "model.onnx", tmp_path / "lm",
                   [rng.integers(0, 10, (b, t)).astype(np.int64) for b, t in ((1, 16), (3, 5))])


def test_export_of_a_missing_run_is_one_line(tmp_path, capsys):
    rc, out, err = run(capsys, "export", tmp_path / "none")
    assert_one_line_error(rc, err, pattern="none")
