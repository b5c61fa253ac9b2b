"""``gradkit eval`` and ``resume`` read a run's data again: when the user has since moved the
file, or added rows that change the preprocessing, they say so in one line instead of a
"no such file" or a state-dict shape mismatch (or, worse, numbers on other data)."""

from __future__ import annotations

import numpy as np
from cli_helpers import assert_one_line_error, run, write_csv

_FAST = ("--progress", "off", "--no-plot", "--epochs", "2")


def _table(path, extra=()):
    rng = np.random.default_rng(0)
    rows = [[f"{v:.3f}", ["north", "south"][i % 2], "yes" if v > 0 else "no"]
            for i, v in enumerate(rng.normal(size=40))]
    return write_csv(path, ["x", "region", "label"], rows + list(extra))


def _train(capsys, path, out):
    rc, _, err = run(capsys, "train", "--data", "csv", "--data-file", path, "--target", "label",
                     "--out", out, *_FAST)
    assert rc == 0, err


def test_a_moved_data_file_is_named(tmp_path, capsys):
    path = _table(tmp_path / "t.csv")
    _train(capsys, path, tmp_path / "r")
    path.rename(tmp_path / "moved.csv")
    for argv in (["eval", tmp_path / "r"], ["resume", tmp_path / "r", "--epochs", "3"]):
        rc, _, err = run(capsys, *argv)
        assert_one_line_error(rc, err, pattern=f"was trained on --data-file {path}, which is "
                                               f"no longer there")
        assert "change 'data_file' in" in err


def test_changed_data_is_refused_and_unchanged_data_evaluates(tmp_path, capsys):
    path = _table(tmp_path / "t.csv")
    _train(capsys, path, tmp_path / "r")
    rc, out, err = run(capsys, "eval", tmp_path / "r")
    assert rc == 0, err
    # a new category: one more input feature, a model of another shape
    _table(path, extra=[["0.5", "east", "yes"]] * 10)
    for argv in (["eval", tmp_path / "r"], ["resume", tmp_path / "r", "--epochs", "3"]):
        rc, _, err = run(capsys, *argv)
        assert_one_line_error(rc, err, pattern="has changed since it was trained")
        assert "column 'region' categories: saved [\"north\", \"south\"], now" in err
    # same columns and categories, other statistics: the same shapes, other numbers
    _table(path, extra=[["9.5", "north", "yes"]])
    rc, _, err = run(capsys, "eval", tmp_path / "r")
    assert_one_line_error(rc, err, pattern="has changed since it was trained")
