"""Tables with a header row (CSV, TSV, Parquet) as arrays a network can learn from.

:func:`read_table` reads the file; :class:`TablePreprocessor` learns, from the training rows
only, how to turn each column into numbers and remembers it (a JSON-able ``state_dict``, saved
with a ``gradkit train --data csv`` run so that ``gradkit predict`` prepares new rows the same
way):

* a column whose every non-missing value is a number is *numeric*: missing values become the
  training median, then the column is standardised with the training mean and standard
  deviation;
* any other column is *categorical*: missing values become the most frequent training value,
  then it is one-hot encoded over the training categories (a category first seen later is all
  zeros);
* the target decides the task: text, or integers with at most :data:`MAX_CLASSES` distinct
  values, give classification (the classes sorted, their names kept); other numbers give
  regression, the target standardised with the training statistics (predictions are mapped
  back).

Empty cells and ``NA``, ``N/A``, ``NaN``, ``null``, ``None``, ``?`` count as missing. A missing
target is an error naming its row.

Examples:
    >>> header, rows = read_table("wine.csv")
    >>> prep = TablePreprocessor.fit(header, rows, target="class")
    >>> x = prep.transform(header, rows)          # float32 (N, features)
    >>> y = prep.transform_target(header, rows)   # int64 class indices
"""

from __future__ import annotations

import csv
import math
import os
from collections import Counter
from pathlib import Path

import numpy as np

__all__ = ["MAX_CLASSES", "MISSING", "TableError", "TablePreprocessor", "read_table"]

#: Integer targets with at most this many distinct values are read as class labels.
MAX_CLASSES = 20
#: Cell texts that mean "no value" (compared after stripping spaces, case-insensitively).
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})


class TableError(ValueError):
    """A table cannot be read or does not fit (a missing column, a missing target, ...)."""


def _is_missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING


