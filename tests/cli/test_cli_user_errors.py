"""Mistakes a new user makes with their own files: a spreadsheet instead of CSV, a file where a
folder is expected and the other way round, an image given to a table run (and the reverse),
an image size too small for the CNN. Each is one line that says what to give instead."""

from __future__ import annotations

import pytest
from cli_helpers import assert_one_line_error, run, write_csv

Image = pytest.importorskip("PIL.Image")


def _table(tmp_path):
    rows = [[str(i), str(i % 3), "ab"[i % 2]] for i in range(30)]
    return write_csv(tmp_path / "t.csv", ["x", "z", "label"], rows)


def _folders(tmp_path):
    for name, shade in (("dark", 30), ("light", 220)):
        (tmp_path / "photos" / name).mkdir(parents=True)
        for k in range(6):
            Image.new("L", (8, 8), color=shade + k).save(tmp_path / "photos" / name / f"{k}.png")
    return tmp_path / "photos"


def test_a_spreadsheet_is_named_with_how_to_save_it(tmp_path, capsys):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xd8")
    rc, _, err = run(capsys, "train", "--data", "csv", "--data-file", path, "--target", "y",
                     "--out", tmp_path / "r")
    assert_one_line_error(rc, err, pattern="a spreadsheet (.xlsx), not a text table; save the "
                                            "sheet as CSV")


def test_a_file_for_a_folder_and_a_folder_for_a_file(tmp_path, capsys):
    table, photos = _table(tmp_path), _folders(tmp_path)
    rc, _, err = run(capsys, "train", "--data", "images", "--data-dir", table, "--out",
                     tmp_path / "r")
    assert_one_line_error(rc, err, pattern="is a file; --data images needs a folder", code=2)
    rc, _, err = run(capsys, "train", "--data", "csv", "--data-file", photos, "--target", "y",
                     "--out", tmp_path / "r")
    assert_one_line_error(rc, err, pattern="is a folder; --data csv needs a table file", code=2)
    assert not (tmp_path / "r").exists()


def test_predict_with_the_other_kind_of_input(tmp_path, capsys):
    table, photos = _table(tmp_path), _folders(tmp_path)
    fast = ("--epochs", "1", "--progress", "off", "--no-plot")
    rc, _, err = run(capsys, "train", "--data", "csv", "--data-file", table, "--target", "label",
                     "--out", tmp_path / "t", *fast)
    assert rc == 0, err
    rc, _, err = run(capsys, "train", "--data", "images", "--data-dir", photos, "--image-size",
                     "8", "--out", tmp_path / "i", *fast)
    assert rc == 0, err
    rc, _, err = run(capsys, "predict", tmp_path / "t", photos / "dark" / "0.png")
    assert_one_line_error(rc, err, pattern="0.png: an image; ", code=2)
    assert "is a --data csv run: give CSV/TSV files" in err
    rc, _, err = run(capsys, "predict", tmp_path / "i", table)
    assert_one_line_error(rc, err, pattern="t.csv: not an image file (", code=2)
    assert "is a --data images run: give image files or folders" in err


def test_an_image_size_too_small_for_the_cnn(tmp_path, capsys):
    rc, _, err = run(capsys, "train", "--data", "images", "--data-dir", _folders(tmp_path),
                     "--image-size", "3", "--out", tmp_path / "r")
    assert_one_line_error(rc, err, pattern="--image-size 3 is too small for the CNN", code=2)
