"""``gradkit graph RUN_DIR [--out FILE]``: a picture of a run's backward graph
(:func:`gradkit.train.report.draw_run_graph`)."""

from __future__ import annotations

import argparse

from ._errors import CLIError
from ._options import nonneg_int

NAME = "graph"
MPI = False

__all__ = ["add_parser", "run"]


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("graph", help="draw a run's model as its backward graph",
                       description="Draw the backward graph of RUN_DIR's model (rebuilt from "
                                   "its config, with its checkpoint's weights) on two test "
                                   "samples: backward nodes named as PyTorch names them, "
                                   "parameters by name, large models collapsed into module "
                                   "boxes. The file's suffix picks the format (.svg, .png, "
                                   ".dot).")
    p.add_argument("run_dir")
    p.add_argument("--out", help="the picture (default: RUN_DIR/graph.svg)")
    p.add_argument("--collapse", choices=("auto", "module", "none"), default="auto",
                   help="auto: one box per module when the graph is large (default); module: "
                        "always; none: every operation")
    p.add_argument("--depth", type=nonneg_int, default=None,
                   help="with --collapse module: how deep in the module tree boxes are drawn")
    return p


def run(args) -> int:
    from ..train.report import draw_run_graph

    try:
        path = draw_run_graph(args.run_dir, args.out,
                              collapse=None if args.collapse == "none" else args.collapse,
                              depth=args.depth)
    except (FileNotFoundError, ValueError) as exc:
        raise CLIError(str(exc)) from exc
    print(f"graph: {path}")
    return 0
