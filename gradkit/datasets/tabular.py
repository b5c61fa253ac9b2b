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
import io
import math
import os
import re
from collections import Counter
from pathlib import Path

import numpy as np

__all__ = ["MAX_CLASSES", "MISSING", "TableError", "TablePreprocessor", "SEPARATORS",
           "missing_column_hint", "read_table", "read_table_lines"]

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


_DATE = re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
#: A text column with more than this many distinct values, most of them once, is taken for an
#: identifier or free text and left out of the features (its one-hot code would only memorise
#: the training rows).
MAX_DISTINCT_TEXT = 20
_ID_NAMES = re.compile(r"(?i:^(id|index|row|rowid|row_id|key|uuid)$|[_ .-]id$)|[a-z]Id$|[a-z]ID$")


def _as_day(cell: str) -> float | None:
    """An ISO date (``2024-05-17``, ``2024/5/17``, with an optional time) as days since
    1970-01-01; ``None`` for anything else."""
    cell = cell.strip()
    if not _DATE.match(cell):
        return None
    day, _, clock = cell.replace("T", " ").partition(" ")
    try:
        y, m, d = (int(v) for v in re.split("[-/]", day))
        when = np.datetime64(f"{y:04d}-{m:02d}-{d:02d}", "D")
    except ValueError:
        return None
    days = float(when.astype(np.int64))
    if clock:
        h, mi, *sec = clock.split(":")
        days += (int(h) * 3600 + int(mi) * 60 + float(sec[0] if sec else 0)) / 86400
    return days


def _as_days(cells: list[str]) -> list[float] | None:
    """Every cell as days (:func:`_as_day`), or ``None`` unless every one is a date."""
    days = [_as_day(c) for c in cells]
    return None if any(d is None for d in days) else days


def _day_text(days: float) -> str:
    return str(np.datetime64(int(math.floor(days)), "D"))


def _identifier(name: str, present: list[str], floats: list, dates) -> str | None:
    """Why a column looks like an identifier or free text (so not a feature), else ``None``:
    text with more than :data:`MAX_DISTINCT_TEXT` values, at least half of them distinct; or
    whole numbers, a different one on every row, that count rows (dense, from about 0 or 1)
    or sit in a column named like an id."""
    n, distinct = len(present), len(set(present))
    if not n or dates is not None:
        return None
    numbers = sum(x is not None for x in floats)
    if numbers < n:  # text; mostly numbers with a stray text is not an identifier (see fit)
        if distinct > MAX_DISTINCT_TEXT and distinct >= 0.5 * n and numbers < 0.8 * n:
            return f"{distinct} different texts in {n} rows"
        return None
    if distinct < n or n < 10 or not all(float(x).is_integer() for x in floats):
        return None
    low, span = min(floats), max(floats) - min(floats) + 1
    # a row counter (0, 1, 2, ... or 1, 2, 3, ...; the training rows are a shuffled share of
    # them): not a year or a measurement that happens to differ on every row
    if (n >= 20 and span <= 2 * n and 0 <= low <= max(10, 0.1 * n)) or _ID_NAMES.search(name):
        return f"a different whole number on each of {n} rows"
    return None


#: Separators tried for a ``.csv`` (or any non-``.tsv``) file; the one that splits the first
#: lines into the same number (> 1) of cells wins, ties going to the earlier one.
SEPARATORS = (",", ";", "\t", "|")
_SPREADSHEETS = (".xlsx", ".xls", ".xlsm", ".xlsb", ".ods", ".numbers")
_DECIMAL_COMMA = re.compile(r"^[+-]?(\d+,\d*|\d*,\d+)([eE][+-]?\d+)?$")
_GROUPED_DECIMAL_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d*)?$")


def _sniff_separator(text: str) -> str:
    """The separator of a delimited text: the candidate that splits the first 20 non-empty
    lines into the same number of cells (more than one), the most cells winning."""
    head = [ln for ln in text.splitlines()[:200] if ln.strip()][:20]
    best, best_score = ",", (False, 0)
    for sep in SEPARATORS:
        try:
            counts = [len(row) for row in csv.reader(head, delimiter=sep)]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        score = (all(c == counts[0] for c in counts), counts[0])
        if score > best_score:
            best, best_score = sep, score
    return best


