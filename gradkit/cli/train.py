"""``gradkit train``: build a job from the options (or ``--config FILE``), train it into a new
run folder, and report the test metrics of the best epoch."""

from __future__ import annotations

import argparse
import time

from ._errors import CLIError
from ._mpi import on_rank0, world
from ._options import Parser, add_job_options, check_config, load_config_file
from ._runs import (
    BEST,
    Job,
    config_from_args,
    pick_run_dir,
    remove_unfinished_run,
    report,
    start_run_folder,
)

NAME = "train"
MPI = True  # runs data-parallel under mpiexec

__all__ = ["add_parser", "apply_config_file", "job_parser", "run"]


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "train", help="train a model (default: CNN on digits; or your CSV table or image folders)",
        description="Train a model and write a run folder. With no options: a CNN on "
                    "scikit-learn's digits. Your own data: --data csv --data-file FILE "
                    "--target COLUMN, or --data images --data-dir DIR (one sub-folder per "
                    "class).")
    add_job_options(p)
    return p


def job_parser() -> argparse.ArgumentParser:
    """A parser with train's options alone (config files and run configs are checked on it)."""
    p = Parser(prog="gradkit train", add_help=False)
    add_job_options(p)
    return p


#: keys a run's config.json holds that are not options (the cycles of an extended schedule)
_RUN_ONLY_KEYS = ("schedule_ends",)


def apply_config_file(args, parser: argparse.ArgumentParser | None = None) -> dict:
    """Fill the options not given on the command line from ``--config FILE``."""
    if not getattr(args, "config", None):
        return {}
    parser = parser or job_parser()
    raw = load_config_file(args.config)
    for key in _RUN_ONLY_KEYS:  # a run's own config.json works as a --config file too
        raw.pop(key, None)
    values = check_config(raw, parser, f"--config {args.config}")
    defaults = {a.dest: a.default for a in parser._actions}
    for dest, value in values.items():
        if getattr(args, dest, None) == defaults.get(dest):
            setattr(args, dest, value)
    return values


def _collective(fn):
    try:
        return fn()
    except CLIError as exc:
        exc.collective = True  # the same on every rank
        raise


def world_note(cfg: dict) -> str:
    size = world()[1]
    if size == 1:
        return ""
    return (f" on {size} MPI ranks ({int(cfg['batch_size']) // size} samples per rank and "
            f"batch)")


def describe_data(job: Job) -> str:
    data = job.data
    sizes = [len(loader.dataset) for loader in (data.train, data.val, data.test)
             if loader is not None]
    split = " / ".join(f"{n} {name}" for n, name in zip(sizes, ("train", "val", "test")))
    if data.kind == "table":
        what = (f"{data.in_shape[0]} input features; "
                + (f"classification into {data.num_classes} classes ({_names(data.classes)})"
                   if data.task == "classification" else "regression"))
    elif data.kind == "image" and data.classes:
        c, h, w = data.in_shape
        what = f"{c}x{h}x{w} images; {data.num_classes} classes ({_names(data.classes)})"
    else:
        return ""
    return f"data: {split}; {what}"


def _names(classes, limit: int = 6) -> str:
    shown = ", ".join(map(str, classes[:limit]))
    return shown + (f", ... ({len(classes) - limit} more)" if len(classes) > limit else "")


def run(args) -> int:
    _collective(lambda: apply_config_file(args))
    cfg = _collective(lambda: config_from_args(args))
    run_dir = on_rank0(lambda: pick_run_dir(args.out))
    plural = "s" * (int(cfg["epochs"]) != 1)
    print(f"gradkit train: {cfg['model']} on {cfg['data']}, {cfg['optimizer']} lr {cfg['lr']:g}, "
          f"scheduler {cfg['scheduler']}, {cfg['epochs']} epoch{plural}{world_note(cfg)} -> "
          f"{run_dir}", flush=True)
    t0 = time.perf_counter()
    job = Job(cfg, run_dir, progress=args.progress, plots=not args.no_plot)
    rank0 = world()[0] == 0
    if rank0:
        line = describe_data(job)
        if line:
            print(line, flush=True)
        for note in job.data.notes:
            print(f"note: {note}", flush=True)
    created = on_rank0(lambda: start_run_folder(run_dir, cfg, job.preprocessing()))
    try:
        job.fit(int(cfg["epochs"]))
    except BaseException as exc:
        if rank0 and remove_unfinished_run(run_dir, created):
            if isinstance(exc, KeyboardInterrupt):
                raise CLIError("interrupted before the first epoch ended; nothing was saved",
                               130) from None
        raise
    weights = ""
    if on_rank0(lambda: (run_dir / BEST).is_file()):
        best_epoch, value = job.best_epoch()
        job.use_weights(run_dir / BEST)
        weights = f"best epoch {best_epoch} by {job.monitor} {value:.4f}"
    results = job.test()
    results["seconds"] = time.perf_counter() - t0
    report(job, run_dir, results, seconds=results["seconds"], weights=weights)
    return 0
