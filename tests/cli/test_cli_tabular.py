"""``gradkit train --data csv`` and ``gradkit predict`` on tables: scikit-learn's wine
(classification) and diabetes (regression) tables written as CSV, and small generated tables
for missing values, categorical columns, TSV and bad input."""

import csv
import json

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run, write_csv
from helpers import final_accuracy

import gradkit as gk


@pytest.fixture(scope="module")
def wine_run(wine_csv, tmp_path_factory):
    """The wine table with default options (only the folder and display are set)."""
    out = tmp_path_factory.mktemp("runs") / "wine"
    rc = gk.cli.main(["train", "--data", "csv", "--data-file", str(wine_csv), "--target",
                      "cultivar", "--out", str(out), "--progress", "epoch", "--no-plot"])
    assert rc == 0
    return out


def test_wine_with_default_options_reaches_90_percent(wine_run, capsys):
    results = json.loads((wine_run / "results.json").read_text())
    assert results["accuracy"] >= 0.90
    cfg = json.loads((wine_run / "config.json").read_text())
    assert cfg["model"] == "mlp" and cfg["data"] == "csv" and cfg["target"] == "cultivar"
    prep = json.loads((wine_run / "preprocessing.json").read_text())
    assert prep["task"] == "classification"
    assert prep["classes"] == ["barbera", "barolo", "grignolino"]
    # the standardisation statistics come from the training split alone
    header = next(csv.reader(open(cfg["data_file"])))
    assert [c["name"] for c in prep["table"]["columns"]] == header[:-1]
    assert all(c["kind"] == "numeric" and c["std"] > 0 for c in prep["table"]["columns"])
    for name in ("checkpoint.safetensors", "best.safetensors", "history.csv"):
        assert (wine_run / name).is_file()
    rc, out, err = run(capsys, "eval", wine_run)
    assert rc == 0, err
    assert final_accuracy(out) == pytest.approx(results["accuracy"], abs=1e-6)
    assert "best.safetensors" in out


def _python_inference(run_dir, header, rows):
    """The run's model applied by hand: saved preprocessing, best weights, softmax."""
    from gradkit.datasets.tabular import TablePreprocessor
    from gradkit.train.recipes import build_model, bundle_from_meta

    cfg = json.loads((run_dir / "config.json").read_text())
    meta = json.loads((run_dir / "preprocessing.json").read_text())
    prep = TablePreprocessor.from_state_dict(meta["table"])
    model = build_model(cfg, bundle_from_meta(cfg, meta))
    model.load_state_dict(gk.load(run_dir / "best.safetensors")["model"])
    model.eval()
    with gk.no_grad():
        out = model(gk.tensor(prep.transform(header, rows)))
    return prep, out


def test_predict_equals_python_inference_and_reports_accuracy(wine_run, wine_csv, tmp_path,
                                                              capsys):
    header, *rows = list(csv.reader(open(wine_csv)))
    rows = rows[::7]
    # without the target column, and the columns in another order
    order = list(reversed(range(len(header) - 1)))
    path = write_csv(tmp_path / "new.csv", [header[j] for j in order],
                     [[r[j] for j in order] for r in rows])
    rc, out, err = run(capsys, "predict", wine_run, path, "--out", tmp_path / "pred.csv")
    assert rc == 0, err
    assert "prediction" in out and "probability" in out and "p(barolo)" in out
    assert "accuracy" not in out
    got = list(csv.DictReader(open(tmp_path / "pred.csv")))
    assert len(got) == len(rows)
    prep, logits = _python_inference(wine_run, header, rows)
    probs = gk.softmax(logits, dim=1).numpy()
    for row, p in zip(got, probs):
        assert row["prediction"] == prep.classes[int(p.argmax())]
        np.testing.assert_allclose([float(row[f"p_{c}"]) for c in prep.classes], p,
                                   rtol=1e-5, atol=1e-7)
    # with the target column: the accuracy too (the file named as `gradkit train` names it)
    full = write_csv(tmp_path / "with_target.csv", header, rows)
    rc, out, err = run(capsys, "predict", wine_run, "--data-file", full)
    assert rc == 0, err
    truth = np.asarray([prep.classes.index(r[-1]) for r in rows])
    expected = float((probs.argmax(1) == truth).mean())
    line = next(ln for ln in out.splitlines() if ln.startswith("accuracy against"))
    assert float(line.split("column: ")[1].split()[0]) == pytest.approx(expected, abs=1e-4)


def test_diabetes_regression(diabetes_csv, tmp_path, capsys):
    rc, out, err = run(capsys, "train", "--data", "csv", "--data-file", diabetes_csv, "--target",
                       "progression", "--out", tmp_path / "dia", "--progress", "off",
                       "--no-plot")
    assert rc == 0, err
    assert "regression" in out
    results = json.loads((tmp_path / "dia" / "results.json").read_text())
    # a linear model explains about half the variance of this table; an MLP does as well
    assert results["r2"] >= 0.35
    header, *rows = list(csv.reader(open(diabetes_csv)))
    y = np.asarray([float(r[-1]) for r in rows])
    assert results["rmse"] < 0.85 * y.std()
    rc, out, err = run(capsys, "predict", tmp_path / "dia", diabetes_csv, "--out",
                       tmp_path / "p.csv")
    assert rc == 0, err
    assert "r2" in out
    prep, z = _python_inference(tmp_path / "dia", header, rows)
    got = [float(r["predicted_progression"]) for r in csv.DictReader(open(tmp_path / "p.csv"))]
    np.testing.assert_allclose(got, prep.inverse_target(z.numpy()[:, 0]), rtol=1e-5)