def _decimal_commas(header: list[str], rows: list[list[str]]) -> None:
    """Columns written with decimal commas (``3,14``, in a ``;``- or tab-separated file) read
    as numbers: every non-missing cell an integer or a decimal-comma number, one at least with
    a comma; or, with dots grouping thousands (``1.234,5``), every cell so written. Changed in
    place."""
    for j in range(len(header)):
        cells = [row[j].strip() for row in rows if not _is_missing(row[j])]
        if not any("," in c for c in cells):
            continue
        if all(_DECIMAL_COMMA.match(c) or (c.lstrip("+-").isdigit()) for c in cells):
            for row in rows:
                row[j] = row[j].replace(",", ".")
        elif all(_GROUPED_DECIMAL_COMMA.match(c) for c in cells):  # 1.234,5: dots group
            for row in rows:
                row[j] = row[j].replace(".", "").replace(",", ".")


def read_table(path: str | os.PathLike) -> tuple[list[str], list[list[str]]]:
    """``(header, rows)`` of a table, every cell as text (see :func:`read_table_lines`)."""
    header, rows, _ = read_table_lines(path)
    return header, rows


def read_table_lines(path: str | os.PathLike) -> tuple[list[str], list[list[str]], list[int]]:
    """``(header, rows, lines)`` of a table, every cell as text; ``lines[i]`` is the line of
    the file where row ``i`` starts (blank lines and cells with line breaks counted), for
    messages.

    The format follows the extension: ``.tsv``/``.tab`` tab-separated, ``.parquet``/``.pq``
    through pyarrow (when installed); anything else is delimited text whose separator (``,``,
    ``;``, tab or ``|``) is found from its first lines (UTF-8, an optional BOM, any line
    endings, quoted cells). In a file not separated by commas, numbers written with a decimal
    comma (``3,14``) are read as numbers.

    Raises:
        FileNotFoundError: no such file.
        TableError: not text, no header (a first row of numbers), a row with another number of
            cells (named by line).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        header, rows = _read_parquet(path)
        return header, rows, list(range(2, len(rows) + 2))
    if suffix in _SPREADSHEETS:
        raise TableError(f"{path}: a spreadsheet ({suffix}), not a text table; save the sheet "
                         f"as CSV (File > Save As > CSV UTF-8) and give that file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
                         f"offset {exc.start}); is it a {suffix or 'text'} table? Save it "
                         f"as UTF-8 (in a spreadsheet: CSV UTF-8)") from None
    if "\x00" in text:
        raise TableError(f"{path}: a binary file, not a {suffix or 'text'} table")
    first, _, rest = text.partition("\n")
    skipped = 0  # lines before the header row
    if re.fullmatch(r"sep=.\r?", first):  # Excel's separator line: "sep=;"
        delimiter, text, skipped = first[4], rest, 1
    else:
        delimiter = "\t" if suffix in (".tsv", ".tab") else _sniff_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines, start = [], 1
        for row in reader:  # line_num is the row's last line: a quoted cell may span several
            lines.append((start + skipped, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise TableError(f"{path}: line {reader.line_num + skipped}: {exc}") from None
    lines = [(n, [cell.replace("\r\n", "\n") for cell in row]) for n, row in lines
             if any(cell.strip() for cell in row)]
    if not lines:
        raise TableError(f"{path}: the file is empty; expected a header row and data rows")
    header = [cell.strip() for cell in lines[0][1]]
    rows, row_lines = [], [n for n, _ in lines[1:]]
    for line_no, row in lines[1:]:
        if len(row) != len(header):
            sep = {"\t": "tab", ",": "','", ";": "';'", "|": "'|'"}[delimiter]
            raise TableError(f"{path}: line {line_no} has {len(row)} cells, the header "
                             f"{len(header)} (cells separated by {sep}); give every row as "
                             f"many cells as the header, and quote cells that hold the "
                             f"separator")
        rows.append(row)
    if delimiter != ",":
        _decimal_commas(header, rows)
    as_number = [c.replace(",", ".") if delimiter != "," and _DECIMAL_COMMA.match(c) else c
                 for c in header]
    if len(header) > 1 and all(_as_float(c) is not None for c in as_number):
        shown = ", ".join(header[:4]) + (", ..." if len(header) > 4 else "")
        names = ",".join(f"x{i + 1}" for i in range(min(3, len(header))))
        raise TableError(f"{path}: the first row ({shown}) is all numbers: it looks like data, "
                         f"not a header row; add a first line naming the {len(header)} "
                         f"columns (e.g. {names}{',...' if len(header) > 3 else ''})")
    # a column without a name (pandas' to_csv writes its index so) is named as pandas reads it
    header = [name or f"Unnamed: {k}" for k, name in enumerate(header)]
    if len(set(header)) != len(header):
        twice = sorted(name for name, n in Counter(header).items() if n > 1)
        raise TableError(f"{path}: the header names {', '.join(map(repr, twice))} more than "
                         f"once; give every column its own name")
    if not rows:
        raise TableError(f"{path}: a header row but no data rows")
    return header, rows, row_lines


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


def missing_column_hint(header: list[str], name: str) -> str:
    """What to add to "no column NAME": a near spelling of it among ``header``, or that the
    first row looks like data (a file without a header row)."""
    import difflib

    lower = {h.lower(): h for h in header}
    close = ([lower[name.lower()]] if name.lower() in lower
             else difflib.get_close_matches(name, header, n=1, cutoff=0.75))
    if close:
        return f"; did you mean {close[0]!r}?"
    numbers = [h for h in header if _as_float(h.replace(",", ".")) is not None]
    if len(numbers) >= max(1, len(header) // 2):
        return (f"; the first row ({', '.join(header[:3])}, ...) looks like data: the file "
                f"needs a header row naming the columns as its first line")
    return ""


def _column(header, rows, name: str, where: str = "") -> list[str]:
    if name not in header:
        raise TableError(f"{where}no column {name!r} (the columns are: {', '.join(header)})"
                         f"{missing_column_hint(header, name)}")
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
        self.ignored = state.get("ignored") or []
        self.target_mean = state.get("target_mean", 0.0)
        self.target_std = state.get("target_std", 1.0)
        self.notes: list[str] = []

    # -------------------------------------------------------------------- learning
    @classmethod
    def fit(cls, header: list[str], rows: list[list[str]], target: str,
            task: str | None = None, *, row_numbers: list[int] | None = None,
            target_values: list[str] | None = None) -> TablePreprocessor:
        """Learn the columns from ``rows`` (the training split only).

        Args:
            header, rows: as :func:`read_table` gives them.
            target: the column to predict.
            task: ``"classification"``, ``"regression"`` or ``None`` to decide from the target.
            row_numbers: each row's line in the file, for messages (default: 2, 3, ...).
            target_values: the target of every row of the table (training, validation and
                test rows): the task and the classes are decided on them, so that a rare class
                whose rows all fell outside the training split is still a class (with a note).
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
        every = [v for v in (target_values or values) if not _is_missing(v)] or values
        numbers = [_as_float(v) for v in values]
        every_numbers = [_as_float(v) for v in every]
        numeric = all(x is not None for x in every_numbers)
        integral = numeric and all(float(x).is_integer() for x in every_numbers)
        # " yes" and "yes" are one class (cells are compared stripped, as transform_target does)
        distinct = sorted({v.strip() for v in every},
                          key=lambda v: (float(v), v) if numeric else v)
        if task is None:
            task = ("classification" if not numeric or (integral and len(distinct) <= MAX_CLASSES)
                    else "regression")
        state: dict = {"target": target, "task": task, "columns": []}
        filled: list[str] = []
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
                                 f"({distinct[0]!r}) in every row: nothing to classify")
            if numeric:  # "1" and "1.0" are one class, named as first written
                by_value: dict = {}
                for v, x in zip(every, every_numbers):
                    by_value.setdefault(x, v.strip())
                distinct = [by_value[x] for x in sorted(by_value)]
            state["classes"] = [v.strip() for v in distinct] if not numeric else distinct
        notes, ignored = [], []
        for j, name in enumerate(header):
            if name == target:
                continue
            cells = [row[j] for row in rows]
            missing = [i for i, c in enumerate(cells) if _is_missing(c)]
            present = [c.strip() for c in cells if not _is_missing(c)]
            floats = [_as_float(c) for c in present]
            dates = _as_days(present) if present else None
            reason = (_identifier(name, present, floats, dates) if present
                      else "empty in every training row")
            if reason:
                ignored.append({"name": name, "reason": reason})
                continue
            if dates is not None or (present and all(x is not None for x in floats)):
                x = np.asarray(floats if dates is None else dates, dtype=np.float64)
                median = float(np.median(x))
                full = np.full(len(cells), median)
                full[[i for i, c in enumerate(cells) if not _is_missing(c)]] = x
                col = {"name": name, "kind": "numeric" if dates is None else "date",
                       "fill": median, "mean": float(full.mean()), "std": float(full.std()) or 1.0}
                filled_with = (f"median {median:g}" if dates is None
                               else f"median {_day_text(median)}")
            else:
                counts = Counter(present)
                fill = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
                col = {"name": name, "kind": "categorical", "fill": fill,
                       "categories": sorted(set(present) | {fill})}
                filled_with = f"most frequent {fill!r}"
                numbers = sum(x is not None for x in floats)
                if numbers >= 0.8 * len(present):
                    text_cells = [(lines[i], c.strip()) for i, c in enumerate(cells)
                                  if not _is_missing(c) and _as_float(c) is None]
                    text_cells.sort()
                    shown = ", ".join(f"{v!r} (line {n})" for n, v in text_cells[:3])
                    notes.append(f"the column {name!r} holds numbers but also {shown}"
                                 f"{', ...' if len(text_cells) > 3 else ''}, so it is read as "
                                 f"{len(counts)} categories; correct those cells, or mark them "
                                 f"missing (empty, NA, ?), to read it as numbers")
            if missing:
                where = sorted(lines[i] for i in missing)
                more = ", ..." if len(missing) > 3 else ""
                filled.append(f"{name}: {len(missing)} ({filled_with}; line "
                              f"{', '.join(map(str, where[:3]))}{more})")
            state["columns"].append(col)
        state["ignored"] = ignored
        if ignored:
            notes.insert(0, "columns left out of the features: " + "; ".join(
                f"{c['name']} ({c['reason']})" for c in ignored))
        if not state["columns"]:
            raise TableError(f"the table has no column besides the target {target!r}"
                             + (" and the identifier-like column(s) "
                                + ", ".join(repr(c["name"]) for c in ignored) if ignored else ""))
        prep = cls(state)
        if task == "classification":
            seen = set(prep.transform_target([target], [[v] for v in values]).tolist())
            unseen = [c for k, c in enumerate(prep.classes) if k not in seen]
            if unseen:
                notes.append(f"the class(es) {', '.join(map(repr, unseen))} of {target!r} have "
                             f"no training rows (all fell in the validation or test split), so "
                             f"the model cannot learn them; add rows of them, or drop them")
        prep.notes += notes
        if filled:
            prep.notes.append("missing values filled from the training rows: "
                              + "; ".join(filled))
        return prep

    # ------------------------------------------------------------------- applying
    @property
    def num_features(self) -> int:
        return sum(len(c["categories"]) if c["kind"] == "categorical" else 1
                   for c in self.columns)

    @property
    def num_outputs(self) -> int:
        return len(self.classes) if self.task == "classification" else 1

    def feature_names(self) -> list[str]:
        names = []
        for c in self.columns:
            if c["kind"] != "categorical":
                names.append(c["name"])
            else:
                names += [f"{c['name']}={v}" for v in c["categories"]]
        return names

    def transform(self, header: list[str], rows: list[list[str]], *, where: str = "",
                  row_numbers: list[int] | None = None,
                  notes: list[str] | None = None) -> np.ndarray:
        """The feature matrix, float32 ``(len(rows), num_features)``. Every feature column
        must be present (by name, in any order); other columns are ignored. ``row_numbers``:
        each row's line in the file, for messages (default: 2, 3, ...). ``notes``, when given,
        receives one line per column with missing values filled or categories not seen in
        training (encoded as all zeros)."""
        lines = row_numbers or list(range(2, len(rows) + 2))
        missing = [c["name"] for c in self.columns if c["name"] not in header]
        if missing:
            raise TableError(f"{where}no column {', '.join(map(repr, missing))}; the model was "
                             f"trained on the columns {', '.join(c['name'] for c in self.columns)}"
                             f"{missing_column_hint(header, missing[0])}")
        parts, filled, unseen = [], [], []
        for c in self.columns:
            cells = _column(header, rows, c["name"])
            gaps = [lines[i] for i, cell in enumerate(cells) if _is_missing(cell)]
            if gaps:
                fill = {"date": _day_text, "numeric": "{:g}".format}.get(c["kind"], repr)(
                    c["fill"])
                filled.append(f"{c['name']}: {len(gaps)} with {fill} (line "
                              f"{', '.join(map(str, gaps[:3]))}{', ...' if len(gaps) > 3 else ''})")
            if c["kind"] in ("numeric", "date"):
                parse, what = (_as_float, "a number") if c["kind"] == "numeric" else (
                    _as_day, "a date (YYYY-MM-DD)")
                values = []
                for i, cell in enumerate(cells):
                    if _is_missing(cell):
                        values.append(c["fill"])
                        continue
                    x = parse(cell.strip())
                    if x is None:
                        raise TableError(f"{where}line {lines[i]}, column {c['name']!r}: "
                                         f"expected {what}, got {cell!r}; correct it, or leave "
                                         f"the cell empty to fill it with the training median")
                    values.append(x)
                col = (np.asarray(values, dtype=np.float64) - c["mean"]) / c["std"]
                parts.append(col[:, None])
            else:
                index = {v: k for k, v in enumerate(c["categories"])}
                onehot = np.zeros((len(cells), len(index)))
                new: dict = {}
                for i, cell in enumerate(cells):
                    key = c["fill"] if _is_missing(cell) else cell.strip()
                    if key in index:
                        onehot[i, index[key]] = 1.0
                    else:
                        new.setdefault(key, lines[i])
                if new:
                    shown = ", ".join(f"{v!r} (line {n})" for v, n in list(new.items())[:3])
                    unseen.append(f"{c['name']}: {shown}{', ...' if len(new) > 3 else ''}")
                parts.append(onehot)
        if notes is not None:
            if filled:
                notes.append(f"{where}missing values filled as in training: " + "; ".join(filled))
            if unseen:
                notes.append(f"{where}values never seen in training (encoded as all zeros, no "
                             f"category): " + "; ".join(unseen))
        return np.concatenate(parts, axis=1).astype(np.float32)

    def transform_target(self, header: list[str], rows: list[list[str]], *, where: str = "",
                         row_numbers: list[int] | None = None,
                         lenient: bool = False) -> np.ndarray:
        """Class indices (int64) or the standardised target (float32 ``(N, 1)``).

        ``lenient``: a missing cell, a class not trained on or a text in a regression target
        becomes -1 (classification) or NaN (regression) instead of an error (``gradkit
        predict`` scores the rows whose target it knows)."""
        lines = row_numbers or list(range(2, len(rows) + 2))
        cells = _column(header, rows, self.target, where)
        if self.task == "regression":
            out = []
            for i, cell in enumerate(cells):
                x = None if _is_missing(cell) else _as_float(cell)
                if x is None and lenient:
                    x = math.nan
                elif x is None:
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
            if k is None and lenient:
                k = -1
            elif k is None:
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
        if self.ignored:
            state["ignored"] = self.ignored
        if self.task == "classification":
            state["classes"] = self.classes
        else:
            state.update(target_mean=self.target_mean, target_std=self.target_std)
        return state

    @classmethod
    def from_state_dict(cls, state: dict) -> TablePreprocessor:
        return cls(state)
