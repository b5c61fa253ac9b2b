"""Helpers of the command-line tests: running ``gradkit`` in this process, the one-line error
check, writing a CSV file."""

from __future__ import annotations

import csv
from pathlib import Path

from gradkit import cli

__all__ = ["assert_one_line_error", "run", "write_csv"]


def run(capsys, *argv):
    """``gradkit argv...`` in this process: (exit status, stdout, stderr)."""
    rc = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def assert_one_line_error(rc, err, *, pattern, code=None):
    assert rc != 0 if code is None else rc == code
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("gradkit: error: "), err
    assert "Traceback" not in err
    assert "Error:" not in lines[0], err  # no exception class names ("ValueError: ...")
    assert pattern in lines[0], err


def write_csv(path: Path, header, rows) -> Path:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path
