"""Fixtures of the command-line tests: small real data sets written as files (scikit-learn's
wine and diabetes tables as CSV, four digit classes as 32x32 PNG folders)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cli_helpers import write_csv


def _sklearn_table(loader, path: Path, *, target: str, target_fmt=str, **kw) -> Path:
    bunch = loader(**kw)
    header = [str(n) for n in bunch.feature_names] + [target]
    rows = [[f"{v:.6g}" for v in x] + [target_fmt(y)] for x, y in zip(bunch.data,
                                                                        bunch.target)]
    return write_csv(path, header, rows)


@pytest.fixture(scope="session")
def wine_csv(tmp_path_factory) -> Path:
    """scikit-learn's wine table (178 rows, 13 numeric features, 3 cultivars) as CSV."""
    datasets = pytest.importorskip("sklearn.datasets")
    path = tmp_path_factory.mktemp("wine") / "wine.csv"
    return _sklearn_table(datasets.load_wine, path, target="cultivar",
                          target_fmt=lambda y: ["barolo", "grignolino", "barbera"][int(y)])


@pytest.fixture(scope="session")
def diabetes_csv(tmp_path_factory) -> Path:
    """scikit-learn's diabetes table (442 rows, 10 features, disease progression) as CSV."""
    datasets = pytest.importorskip("sklearn.datasets")
    path = tmp_path_factory.mktemp("diabetes") / "diabetes.csv"
    return _sklearn_table(datasets.load_diabetes, path, target="progression",
                          target_fmt=lambda y: f"{y:g}", scaled=False)


@pytest.fixture(scope="session")
def digit_folders(tmp_path_factory) -> Path:
    """Four digit classes (0-3) of scikit-learn's digits, 120 each, as 32x32 grayscale PNGs in
    one folder per class."""
    datasets = pytest.importorskip("sklearn.datasets")
    Image = pytest.importorskip("PIL.Image")
    digits = datasets.load_digits()
    root = tmp_path_factory.mktemp("digits") / "digits4"
    names = ["zero", "one", "two", "three"]
    for c, name in enumerate(names):
        folder = root / name
        folder.mkdir(parents=True)
        for k, i in enumerate(np.flatnonzero(digits.target == c)[:120]):
            img = Image.fromarray((digits.images[i] * (255 / 16)).astype(np.uint8), "L")
            img.resize((32, 32), Image.Resampling.BILINEAR).save(folder / f"{k:03d}.png")
    return root