def _mixed_table(n=160, seed=0):
    """A generated table: a numeric and a categorical feature decide the class; some cells
    are missing."""
    rng = np.random.default_rng(seed)
    header = ["size", "colour", "noise", "label"]
    rows = []
    for i in range(n):
        size = rng.normal()
        colour = ["red", "green", "blue"][i % 3]
        label = "big" if size + (1.5 if colour == "red" else 0) > 0.7 else "small"
        rows.append([f"{size:.4f}", colour, f"{rng.normal():.4f}", label])
    rows[3][0] = ""
    rows[10][1] = "NA"
    rows[20][0] = "?"
    return header, rows


def test_categorical_columns_missing_values_and_tsv(tmp_path, capsys):
    header, rows = _mixed_table()
    path = tmp_path / "mixed.tsv"
    path.write_text("\n".join("\t".join(r) for r in [header, *rows]) + "\n")
    rc, out, err = run(capsys, "train", "--data", "csv", "--data-file", path, "--target",
                       "label", "--out", tmp_path / "m", "--progress", "off", "--no-plot",
                       "--epochs", "40")
    assert rc == 0, err
    note = next(ln for ln in out.splitlines() if ln.startswith("note: missing values"))
    assert "size:" in note and "median" in note
    prep = json.loads((tmp_path / "m" / "preprocessing.json").read_text())["table"]
    kinds = {c["name"]: c["kind"] for c in prep["columns"]}
    assert kinds == {"size": "numeric", "colour": "categorical", "noise": "numeric"}
    colour = next(c for c in prep["columns"] if c["name"] == "colour")
    assert colour["categories"] == ["blue", "green", "red"]
    assert final_accuracy(out) >= 0.85
    # an integer target with many values is a regression unless --task says otherwise
    rc, out, err = run(capsys, "train", "--data", "csv", "--data-file", path, "--target",
                       "label", "--task", "regression", "--out", tmp_path / "r")
    assert_one_line_error(rc, err, pattern="needs a numeric target")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("edit, pattern", [
    (lambda h, r: (h, r), "--target nosuch: "),
    (lambda h, r: (h, [*r[:5], [*r[5][:-1], ""], *r[6:]]), "is empty on 1 row(s) (line 7)"),
    (lambda h, r: (h + ["extra"], r), "line 2 has 4 cells, the header 5"),
])
def test_bad_tables_are_one_line_without_a_run_folder(tmp_path, capsys, edit, pattern):
    header, rows = edit(*_mixed_table())
    path = write_csv(tmp_path / "t.csv", header, rows)
    target = "nosuch" if "nosuch" in pattern else "label"
    rc, _, err = run(capsys, "train", "--data", "csv", "--data-file", path, "--target", target,
                     "--out", tmp_path / "runs" / "bad")
    assert_one_line_error(rc, err, pattern=pattern, code=1)
    assert not (tmp_path / "runs").exists()


def test_predict_on_a_table_without_a_trained_column(wine_run, tmp_path, capsys):
    path = write_csv(tmp_path / "x.csv", ["alcohol", "hue"], [["13.2", "1.05"]])
    rc, _, err = run(capsys, "predict", wine_run, path)
    assert_one_line_error(rc, err, pattern="no column 'malic_acid'")


def test_integer_targets_with_few_values_are_classes(tmp_path, capsys):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(120, 2))
    rows = [[f"{a:.4f}", f"{b:.4f}", str(int(a > 0) + 2 * int(b > 0))] for a, b in x]
    path = write_csv(tmp_path / "q.csv", ["a", "b", "quadrant"], rows)
    rc, out, err = run(capsys, "train", "--data", "csv", "--data-file", path, "--target",
                       "quadrant", "--out", tmp_path / "q", "--progress", "off", "--no-plot")
    assert rc == 0, err
    assert "classification into 4 classes (0, 1, 2, 3)" in out


def test_parquet_needs_pyarrow_or_reads_it(tmp_path, capsys):
    header, rows = _mixed_table()
    path = tmp_path / "t.parquet"
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        path.write_bytes(b"PAR1")
        rc, _, err = run(capsys, "train", "--data", "csv", "--data-file", path, "--target",
                         "label", "--out", tmp_path / "p")
        assert_one_line_error(rc, err, pattern="reading Parquet needs pyarrow (pip install "
                                               "pyarrow)")
        assert err.count("pip install") == 1
        return
    table = pa.table({name: [r[j] for r in rows] for j, name in enumerate(header)})
    pq.write_table(table, path)
    rc, out, err = run(capsys, "train", "--data", "csv", "--data-file", path, "--target",
                       "label", "--out", tmp_path / "p", "--progress", "off", "--no-plot")
    assert rc == 0, err