def _as_float(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_table(path: str | os.PathLike) -> tuple[list[str], list[list[str]]]:
    """``(header, rows)`` of a table, every cell as text.

    The format follows the extension: ``.tsv``/``.tab`` tab-separated, ``.parquet``/``.pq``
    through pyarrow (when installed), anything else comma-separated (UTF-8, an optional BOM).

    Raises:
        FileNotFoundError: no such file.
        TableError: not text, no header, a row with another number of cells (named by line).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return _read_parquet(path)
    delimiter = "\t" if suffix in (".tsv", ".tab") else ","
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
                         f"offset {exc.start}); is it a {suffix or 'text'} table?") from None
    if "\x00" in text:
        raise TableError(f"{path}: a binary file, not a {suffix or 'text'} table")
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    try:
        lines = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise TableError(f"{path}: line {reader.line_num}: {exc}") from None
    lines = [(n, row) for n, row in lines if any(cell.strip() for cell in row)]
    if not lines:
        raise TableError(f"{path}: the file is empty; expected a header row and data rows")
    header = [cell.strip() for cell in lines[0][1]]
    if len(set(header)) != len(header):
        twice = sorted(name for name, n in Counter(header).items() if n > 1)
        raise TableError(f"{path}: the header names {', '.join(map(repr, twice))} more than "
                         f"once")
    rows = []
    for line_no, row in lines[1:]:
        if len(row) != len(header):
            raise TableError(f"{path}: line {line_no} has {len(row)} cells, the header "
                             f"{len(header)}")
        rows.append(row)
    if not rows:
        raise TableError(f"{path}: a header row but no data rows")
    return header, rows


def _read_parquet(path: Path):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(f"{path}: reading Parquet needs pyarrow (pip install pyarrow), or "
                          f"save the table as CSV") from None
    table = pq.read_table(path)
    header = [str(name) for name in table.column_names]
    columns = [["" if v is None else str(v) for v in col.to_pylist()] for col in table.columns]
    return header, [list(r) for r in zip(*columns)]


def _column(header, rows, name: str, where: str = "") -> list[str]:
    if name not in header:
        raise TableError(f"{where}no column {name!r} (the columns are: {', '.join(header)})")
    j = header.index(name)
    return [row[j] for row in rows]


class TablePreprocessor:
    """How the columns of one table become model inputs and targets; learnt by :meth:`fit`.

    Attributes:
        target: the target column's name. task: ``"classification"`` or ``"regression"``.
        columns: one dict per feature column (``name``, ``kind`` numeric/categorical, and its
            statistics or categories). classes: the class names (classification).
        num_features: the width of :meth:`transform`'s output.
        notes: one-line remarks from :meth:`fit` (missing values filled, ...).
    """

    def __init__(self, state: dict):
        self.target = state["target"]
        self.task = state["task"]
        self.columns = state["columns"]
        self.classes = state.get("classes") or []
        self.target_mean = state.get("target_mean", 0.0)
        self.target_std = state.get("target_std", 1.0)
        self.notes: list[str] = []

    # -------------------------------------------------------------------- learning
    @classmethod
    def fit(cls, header: list[str], rows: list[list[str]], target: str,
            task: str | None = None, *, row_numbers: list[int] | None = None
            ) -> TablePreprocessor:
        """Learn the columns from ``rows`` (the training split only).

        Args:
            header, rows: as :func:`read_table` gives them.
            target: the column to predict.
            task: ``"classification"``, ``"regression"`` or ``None`` to decide from the target.
            row_numbers: each row's line in the file, for messages (default: 2, 3, ...).
        """
        if task not in (None, "classification", "regression"):
            raise ValueError(f"TablePreprocessor.fit: task must be 'classification', "
                             f"'regression' or None, got {task!r}")
        values = _column(header, rows, target)
        lines = row_numbers or list(range(2, len(rows) + 2))
        empty = [lines[i] for i, v in enumerate(values) if _is_missing(v)]
        if empty:
            shown = ", ".join(map(str, empty[:5])) + (", ..." if len(empty) > 5 else "")
            raise TableError(f"the target column {target!r} is empty on {len(empty)} row(s) "
                             f"(line {shown}); drop those rows or fill them in")
        numbers = [_as_float(v) for v in values]
        numeric = all(x is not None for x in numbers)
        integral = numeric and all(float(x).is_integer() for x in numbers)
        distinct = sorted(set(values), key=lambda v: (float(v), v) if numeric else v)
        if task is None:
            task = ("classification" if not numeric or (integral and len(distinct) <= MAX_CLASSES)
                    else "regression")
        state: dict = {"target": target, "task": task, "columns": []}
        if task == "regression":
            if not numeric:
                bad = next(v for v, x in zip(values, numbers) if x is None)
                raise TableError(f"--task regression needs a numeric target, but column "
                                 f"{target!r} holds {bad!r}")
            y = np.asarray(numbers, dtype=np.float64)
            state["target_mean"] = float(y.mean())
            state["target_std"] = float(y.std()) or 1.0
        else:
            if len(distinct) < 2:
                raise TableError(f"the target column {target!r} has a single value "
                                 f"({distinct[0]!r}) in the training rows: nothing to classify")
            if numeric:  # "1" and "1.0" are one class, named as first written
                by_value: dict = {}
                for v, x in zip(values, numbers):
                    by_value.setdefault(x, v.strip())
                distinct = [by_value[x] for x in sorted(by_value)]
            state["classes"] = [v.strip() for v in distinct] if not numeric else distinct
        notes = []
        for j, name in enumerate(header):
            if name == target:
                continue
            cells = [row[j] for row in rows]
            missing = [i for i, c in enumerate(cells) if _is_missing(c)]
            present = [c.strip() for c in cells if not _is_missing(c)]
            floats = [_as_float(c) for c in present]
            if present and all(x is not None for x in floats):
                x = np.asarray(floats, dtype=np.float64)
                median = float(np.median(x))
                full = np.asarray([median if _is_missing(c) else float(c) for c in cells])
                col = {"name": name, "kind": "numeric", "fill": median,
                       "mean": float(full.mean()), "std": float(full.std()) or 1.0}
                filled_with = f"median {median:g}"
            else:
                counts = Counter(present)
                if not counts:
                    raise TableError(f"the column {name!r} is empty in every training row; "
                                     f"drop it")
                fill = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
                col = {"name": name, "kind": "categorical", "fill": fill,
                       "categories": sorted(set(present) | {fill})}
                filled_with = f"most frequent {fill!r}"
            if missing:
                where = ", ".join(str(lines[i]) for i in missing[:3])
                more = ", ..." if len(missing) > 3 else ""
                notes.append(f"{name}: {len(missing)} ({filled_with}; line {where}{more})")
            state["columns"].append(col)
        if not state["columns"]:
            raise TableError(f"the table has no column besides the target {target!r}")
        prep = cls(state)
        if notes:
            prep.notes.append("missing values filled from the training rows: " + "; ".join(notes))
        return prep

    # ------------------------------------------------------------------- applying
    @property
    def num_features(self) -> int:
        return sum(1 if c["kind"] == "numeric" else len(c["categories"]) for c in self.columns)

    @property
    def num_outputs(self) -> int:
        return len(self.classes) if self.task == "classification" else 1

    def feature_names(self) -> list[str]:
        names = []
        for c in self.columns:
            if c["kind"] == "numeric":
                names.append(c["name"])
            else:
                names += [f"{c['name']}={v}" for v in c["categories"]]
        return names

    def transform(self, header: list[str], rows: list[list[str]], *, where: str = "",
                  row_numbers: list[int] | None = None) -> np.ndarray:
        """The feature matrix, float32 ``(len(rows), num_features)``. Every feature column
        must be present (by name, in any order); other columns are ignored. ``row_numbers``:
        each row's line in the file, for messages (default: 2, 3, ...)."""
        lines = row_numbers or list(range(2, len(rows) + 2))
        missing = [c["name"] for c in self.columns if c["name"] not in header]
        if missing:
            raise TableError(f"{where}no column {', '.join(map(repr, missing))}; the model was "
                             f"trained on the columns {', '.join(c['name'] for c in self.columns)}")
        parts = []
        for c in self.columns:
            cells = _column(header, rows, c["name"])
            if c["kind"] == "numeric":
                values = []
                for i, cell in enumerate(cells):
                    if _is_missing(cell):
                        values.append(c["fill"])
                        continue
                    x = _as_float(cell)
                    if x is None:
                        raise TableError(f"{where}line {lines[i]}, column {c['name']!r}: "
                                         f"expected a number, got {cell!r}")
                    values.append(x)
                col = (np.asarray(values, dtype=np.float64) - c["mean"]) / c["std"]
                parts.append(col[:, None])
            else:
                index = {v: k for k, v in enumerate(c["categories"])}
                onehot = np.zeros((len(cells), len(index)))
                for i, cell in enumerate(cells):
                    key = c["fill"] if _is_missing(cell) else cell.strip()
                    if key in index:
                        onehot[i, index[key]] = 1.0
                parts.append(onehot)
        return np.concatenate(parts, axis=1).astype(np.float32)

    def transform_target(self, header: list[str], rows: list[list[str]], *, where: str = "",
                         row_numbers: list[int] | None = None) -> np.ndarray:
        """Class indices (int64) or the standardised target (float32 ``(N, 1)``)."""
        lines = row_numbers or list(range(2, len(rows) + 2))
        cells = _column(header, rows, self.target, where)
        if self.task == "regression":
            out = []
            for i, cell in enumerate(cells):
                x = None if _is_missing(cell) else _as_float(cell)
                if x is None:
                    raise TableError(f"{where}line {lines[i]}: the target {self.target!r} is "
                                     f"{cell!r}, not a number")
                out.append(x)
            y = (np.asarray(out, dtype=np.float64) - self.target_mean) / self.target_std
            return y.astype(np.float32)[:, None]
        index = {name: k for k, name in enumerate(self.classes)}
        numeric = all(_as_float(name) is not None for name in self.classes)
        by_value = {_as_float(name): k for k, name in enumerate(self.classes)} if numeric else {}
        out = []
        for i, cell in enumerate(cells):
            key = cell.strip()
            k = index.get(key)
            if k is None and numeric and _as_float(key) is not None:
                k = by_value.get(_as_float(key))
            if k is None:
                raise TableError(f"{where}line {lines[i]}: the target {self.target!r} is {cell!r}, "
                                 f"not one of the trained classes "
                                 f"({', '.join(self.classes)})")
            out.append(k)
        return np.asarray(out, dtype=np.int64)

    def inverse_target(self, y: np.ndarray) -> np.ndarray:
        """Regression outputs in the target's own units."""
        return np.asarray(y, dtype=np.float64) * self.target_std + self.target_mean

    def state_dict(self) -> dict:
        state = {"target": self.target, "task": self.task, "columns": self.columns}
        if self.task == "classification":
            state["classes"] = self.classes
        else:
            state.update(target_mean=self.target_mean, target_std=self.target_std)
        return state

    @classmethod
    def from_state_dict(cls, state: dict) -> TablePreprocessor:
        return cls(state)
