"""``gradkit lr-find``: the LR range test on a job's data and model, with progress lines; the
plot, the curve (CSV) and the settings go into a run folder."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ._errors import CLIError
from ._options import add_job_options, nonempty_path, positive_float, positive_int
from ._runs import config_from_args, remove_unfinished_run
from .train import apply_config_file

NAME = "lr-find"
MPI = False  # a sweep is not data-parallel: under mpiexec rank 0 runs it alone, once

__all__ = ["add_parser", "run"]


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("lr-find", help="LR range test: plot loss against LR, suggest an LR",
                       description="Sweep the learning rate exponentially for a few hundred "
                                   "steps, plot the smoothed loss and print the steepest-descent "
                                   "LR. Writes lr_find.png, lr_find.csv and config.json into a "
                                   "run folder; the model is not saved.")
    add_job_options(p, for_lr_find=True)
    p.add_argument("--start-lr", type=positive_float, default=1e-6)
    p.add_argument("--end-lr", type=positive_float, default=1.0)
    p.add_argument("--num-iter", type=positive_int, default=100)
    p.add_argument("--config", type=nonempty_path, metavar="FILE",
                   help="read the data/model options from a TOML, JSON or YAML file")
    p.add_argument("--out", type=nonempty_path,
                   help="the run folder (default: runs/<timestamp>-lr-find); a name ending in "
                        ".png is the plot's file, in that file's folder")
    return p


def run(args) -> int:
    import gradkit

    from ..train import lr_find
    from ..train.recipes import (
        build_data,
        build_loss,
        build_model,
        build_optimizer,
        default_run_dir,
    )

    apply_config_file(args)  # train's options; those a sweep has no use for are ignored
    args.epochs = None
    args.scheduler = "none"
    args.warmup_epochs = 0
    cfg = config_from_args(args)
    if args.start_lr >= args.end_lr:
        raise CLIError(f"--start-lr {args.start_lr:g} must be below --end-lr {args.end_lr:g}", 2)
    if args.out is not None and args.out.lower().endswith(".png"):
        run_dir, plot = Path(args.out).parent, Path(args.out)
    else:
        run_dir = Path(args.out) if args.out else Path(f"{default_run_dir()}-lr-find")
        plot = run_dir / "lr_find.png"
    gradkit.manual_seed(int(cfg["seed"]))
    data = build_data(cfg)
    model = build_model(cfg, data)
    optimizer = build_optimizer(cfg, model)
    print(f"gradkit lr-find: {cfg['model']} on {cfg['data']}, {cfg['optimizer']}, lr "
          f"{args.start_lr:g} -> {args.end_lr:g} over {args.num_iter} steps -> {run_dir}",
          flush=True)
    every = max(1, args.num_iter // 10)
    t0 = time.perf_counter()

    def progress(step, total, lr, loss):
        if step % every == 0 or step == total:
            print(f"lr-find: step {step:>4}/{total}  lr {lr:.2e}  smoothed loss {loss:.4f}  "
                  f"{time.perf_counter() - t0:.1f}s", flush=True)

    created = [p for p in reversed([run_dir, *run_dir.parents]) if not p.exists()]
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        result = lr_find(model, optimizer, build_loss(data), data.train,
                         start_lr=args.start_lr, end_lr=args.end_lr, num_iter=args.num_iter,
                         progress=progress)
    except BaseException:
        remove_unfinished_run(run_dir, created)
        raise
    cfg.update(start_lr=args.start_lr, end_lr=args.end_lr, num_iter=args.num_iter)
    (run_dir / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    result.to_csv(run_dir / "lr_find.csv")
    try:
        print(f"plot: {result.plot(plot)}")
    except ImportError as exc:
        print(f"gradkit: note: no plot written ({exc})")
    if result.diverged:
        print(f"the loss diverged at lr {result.lrs[-1]:.2e}; the sweep stopped at step "
              f"{len(result.lrs)}")
    if result.suggestion is None:
        print("too few steps to suggest a learning rate; raise --num-iter")
        return 1
    print(f"suggested learning rate: {result.suggestion:.3g}  (gradkit train --lr "
          f"{result.suggestion:.2g} ...)")
    return 0
