"""``gradkit eval RUN_DIR [--last]``: the test metrics of a run's best (or last) checkpoint."""

from __future__ import annotations

import argparse

from ._mpi import on_rank0
from ._runs import (
    Job,
    check_data_files,
    check_same_data,
    checkpoint_phase,
    model_checkpoint,
    read_checkpoint,
    read_run,
    report,
)

NAME = "eval"
MPI = True

__all__ = ["add_parser", "run"]


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("eval", help="evaluate a run's checkpoint on the test set",
                       description="Test-set metrics of RUN_DIR's best checkpoint "
                                   "(best.safetensors, the epoch with the lowest validation "
                                   "loss), or of the last one with --last.")
    p.add_argument("run_dir")
    p.add_argument("--last", action="store_true",
                   help="use the last checkpoint instead of the best")
    return p


def run(args) -> int:
    run_dir, cfg = on_rank0(lambda: read_run(args.run_dir))
    path = model_checkpoint(run_dir, args.last)
    check_data_files(run_dir, cfg)
    state = read_checkpoint(path)
    job = Job(cfg, None, progress="off", phase=checkpoint_phase(state))
    check_same_data(job, run_dir)
    job.trainer.load_state_dict(state)
    epochs = f"{job.trainer.epoch} epoch" + "s" * (job.trainer.epoch != 1)
    print(f"{run_dir}: {cfg['model']} on {cfg['data']} after {epochs} ({path.name})")
    report(job, None, job.test())
    return 0
