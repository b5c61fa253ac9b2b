"""``gradkit train --data images`` and ``gradkit predict`` on image files: four digit classes of
scikit-learn's digits as 32x32 PNG folders (120 images each), and broken folders."""

import csv
import json
import shutil

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run

import gradkit as gk


@pytest.fixture(scope="module")
def image_run(digit_folders, tmp_path_factory):
    """The digit folders with default options (12 epochs of the small CNN)."""
    out = tmp_path_factory.mktemp("runs") / "digits"
    rc = gk.cli.main(["train", "--data", "images", "--data-dir", str(digit_folders), "--out",
                      str(out), "--progress", "off", "--no-plot"])
    assert rc == 0
    return out


def test_four_digit_classes_with_default_options_reach_90_percent(image_run):
    results = json.loads((image_run / "results.json").read_text())
    assert results["accuracy"] >= 0.90
    prep = json.loads((image_run / "preprocessing.json").read_text())
    assert prep["classes"] == ["one", "three", "two", "zero"]
    m = prep["images"]
    assert m["size"] == 32 and m["channels"] == 1  # grayscale PNGs stay one channel
    assert 0 < m["mean"][0] < 1 and 0 < m["std"][0] < 1


def test_predict_on_files_and_folders_equals_python_inference(image_run, digit_folders,
                                                              tmp_path, capsys):
    from PIL import Image

    from gradkit.train.recipes import build_model, bundle_from_meta

    files = [digit_folders / "two" / "000.png", digit_folders / "zero" / "005.png"]
    rc, out, err = run(capsys, "predict", image_run, *files, digit_folders / "one",
                       "--out", tmp_path / "pred.csv")
    assert rc == 0, err
    got = list(csv.DictReader(open(tmp_path / "pred.csv")))
    assert len(got) == 2 + 120
    assert got[0]["input"].endswith("000.png") and got[0]["prediction"] == "two"
    # by hand: Pillow decode, resize, the saved statistics, the best weights
    cfg = json.loads((image_run / "config.json").read_text())
    meta = json.loads((image_run / "preprocessing.json").read_text())
    model = build_model(cfg, bundle_from_meta(cfg, meta))
    model.load_state_dict(gk.load(image_run / "best.safetensors")["model"])
    model.eval()
    paths = files + sorted((digit_folders / "one").glob("*.png"))
    x = np.stack([np.asarray(Image.open(p).convert("L").resize((32, 32)), dtype=np.float32)
                  for p in paths])[:, None] / 255.0
    x = (x - meta["images"]["mean"][0]) / meta["images"]["std"][0]
    with gk.no_grad():
        probs = gk.softmax(model(gk.tensor(x.astype(np.float32))), dim=1).numpy()
    for row, p in zip(got, probs):
        np.testing.assert_allclose([float(row[f"p_{c}"]) for c in meta["classes"]], p,
                                   rtol=1e-4, atol=1e-6)
    assert sum(r["prediction"] == "one" for r in got[2:]) >= 108  # 90% of the "one" folder
    assert "... 102 more rows" in out


@pytest.fixture
def small_folders(digit_folders, tmp_path):
    root = tmp_path / "imgs"
    for name in ("zero", "one"):
        (root / name).mkdir(parents=True)
        for p in sorted((digit_folders / name).glob("*.png"))[:6]:
            shutil.copy(p, root / name / p.name)
    return root


def test_an_empty_class_folder_is_one_line_without_a_run_folder(small_folders, tmp_path,
                                                                capsys):
    (small_folders / "two").mkdir()
    rc, _, err = run(capsys, "train", "--data", "images", "--data-dir", small_folders,
                     "--out", tmp_path / "runs" / "x")
    assert_one_line_error(rc, err, pattern="two holds no images", code=1)
    assert not (tmp_path / "runs").exists()


def test_an_unreadable_image_is_one_line_naming_it(small_folders, tmp_path, capsys):
    (small_folders / "one" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    rc, _, err = run(capsys, "train", "--data", "images", "--data-dir", small_folders,
                     "--out", tmp_path / "runs" / "x")
    assert_one_line_error(rc, err, pattern="cannot read image", code=1)
    assert "broken.png" in err
    assert not (tmp_path / "runs").exists()


def test_a_folder_without_class_folders(tmp_path, capsys):
    (tmp_path / "flat").mkdir()
    rc, _, err = run(capsys, "train", "--data", "images", "--data-dir", tmp_path / "flat",
                     "--out", tmp_path / "r")
    assert_one_line_error(rc, err, pattern="has no class folders")
