"""``gradkit report`` on a user's table runs: the page's numbers agree with ``train``'s test
results (the best checkpoint), classes are named, and a regression gets no class metrics."""

from __future__ import annotations

import html
import json
import re

import numpy as np
from cli_helpers import run, write_csv


def _text(page: str) -> str:
    page = re.sub(r"<style.*?</style>|<svg.*?</svg>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _train(capsys, path, target, out, epochs):
    rc, _, err = run(capsys, "train", "--data", "csv", "--data-file", path, "--target", target,
                     "--out", out, "--progress", "off", "--no-plot", "--epochs", str(epochs))
    assert rc == 0, err
    rc, _, err = run(capsys, "report", out)
    assert rc == 0, err
    return _text((out / "report.html").read_text())


def test_a_regression_report_has_no_perplexity_nor_confusion_matrix(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 3))
    rows = [[f"{a:.3f}", f"{b:.3f}", f"{c:.3f}", f"{100 + 30 * a - 5 * b:.2f}"] for a, b, c in x]
    path = write_csv(tmp_path / "r.csv", ["a", "b", "c", "price"], rows)
    page = _train(capsys, path, "price", tmp_path / "run", 3)
    assert "perplexity" not in page
    assert "Not drawn: this is a regression run" in page
    assert "true \\ predicted" not in page
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert f"r2 {results['r2']:.4g}" in page


def test_a_classification_report_names_classes_and_matches_the_test_results(tmp_path, capsys):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(150, 2))
    names = np.array(["cat", "dog", "emu"])
    noisy = x[:, 0] + 0.7 * rng.normal(size=150)
    label = names[(noisy > 0).astype(int) + (x[:, 1] > 1).astype(int)]
    rows = [[f"{a:.3f}", f"{b:.3f}", t] for (a, b), t in zip(x, label)]
    path = write_csv(tmp_path / "c.csv", ["a", "b", "animal"], rows)
    # 12 epochs at the default LR: the last epoch is not the best one by validation loss
    page = _train(capsys, path, "animal", tmp_path / "run", 12)
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    history = [json.loads(line) for line in (tmp_path / "run" / "history.jsonl").open()]
    assert min(history, key=lambda r: r["val_loss"])["epoch"] < 12  # best is not last
    assert "perplexity" not in page
    assert "true \\ predicted cat dog emu recall" in page
    assert "model of best.safetensors" in page
    acc = re.search(r"test samples, accuracy ([0-9.]+)%", page).group(1)
    assert acc == f"{results['accuracy'] * 100:.2f}"


def test_regression_metrics_in_large_units_print_without_an_exponent(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    rows = [[f"{a:.3f}", f"{b:.3f}", f"{300000 + 90000 * a:.0f}"] for a, b in x]
    path = write_csv(tmp_path / "h.csv", ["a", "b", "price"], rows)
    rc, out, err = run(capsys, "train", "--data", "csv", "--data-file", path, "--target",
                       "price", "--out", tmp_path / "run", "--progress", "off", "--no-plot",
                       "--epochs", "2")
    assert rc == 0, err
    last = out.strip().splitlines()[-1]
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    expected = f"test rmse {results['rmse']:.0f}  test mae {results['mae']:.0f}  "
    assert results["rmse"] >= 1e4 and last.startswith(expected), last
    assert "e+0" not in last
