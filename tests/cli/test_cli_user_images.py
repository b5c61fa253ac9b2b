"""A user's own photo folders: every still format Pillow reads (GIF too) in any letter case,
grayscale, RGBA and palette images of different sizes mixed, images in sub-folders of a class,
hidden files and folders (``.DS_Store``, ``.thumbnails/``) and stray non-image files."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run

from gradkit.datasets.images import ImageFolderError, image_files, load_image_folder

Image = pytest.importorskip("PIL.Image")

_FORMATS = [("png", "PNG", "L"), ("GIF", "GIF", "P"), ("jpg", "JPEG", "RGB"),
            ("bmp", "BMP", "RGB"), ("webp", "WEBP", "RGBA"), ("JPEG", "JPEG", "L"),
            ("gif", "GIF", "L"), ("PNG", "PNG", "RGBA")]


def _photos(root, per_class=8):
    """Two classes of plain images (dark squares, bright squares) in every format and mode,
    sizes 9-24 pixels; class b keeps half of its images in a sub-folder; plus clutter."""
    rng = np.random.default_rng(0)
    for label, level in (("a", 40), ("b", 210)):
        for k in range(per_class):
            ext, fmt, mode = _FORMATS[k % len(_FORMATS)]
            size = int(rng.integers(9, 25))
            pixels = np.clip(rng.normal(level, 20, size=(size, size + k)), 0, 255)
            img = Image.fromarray(pixels.astype(np.uint8), "L").convert(mode)
            folder = root / label / ("more" if label == "b" and k % 2 else "")
            folder.mkdir(parents=True, exist_ok=True)
            img.save(folder / f"{k}.{ext}", fmt)
    (root / "a" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (root / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (root / "a" / "._0.png").write_bytes(b"\x00\x05\x16\x07")  # macOS resource fork
    (root / "b" / ".thumbnails").mkdir()
    Image.new("RGB", (4, 4)).save(root / "b" / ".thumbnails" / "t.png")
    (root / "b" / "readme.txt").write_text("photos of b")
    return root


def test_every_format_and_case_counts_and_clutter_is_left_out(tmp_path):
    root = _photos(tmp_path / "photos")
    notes = []
    images, labels, classes, paths = load_image_folder(root, 8, notes=notes)
    assert classes == ["a", "b"]
    assert images.shape == (16, 3, 8, 8)  # RGBA/palette/RGB mixed with gray: RGB
    assert np.bincount(labels).tolist() == [8, 8]
    assert sorted(p.suffix for p in paths if p.parent.name == "a") == sorted(
        "." + e for e, _, _ in _FORMATS)
    assert not any(part.startswith(".") for p in paths for part in p.relative_to(root).parts)
    # the dark class stays dark and the bright one bright, whatever the format and mode
    means = images.reshape(16, -1).mean(axis=1)
    assert means[labels == 0].max() < 100 < means[labels == 1].min()
    assert notes == ["1 file(s) in " + str(root) + " are not images in a class folder and were "
                     "left out: b/readme.txt"]
    # predict finds the same files in a folder
    assert image_files(root / "b") == [p for p in paths if p.relative_to(root).parts[0] == "b"]


def test_train_and_predict_on_mixed_photo_folders(tmp_path, capsys):
    root = _photos(tmp_path / "photos", per_class=10)
    out = tmp_path / "run"
    rc, text, err = run(capsys, "train", "--data", "images", "--data-dir", root,
                        "--image-size", "8", "--epochs", "1", "--out", out, "--progress",
                        "off", "--no-plot", "--test-fraction", "0.25")
    assert rc == 0, err
    assert "data: 13 train / 2 val / 5 test; 3x8x8 images; 2 classes (a, b)" in text
    assert "note: 1 file(s) in" in text and "b/readme.txt" in text
    rc, text, err = run(capsys, "predict", out, root / "a" / "1.GIF", root / "b")
    assert rc == 0, err
    lines = [ln for ln in text.splitlines() if "photos/" in ln]
    assert len(lines) == 11 and "1.GIF" in lines[0]
    assert not any(".thumbnails" in ln or "readme" in ln for ln in lines)
    assert "accuracy" not in text  # b's own folder has no class sub-folders
    # the training layout (class sub-folders): the accuracy against the folders' classes
    rc, text, err = run(capsys, "predict", out, root, "--out", tmp_path / "p.csv")
    assert rc == 0, err
    with open(tmp_path / "p.csv") as f:
        rows = list(csv.reader(f))[1:]
    truth = [r[0].split("photos/")[1].split("/")[0] for r in rows]
    correct = sum(r[1] == t for r, t in zip(rows, truth))
    assert f"accuracy against the class folders: {correct / 20:.4f} ({correct}/20)" in text


def test_an_empty_class_folder_and_a_broken_image_say_how_to_fix_them(tmp_path, capsys):
    root = _photos(tmp_path / "photos")
    (root / "c").mkdir()
    with pytest.raises(ImageFolderError, match="holds no images .*gif.*; add images to it or "
                                               "remove it"):
        load_image_folder(root, 8)
    (root / "c").rmdir()
    (root / "a" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    rc, _, err = run(capsys, "train", "--data", "images", "--data-dir", root, "--out",
                     tmp_path / "r", "--epochs", "1")
    assert_one_line_error(rc, err, pattern="broken.jpg")
    assert "delete it or move it out of the folder" in err
    assert not (tmp_path / "r").exists()


def test_images_directly_in_the_data_folder_are_pointed_out(tmp_path):
    root = tmp_path / "flat"
    root.mkdir()
    for k in range(3):
        Image.new("L", (8, 8), color=k * 50).save(root / f"{k}.png")
    with pytest.raises(ImageFolderError, match="no class folders.*the 3 image.* belong in a class "
                                               "folder"):
        load_image_folder(root, 8)


def test_the_exported_onnx_model_gives_predict_s_probabilities(tmp_path, capsys):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    import json

    from gradkit.datasets.images import ImageStats, decode_images

    root = _photos(tmp_path / "photos", per_class=10)
    out = tmp_path / "run"
    rc, _, err = run(capsys, "train", "--data", "images", "--data-dir", root, "--image-size",
                     "8", "--epochs", "1", "--out", out, "--progress", "off", "--no-plot")
    assert rc == 0, err
    rc, _, err = run(capsys, "export", out)
    assert rc == 0, err
    rc, _, err = run(capsys, "predict", out, root, "--out", tmp_path / "p.csv")
    assert rc == 0, err
    with open(tmp_path / "p.csv", newline="") as f:
        written = list(csv.reader(f))[1:]
    assert len(written) == 20
    m = json.loads((out / "preprocessing.json").read_text())["images"]
    images, _ = decode_images([r[0] for r in written], m["size"], m["channels"])
    x = ImageStats(m["mean"], m["std"]).normalize(images)
    (logits,) = ort.InferenceSession(str(out / "model.onnx")).run(None, {"image": x})
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = np.asarray([[float(v) for v in r[3:]] for r in written])
    np.testing.assert_allclose(e / e.sum(axis=1, keepdims=True), probs, rtol=1e-5, atol=1e-6)


def test_photos_are_decoded_one_at_a_time(tmp_path, monkeypatch):
    # a folder of thousands of phone photos must not be held decoded in memory all at once
    import gradkit.datasets.images as images

    root = _photos(tmp_path / "photos", per_class=6)
    paths = image_files(root)
    live, peak = set(), [0]
    opened = images._open

    def tracking_open(path):
        img = opened(path)
        live.add(id(img))
        peak[0] = max(peak[0], len(live))
        close = img.close
        img.close = lambda: (live.discard(id(img)), close())[1]
        return img

    monkeypatch.setattr(images, "_open", tracking_open)
    x, channels = images.decode_images(paths, 8)
    assert x.shape == (12, 3, 8, 8) and channels == 3
    assert peak[0] == 1 and not live
