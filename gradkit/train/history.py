"""The training history: one row of numbers per epoch, written as CSV and/or JSON lines.

Examples:
    >>> h = History()
    >>> h.append({"epoch": 1, "loss": 0.7, "val_loss": 0.8, "lr": 0.01})
    >>> h.last["loss"]
    0.7
    >>> h.to_csv("runs/x/history.csv")
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["History"]


def _clean(value: Any) -> Any:
    """A plain JSON-friendly number (NaN/inf become None in JSON lines, kept in CSV)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    return float(value)


class History:
    """Per-epoch records (``list`` of ``dict``) with column access and file writers.

    Rows are dicts such as ``{"epoch": 3, "loss": 0.21, "accuracy": 0.94, "val_loss": 0.25,
    "val_accuracy": 0.93, "lr": 0.001, "time": 1.8, "samples_per_s": 790.0}``.
    """

    def __init__(self, rows: Iterable[dict] = ()):
        self.rows: list[dict] = [dict(r) for r in rows]

    def append(self, row: dict) -> None:
        """Add one epoch's numbers."""
        self.rows.append({k: _clean(v) for k, v in row.items()})

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, key):
        """``history["loss"]`` gives the column (None where missing); ``history[-1]`` a row."""
        if isinstance(key, str):
            return [row.get(key) for row in self.rows]
        return self.rows[key]

    @property
    def last(self) -> dict:
        """The latest row (an empty dict before the first epoch)."""
        return self.rows[-1] if self.rows else {}

    @property
    def columns(self) -> list[str]:
        """Every key seen, in first-seen order."""
        cols: list[str] = []
        for row in self.rows:
            for k in row:
                if k not in cols:
                    cols.append(k)
        return cols

    def best(self, key: str, mode: str = "min") -> dict | None:
        """The row with the smallest (``mode="min"``) or largest value of ``key``."""
        if mode not in ("min", "max"):
            raise ValueError(f"History.best: mode must be 'min' or 'max', got {mode!r}")
        rows = [r for r in self.rows if isinstance(r.get(key), (int, float))
                and not math.isnan(r[key])]
        if not rows:
            return None
        pick = min if mode == "min" else max
        return pick(rows, key=lambda r: r[key])

    # -- persistence ------------------------------------------------------------------------
    def state_dict(self) -> list[dict]:
        """The rows (JSON-serialisable), for checkpoints."""
        return [dict(r) for r in self.rows]

    def load_state_dict(self, rows: Iterable[dict]) -> None:
        self.rows = [dict(r) for r in rows]

    def to_csv(self, path: str | os.PathLike) -> Path:
        """Write all rows to ``path`` as CSV (rewritten whole, so it stays right after a resume)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self.columns, extrasaction="ignore")
            writer.writeheader()
            for row in self.rows:
                writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        os.replace(tmp, path)
        return path

    def to_jsonl(self, path: str | os.PathLike) -> Path:
        """Write all rows to ``path`` as JSON lines (one object per epoch)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w") as f:
            for row in self.rows:
                safe = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                        for k, v in row.items()}
                f.write(json.dumps(safe) + "\n")
        os.replace(tmp, path)
        return path

    @classmethod
    def read(cls, path: str | os.PathLike) -> History:
        """Read a history written by :meth:`to_csv` (``.csv``) or :meth:`to_jsonl`."""
        path = Path(path)
        if path.suffix == ".csv":
            with open(path, newline="") as f:
                rows = []
                for raw in csv.DictReader(f):
                    row: dict = {}
                    for k, v in raw.items():
                        if v in ("", None):
                            continue
                        try:
                            num = float(v)
                            row[k] = int(num) if k == "epoch" else num
                        except ValueError:
                            row[k] = v
                    rows.append(row)
            return cls(rows)
        with open(path) as f:
            return cls(json.loads(line) for line in f if line.strip())

    def __repr__(self) -> str:
        return f"History({len(self.rows)} epochs, columns={self.columns})"
