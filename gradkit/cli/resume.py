"""``gradkit resume RUN_DIR [--epochs N]``: continue a run from its last checkpoint, exactly as
if it had never stopped; a larger ``--epochs`` trains on (a finished onecycle or cosine
schedule gets a new cycle over the added epochs)."""

from __future__ import annotations

import argparse
import json

from ._errors import CLIError
from ._mpi import on_rank0, world
from ._options import PROGRESS, positive_int
from ._runs import (
    BEST,
    CHECKPOINT,
    CONFIG,
    Job,
    check_data_files,
    check_same_data,
    checkpoint_phase,
    read_checkpoint,
    read_run,
    report,
)
from .train import world_note

NAME = "resume"
MPI = True

__all__ = ["add_parser", "run"]


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("resume", help="continue a run from its checkpoint",
                       description="Continue training RUN_DIR from its last checkpoint; the "
                                   "result equals an uninterrupted run. --epochs N beyond the "
                                   "planned epochs trains on (onecycle and cosine schedules "
                                   "add a new cycle over the added epochs).")
    p.add_argument("run_dir")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help="the total number of epochs to reach (default: the run's own)")
    p.add_argument("--progress", choices=PROGRESS, default="auto")
    p.add_argument("--no-plot", action="store_true")
    return p


def run(args) -> int:
    from ..train.recipes import EXTENDED_BY_A_NEW_CYCLE, schedule_ends

    run_dir, cfg = on_rank0(lambda: read_run(args.run_dir))
    check_data_files(run_dir, cfg)
    state = read_checkpoint(run_dir / CHECKPOINT)
    done = int(state["epoch"])
    stopper_state = state.get("early_stopping") or {}
    stopped_early = bool(stopper_state.get("should_stop"))
    epochs = args.epochs or int(cfg["epochs"])
    if stopped_early and args.epochs is None:
        epochs = done
    ends = schedule_ends(cfg)
    if epochs > ends[-1] and cfg["scheduler"] in EXTENDED_BY_A_NEW_CYCLE:
        cfg["schedule_ends"] = ends + [epochs]
    grows = epochs != int(cfg["epochs"]) and epochs > done
    if grows:
        cfg["epochs"] = epochs
    job = Job(cfg, run_dir, progress=args.progress, plots=not args.no_plot,
              phase=checkpoint_phase(state))
    check_same_data(job, run_dir)
    job.trainer.load_state_dict(state, train_loader=job.data.train)
    if epochs <= done:
        if stopped_early:
            print(f"{run_dir} stopped early after epoch {done} (no improvement for "
                  f"{stopper_state.get('patience')} epochs); `gradkit resume {run_dir} --epochs "
                  f"N` trains on to epoch N")
        else:
            print(f"{run_dir} has already trained {done} epochs (asked for {epochs}); use "
                  f"--epochs N with N > {done} to train more")
    else:
        if job.stopper is not None and stopped_early:
            job.stopper.should_stop = False
            job.stopper.num_bad_steps = 0
        job.next_cycle_if_due(done)
        print(f"gradkit resume: epoch {done} -> {epochs} in {run_dir}{world_note(cfg)}",
              flush=True)
        if grows:
            on_rank0(lambda: (run_dir / CONFIG).write_text(json.dumps(cfg, indent=2) + "\n"))
        job.fit(epochs)
    weights = ""
    if on_rank0(lambda: (run_dir / BEST).is_file()):
        best_epoch, value = job.best_epoch()
        job.use_weights(run_dir / BEST)
        weights = f"best epoch {best_epoch} by {job.monitor} {value:.4f}"
    if world()[0] == 0 and not (run_dir / CHECKPOINT).is_file():  # pragma: no cover
        raise CLIError(f"{run_dir} lost its checkpoint while training")
    report(job, run_dir, job.test(), weights=weights)
    return 0
