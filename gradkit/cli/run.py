"""``gradkit run prog.py [args]``: an unmodified PyTorch program on gradkit (see
``gradkit.compat.runner``; its options and errors are the program's own, so ``main`` hands the
whole command line over before parsing)."""

from __future__ import annotations

import argparse

NAME = "run"
MPI = False

__all__ = ["add_parser", "run"]


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("run", help="run an unmodified PyTorch program on gradkit",
                       description="Run PROGRAM with `import torch` giving gradkit and "
                                   "`import torchvision` giving gradkit.vision; ARGS go to the "
                                   "program (gradkit run -m MODULE runs a module).")
    p.add_argument("program", help="the program's .py file (or -m MODULE)")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the program's arguments")
    return p


def run(args) -> int:
    from ..compat import runner

    return runner.main([args.program, *args.args])
