"""The ``gradkit`` command: train (on built-in data or your own CSV table or image folders),
resume, evaluate, predict, find a learning rate, report, benchmark, and run a PyTorch program
unchanged (``gradkit run prog.py [args]``, see gradkit.compat.runner).

Run ``gradkit train`` with no arguments for the main job: a small CNN on scikit-learn's digits
(about 97-99% test accuracy in well under a minute on two CPU cores). Each run writes a folder
(see ``_runs.py``): config.json, preprocessing.json, checkpoint.safetensors (the last epoch),
best.safetensors (the best validation loss), history.csv/.jsonl/.png and results.json.

Errors (unknown options, missing files, bad values) are one line on stderr,
``gradkit: error: ...``, with exit status 2 for usage errors and 1 for failures
(``GRADKIT_DEBUG=1`` shows the traceback).

Data-parallel: ``mpiexec -n 4 gradkit train ...`` (and ``resume``, ``eval``) joins the MPI world
(``gradkit.distributed``) and trains with the global batch ``--batch-size`` split over the ranks.
Rank 0 picks the run folder, prints, and writes every file; the others print nothing. An error
that every rank meets (a bad option, an existing run folder) ends every rank cleanly; an error
on one rank alone aborts the whole job (``MPI_Abort``) so no rank waits forever.

One module per command, each with ``NAME``, ``MPI`` (whether it runs data-parallel under
mpiexec), ``add_parser(subparsers)`` and ``run(args) -> exit status``. Adding a command is one
new module and one entry in :data:`COMMANDS`.
"""

from __future__ import annotations

import contextlib
import io
import sys

from . import bench, export, graph, info, lr_find, predict, report, resume, train
from . import eval as eval_
from . import run as run_
from ._errors import CLIError, debug_enabled, one_line
from ._mpi import env_rank, fail, join_mpi_world, launched_under_mpi, world
from ._options import Parser

__all__ = ["COMMANDS", "CLIError", "build_parser", "main"]

#: The commands, in the order ``gradkit --help`` lists them.
COMMANDS = [train, resume, eval_, predict, export, lr_find, graph, report, info, bench, run_]


def build_parser() -> Parser:
    """The ``gradkit`` argument parser, one sub-command per module of :data:`COMMANDS`."""
    import argparse

    from .. import __version__

    parser = Parser(prog="gradkit", description="gradkit: train, evaluate and benchmark "
                                                "models with PyTorch's API on NumPy.",
                    epilog="examples:\n"
                           "  gradkit train                       CNN on digits (the main job)\n"
                           "  gradkit train --data csv --data-file wine.csv --target class\n"
                           "  gradkit train --data images --data-dir photos/\n"
                           "  gradkit train --data text           character LSTM on text\n"
                           "  gradkit resume runs/RUN --epochs 20 continue a run\n"
                           "  gradkit eval runs/RUN               test metrics of a checkpoint\n"
                           "  gradkit predict runs/RUN new.csv    predictions for new data\n"
                           "  gradkit lr-find --model mlp         LR range test and plot\n"
                           "  gradkit export runs/RUN --out m.onnx  the model as ONNX\n"
                           "  gradkit report runs/RUN             an HTML page about a run\n"
                           "  gradkit bench --quick               speed against PyTorch",
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"gradkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def _dispatch(args) -> int:
    by_name = {m.NAME: m for m in COMMANDS}
    return by_name[args.command].run(args)


def main(argv: list[str] | None = None) -> int:
    """Run the ``gradkit`` command with ``argv`` (default ``sys.argv[1:]``); return the status.

    Launched by ``mpiexec``, ``train``, ``resume`` and ``eval`` run data-parallel over the ranks.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "run":  # the program's own options and errors are its own
        from ..compat import runner

        return runner.main(argv[1:])
    joined = False
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help and --version
            return int(exc.code or 0)
        module = {m.NAME: m for m in COMMANDS}[args.command]
        if module.MPI:
            joined = join_mpi_world()
        elif env_rank() != 0 and launched_under_mpi():
            return 0  # not data-parallel: rank 0 runs it alone, once
        quiet = (contextlib.redirect_stdout(io.StringIO()) if world()[0] != 0
                 else contextlib.nullcontext())
        with quiet:  # only rank 0 prints
            return module.run(args)
    except CLIError as exc:
        return fail(f"gradkit: error: {one_line(exc)}", exc.code, exc)
    except BrokenPipeError:  # `gradkit predict ... | head`: the reader has what it wanted
        import os

        try:  # no second error when Python flushes stdout on the way out
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 0
    except KeyboardInterrupt as exc:
        return fail("gradkit: interrupted (the last checkpoint is intact; `gradkit resume "
                    "RUN_DIR` continues)", 130, exc)
    except ImportError as exc:
        if debug_enabled():
            raise
        hint = "" if "pip install" in str(exc) else (" (pip install gradkit[train] installs "
                                                     "the optional extras)")
        return fail(f"gradkit: error: {one_line(exc)}{hint}", 1, exc)
    except (OSError, ValueError, TypeError, RuntimeError, ArithmeticError, LookupError) as exc:
        if debug_enabled():
            raise  # under several ranks the abort hook of gradkit.distributed ends the job
        return fail(f"gradkit: error: {one_line(exc)}", 1, exc)
    except Exception as exc:  # a bug, not a usage error: still one line, traceback on request
        if debug_enabled():
            raise
        return fail(f"gradkit: error: internal error {type(exc).__name__}: {one_line(exc)} "
                    f"(set GRADKIT_DEBUG=1 for the traceback and please report it)", 1, exc)
    finally:
        # leave the world only on the way out of a normal return: an exception still going
        # up (GRADKIT_DEBUG) must reach gradkit.distributed's abort hook
        if joined and sys.exc_info()[0] is None:
            from .. import distributed as dist

            dist.destroy_process_group()
