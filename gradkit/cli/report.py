"""``gradkit report RUN_DIR [--out FILE]``: one self-contained HTML page about a run
(:func:`gradkit.train.report.write_report`)."""

from __future__ import annotations

import argparse

from ._errors import CLIError

NAME = "report"
MPI = False

__all__ = ["add_parser", "run"]


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("report", help="write an HTML report of a run",
                       description="Write one self-contained HTML page about RUN_DIR, readable "
                                   "offline: test metrics, loss/accuracy/LR curves, the "
                                   "gradient diagnostics (train --diagnostics), the model with "
                                   "parameter counts per layer and its graph, the config, and a "
                                   "confusion matrix for classification.")
    p.add_argument("run_dir")
    p.add_argument("--out", help="the HTML file (default: RUN_DIR/report.html)")
    return p


def run(args) -> int:
    from ..train.report import write_report

    try:
        path = write_report(args.run_dir, args.out)
    except FileNotFoundError as exc:
        raise CLIError(str(exc)) from exc
    print(f"report: {path}")
    return 0
