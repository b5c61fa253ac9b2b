"""The ``gradkit`` command: train, resume, evaluate, find a learning rate, report, benchmark,
and run a PyTorch program unchanged (``gradkit run prog.py [args]``, see gradkit.compat.runner).

Run ``gradkit train`` with no arguments for the main job: a small CNN on scikit-learn's digits
(about 97-99% test accuracy in well under a minute on two CPU cores). Each run writes a folder::

    runs/<timestamp>/
        config.json            the settings (``gradkit resume`` rebuilds the run from them)
        checkpoint.safetensors model, optimizer, scheduler, RNG states, history (atomic writes)
        history.csv, history.jsonl
        history.png            loss, accuracy and learning rate per epoch
        results.json           the test metrics

Errors (unknown options, missing files, bad values) are one line on stderr,
``gradkit: error: ...``, with exit status 2 for usage errors and 1 for failures.

Data-parallel: ``mpiexec -n 4 gradkit train ...`` (and ``resume``, ``eval``) joins the MPI world
(``gradkit.distributed``) and trains with the global batch ``--batch-size`` split over the ranks.
Rank 0 picks the run folder, prints, and writes every file; the others print nothing. An error
that every rank meets (a bad option, an existing run folder) ends every rank cleanly; an error
on one rank alone aborts the whole job (``MPI_Abort``) so no rank waits forever.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["main"]

CHECKPOINT = "checkpoint.safetensors"
CONFIG = "config.json"


class CLIError(Exception):
    """A user-facing error: printed as one line, exit status ``code``.

    ``collective=True`` says every MPI rank raises it at the same point (so the ranks can end
    cleanly, and only rank 0 prints it); any other error on a rank aborts the whole job.
    """

    def __init__(self, message: str, code: int = 1, *, collective: bool = False):
        super().__init__(message)
        self.code = code
        self.collective = collective


# --------------------------------------------------------------------- MPI (data-parallel)
def _world() -> tuple[int, int]:
    """(rank, world size); (0, 1) without an initialised process group."""
    from . import distributed as dist

    if not dist.is_initialized():
        return 0, 1
    return dist.get_rank(), dist.get_world_size()


def _env_rank() -> int:
    """This process's rank as mpiexec announced it (before the process group exists)."""
    for key in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK"):
        if os.environ.get(key, "").isdigit():
            return int(os.environ[key])
    return 0


def _launched_under_mpi() -> bool:
    from . import distributed as dist

    return dist._launched_under_mpi()


def _join_mpi_world() -> bool:
    """Join the MPI world when launched by mpiexec; True if this call initialised it."""
    from . import distributed as dist

    if dist.is_initialized() or not dist._launched_under_mpi():
        return False
    dist.init_process_group("mpi")
    return True


def _on_rank0(fn):
    """Run ``fn`` on rank 0 only and give every rank its result (the run folder, the config);
    when it fails, every rank raises the same collective :class:`CLIError`."""
    rank, world = _world()
    if world == 1:
        return fn()
    from . import distributed as dist

    payload = None
    if rank == 0:
        try:
            payload = ("ok", fn())
        except CLIError as exc:
            payload = ("error", str(exc), exc.code)
        except (OSError, ValueError) as exc:
            payload = ("error", f"{type(exc).__name__}: {_one_line(exc)}", 1)
    box = [payload]
    dist.broadcast_object_list(box, src=0)
    payload = box[0]
    if payload[0] == "error":
        raise CLIError(payload[1], payload[2], collective=True)
    return payload[1]


def _load_checkpoint_everywhere(job: _Job, path: Path, *, train_loader=None) -> None:
    """Restore ``path`` into ``job.trainer`` on every rank. Rank 0 reads the file and sends its
    bytes to the others, so the run folder only has to be on rank 0's machine."""
    rank, world = _world()
    if world == 1:
        job.trainer.load_checkpoint(path, train_loader=train_loader)
        return
    import gradkit

    from .train.checkpoint import load_checkpoint

    def read():
        load_checkpoint(path)  # validates, with a clear message for a bad file
        return path.read_bytes()

    data = _on_rank0(read)
    state = gradkit.load(io.BytesIO(data))
    job.trainer.load_state_dict(state, train_loader=train_loader)


class _Parser(argparse.ArgumentParser):
    """argparse that raises :class:`CLIError` instead of printing usage and exiting."""

    def error(self, message: str):
        raise CLIError(message, code=2)


# ------------------------------------------------------------------------ argument types
def _number(convert, ok, what: str):
    """An argparse type: ``convert(text)``, refused with "expected {what}" unless ``ok``."""
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


_positive_float = _number(float, lambda v: math.isfinite(v) and v > 0, "a positive number")
_nonneg_float = _number(float, lambda v: math.isfinite(v) and v >= 0, "a number >= 0")
_positive_int = _number(int, lambda v: v > 0, "a positive integer")
_nonneg_int = _number(int, lambda v: v >= 0, "an integer >= 0")


def _fraction(text: str) -> float:
    value = _nonneg_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {text!r}")
    return value


# --------------------------------------------------------------------------------- parser
def _add_job_options(p: argparse.ArgumentParser, *, for_lr_find: bool = False) -> None:
    from .train.recipes import DATASETS, DEFAULTS, MODELS, OPTIMIZERS, SCHEDULERS

    d = DEFAULTS
    p.add_argument("--model", choices=MODELS, default=None,
                   help=f"default: {d['model']} (lstm for --data text)")
    p.add_argument("--data", choices=DATASETS, default=d["data"], help="default: %(default)s")
    p.add_argument("--data-dir", help="folder with MNIST/Fashion-MNIST IDX files")
    p.add_argument("--text-file", help="a UTF-8 text file for --data text (default: a built-in "
                                       "corpus of Python documentation)")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=d["optimizer"],
                   help="default: %(default)s")
    p.add_argument("--lr", type=_positive_float, default=None,
                   help=f"learning rate (default: {d['lr']:g}; the peak LR for onecycle)")
    p.add_argument("--weight-decay", type=_nonneg_float, default=d["weight_decay"])
    p.add_argument("--batch-size", type=_positive_int, default=d["batch_size"])
    p.add_argument("--seed", type=_nonneg_int, default=d["seed"])
    p.add_argument("--val-fraction", type=_fraction, default=d["val_fraction"],
                   help="share of the training set held out for validation (default: "
                        "%(default)s)")
    p.add_argument("--seq-len", type=_positive_int, default=d["seq_len"],
                   help="characters per training sequence for --data text")
    p.add_argument("--hidden", type=_positive_int, default=d["hidden"],
                   help="hidden width (MLP) or LSTM size")
    if for_lr_find:
        return
    p.add_argument("--scheduler", choices=SCHEDULERS, default=None,
                   help=f"default: {d['scheduler']} (cosine for --data text)")
    p.add_argument("--warmup-epochs", type=_nonneg_int, default=d["warmup_epochs"],
                   help="linear LR warm-up before the scheduler (composes with plateau)")
    p.add_argument("--epochs", type=_positive_int, default=None,
                   help=f"default: {d['epochs']} ({_TEXT_EPOCHS} for --data text)")
    p.add_argument("--grad-clip", type=_positive_float, default=d["grad_clip"],
                   help="clip the global gradient norm to this value")
    p.add_argument("--out", help="run folder (default: runs/<timestamp>)")
    p.add_argument("--progress", choices=("auto", "bar", "epoch", "off"), default="auto",
                   help="progress display (auto: a bar in a terminal, lines otherwise)")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG plots")


_TEXT_EPOCHS = 5
_TEXT_LR = 5e-3


def build_parser() -> argparse.ArgumentParser:
    """The ``gradkit`` argument parser (sub-commands train, resume, eval, lr-find, info, bench)."""
    from . import __version__

    parser = _Parser(prog="gradkit", description="gradkit: train, evaluate and benchmark "
                                                 "models with PyTorch's API on NumPy.",
                     epilog="examples:\n"
                            "  gradkit train                       CNN on digits (the main job)\n"
                            "  gradkit train --data text           character LSTM on text\n"
                            "  gradkit resume runs/RUN --epochs 20 continue a run\n"
                            "  gradkit eval runs/RUN               test metrics of a checkpoint\n"
                            "  gradkit lr-find --model mlp         LR range test and plot\n"
                            "  gradkit bench --quick               speed against PyTorch",
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"gradkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("train", help="train a model (default: CNN on digits)",
                       description="Train a model and write a run folder. With no options: a "
                                   "CNN on scikit-learn's digits.")
    _add_job_options(p)

    p = sub.add_parser("resume", help="continue a run from its checkpoint",
                       description="Continue training RUN_DIR from its last checkpoint; the "
                                   "result equals an uninterrupted run.")
    p.add_argument("run_dir")
    p.add_argument("--epochs", type=_positive_int, default=None,
                   help="the total number of epochs to reach (default: the run's own)")
    p.add_argument("--progress", choices=("auto", "bar", "epoch", "off"), default="auto")
    p.add_argument("--no-plot", action="store_true")

    p = sub.add_parser("eval", help="evaluate a run's checkpoint on the test set")
    p.add_argument("run_dir")

    p = sub.add_parser("lr-find", help="LR range test: plot loss against LR, suggest an LR",
                       description="Sweep the learning rate exponentially for a few hundred "
                                   "steps, plot the smoothed loss and print the steepest-descent "
                                   "LR. The model is not saved.")
    _add_job_options(p, for_lr_find=True)
    p.add_argument("--start-lr", type=_positive_float, default=1e-6)
    p.add_argument("--end-lr", type=_positive_float, default=1.0)
    p.add_argument("--num-iter", type=_positive_int, default=100)
    p.add_argument("--out", default="lr_find.png", help="the plot (default: %(default)s)")

    sub.add_parser("info", help="versions, BLAS kernel, optional extras")

    p = sub.add_parser("run", help="run an unmodified PyTorch program on gradkit",
                       description="Run PROGRAM with `import torch` giving gradkit and "
                                   "`import torchvision` giving gradkit.vision; ARGS go to the "
                                   "program (gradkit run -m MODULE runs a module).")
    p.add_argument("program", help="the program's .py file (or -m MODULE)")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the program's arguments")

    p = sub.add_parser("bench", help="run the benchmarks in benchmarks/ against PyTorch")
    p.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes")
    p.add_argument("--dir", help="the benchmarks folder (default: the repository's)")
    p.add_argument("names", nargs="*", help="only these (e.g. core for bench_core.py)")
    return parser


# ------------------------------------------------------------------------------ commands
def _config_from_args(args) -> dict:
    from .train.recipes import DEFAULTS

    cfg = dict(DEFAULTS)
    for key in DEFAULTS:
        if hasattr(args, key) and getattr(args, key) is not None:
            cfg[key] = getattr(args, key)
    text = cfg["data"] == "text"
    if args.model is None:
        cfg["model"] = "lstm" if text else DEFAULTS["model"]
    elif text and args.model != "lstm":
        raise CLIError(f"--data text needs --model lstm (got --model {args.model})", 2)
    if cfg["model"] == "lstm" and not text:
        raise CLIError(f"--model lstm is a character model; add --data text "
                       f"(got --data {args.data})", 2)
    if args.lr is None:
        cfg["lr"] = _TEXT_LR if text else DEFAULTS["lr"]
    if getattr(args, "epochs", None) is None:
        cfg["epochs"] = _TEXT_EPOCHS if text else DEFAULTS["epochs"]
    if getattr(args, "scheduler", None) is None:
        cfg["scheduler"] = "cosine" if text else DEFAULTS["scheduler"]
    if cfg.get("warmup_epochs") and cfg["scheduler"] == "onecycle":
        raise CLIError("--scheduler onecycle has its own warm-up; drop --warmup-epochs or pick "
                       "another --scheduler", 2)
    if cfg.get("warmup_epochs") and cfg["warmup_epochs"] >= cfg["epochs"]:
        raise CLIError(f"--warmup-epochs {cfg['warmup_epochs']} must be smaller than --epochs "
                       f"{cfg['epochs']}", 2)
    return cfg


class _Job:
    """Everything built from a config: data, model, loss, optimizer, scheduler, trainer."""

    def __init__(self, cfg: dict, run_dir: Path | None, *, progress: str = "auto",
                 plots: bool = True):
        import gradkit

        from .train import HistoryWriter, ModelCheckpoint, PlotHistory, Trainer
        from .train.recipes import (
            build_data,
            build_loss,
            build_model,
            build_optimizer,
            build_scheduler,
        )

        self.cfg = cfg
        gradkit.manual_seed(int(cfg["seed"]))
        self.data = build_data(cfg)
        self.model = build_model(cfg, self.data)
        self.loss_fn = build_loss(self.data)
        self.optimizer = build_optimizer(cfg, self.model)
        self.scheduler = build_scheduler(cfg, self.optimizer, len(self.data.train))
        callbacks = []
        if run_dir is not None:
            callbacks += [HistoryWriter(run_dir / "history.csv", run_dir / "history.jsonl"),
                          ModelCheckpoint(run_dir / CHECKPOINT)]
            if plots:
                callbacks.append(PlotHistory(run_dir / "history.png"))
        metrics = ("loss", "perplexity") if self.data.kind == "text" else ("loss", "accuracy")
        self.trainer = Trainer(self.model, self.optimizer, self.loss_fn,
                               scheduler=self.scheduler, metrics=metrics,
                               grad_clip=cfg.get("grad_clip"), callbacks=callbacks,
                               progress=progress)

    def fit(self, epochs: int):
        return self.trainer.fit(self.data.train, self.data.val, epochs=epochs)

    def test(self) -> dict:
        return self.trainer.evaluate(self.data.test)

    def sample_text(self, length: int = 300) -> str:
        import gradkit

        vocab = self.data.vocab
        start = vocab.index("T") if "T" in vocab else 0
        ids = self.model.sample([start], length, temperature=0.7,
                                generator=gradkit.Generator().manual_seed(int(self.cfg["seed"])))
        return "".join(vocab[i] for i in ids)


def _report(job: _Job, run_dir: Path | None, results: dict, *, seconds: float | None = None
            ) -> None:
    """Print (and save) the test results; the last line is the headline number (rank 0)."""
    if _world()[0] != 0:
        return
    if job.data.kind == "text":
        line = (f"test loss {results['loss']:.4f}  test perplexity "
                f"{math.exp(min(results['loss'], 700)):.2f}")
        sample = job.sample_text()
        print("sampled text:\n" + sample)
        if run_dir is not None:
            (run_dir / "sample.txt").write_text(sample + "\n")
    else:
        line = f"test loss {results['loss']:.4f}  test accuracy {results['accuracy']:.4f}"
    if run_dir is not None:
        (run_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
        took = "" if seconds is None else f" in {seconds:.1f}s"
        print(f"run folder: {run_dir} (config, checkpoint, history, plots){took}")
    print(line)


def _run_dir_for_new(out: str | None) -> Path:
    from .train.recipes import default_run_dir

    run_dir = Path(out) if out else default_run_dir()
    if (run_dir / CHECKPOINT).exists():
        raise CLIError(f"{run_dir} already holds a run; continue it with `gradkit resume "
                       f"{run_dir}` or choose another --out")
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir


def _collective_config(args) -> dict:
    """The config from the options; its errors are the same on every rank."""
    try:
        return _config_from_args(args)
    except CLIError as exc:
        exc.collective = True
        raise


def _world_note(cfg: dict) -> str:
    world = _world()[1]
    if world == 1:
        return ""
    return (f" on {world} MPI ranks ({int(cfg['batch_size']) // world} samples per rank and "
            f"batch)")


def cmd_train(args) -> int:
    cfg = _collective_config(args)

    def prepare() -> Path:  # rank 0 names the run folder (the ranks' clocks may differ)
        run_dir = _run_dir_for_new(args.out)
        (run_dir / CONFIG).write_text(json.dumps(cfg, indent=2) + "\n")
        return run_dir

    run_dir = _on_rank0(prepare)
    print(f"gradkit train: {cfg['model']} on {cfg['data']}, {cfg['optimizer']} lr {cfg['lr']:g}, "
          f"scheduler {cfg['scheduler']}, {cfg['epochs']} epochs{_world_note(cfg)} -> {run_dir}",
          flush=True)
    t0 = time.perf_counter()
    job = _Job(cfg, run_dir, progress=args.progress, plots=not args.no_plot)
    job.fit(int(cfg["epochs"]))
    results = job.test()
    results["seconds"] = time.perf_counter() - t0
    _report(job, run_dir, results, seconds=results["seconds"])
    return 0


def _read_run(run_dir_text: str) -> tuple[Path, dict]:
    run_dir = Path(run_dir_text)
    if not run_dir.is_dir():
        raise CLIError(f"no run folder at {run_dir}")
    cfg_path = run_dir / CONFIG
    if not cfg_path.is_file():
        raise CLIError(f"{run_dir} has no {CONFIG}; is it a folder written by `gradkit train`?")
    try:
        cfg = json.loads(cfg_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CLIError(f"cannot read {cfg_path}: {exc}") from None
    if not isinstance(cfg, dict) or "model" not in cfg or "data" not in cfg:
        raise CLIError(f"{cfg_path} is not a gradkit run config")
    if not (run_dir / CHECKPOINT).is_file():
        raise CLIError(f"{run_dir} has no {CHECKPOINT} (the run stopped before its first "
                       f"epoch ended?)")
    return run_dir, cfg


def cmd_resume(args) -> int:
    run_dir, cfg = _on_rank0(lambda: _read_run(args.run_dir))
    epochs = args.epochs or int(cfg["epochs"])
    if cfg.get("scheduler") == "onecycle" and epochs > int(cfg["epochs"]):
        raise CLIError(f"{run_dir} uses --scheduler onecycle, whose LR schedule is planned for "
                       f"its {cfg['epochs']} epochs and cannot be extended to {epochs}; start a "
                       f"new run with --epochs {epochs}", 2, collective=True)
    job = _Job(cfg, run_dir, progress=args.progress, plots=not args.no_plot)
    _load_checkpoint_everywhere(job, run_dir / CHECKPOINT, train_loader=job.data.train)
    done = job.trainer.epoch
    if epochs <= done:
        print(f"{run_dir} has already trained {done} epochs (asked for {epochs}); use "
              f"--epochs N with N > {done} to train more")
    else:
        print(f"gradkit resume: epoch {done} -> {epochs} in {run_dir}{_world_note(cfg)}",
              flush=True)
        job.fit(epochs)
    if epochs != int(cfg["epochs"]) and epochs > done and _world()[0] == 0:
        cfg["epochs"] = epochs  # so a later resume without --epochs continues from here
        (run_dir / CONFIG).write_text(json.dumps(cfg, indent=2) + "\n")
    _report(job, run_dir, job.test())
    return 0


def cmd_eval(args) -> int:
    run_dir, cfg = _on_rank0(lambda: _read_run(args.run_dir))
    job = _Job(cfg, None, progress="off")
    _load_checkpoint_everywhere(job, run_dir / CHECKPOINT)
    print(f"{run_dir}: {job.cfg['model']} on {job.cfg['data']} after {job.trainer.epoch} epochs")
    _report(job, None, job.test())
    return 0


def cmd_lr_find(args) -> int:
    import gradkit

    from .train import lr_find
    from .train.recipes import build_data, build_loss, build_model, build_optimizer

    args.epochs = None
    args.scheduler = "none"
    args.warmup_epochs = 0
    cfg = _config_from_args(args)
    if args.start_lr >= args.end_lr:
        raise CLIError(f"--start-lr {args.start_lr:g} must be below --end-lr {args.end_lr:g}", 2)
    gradkit.manual_seed(int(cfg["seed"]))
    data = build_data(cfg)
    model = build_model(cfg, data)
    optimizer = build_optimizer(cfg, model)
    result = lr_find(model, optimizer, build_loss(data), data.train, start_lr=args.start_lr,
                     end_lr=args.end_lr, num_iter=args.num_iter)
    try:
        path = result.plot(args.out)
        print(f"plot: {path}")
    except ImportError as exc:
        print(f"gradkit: note: no plot written ({exc})")
    if result.suggestion is None:
        print("too few steps to suggest a learning rate; raise --num-iter")
        return 1
    print(f"suggested learning rate: {result.suggestion:.3g}"
          f"{'  (the loss diverged at the end of the sweep)' if result.diverged else ''}")
    return 0


def _version_of(module_name: str) -> str | None:
    from importlib import metadata

    dist = {"sklearn": "scikit-learn"}.get(module_name, module_name)
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        pass
    try:
        import importlib.util

        if importlib.util.find_spec(module_name) is None:
            return None
    except (ImportError, ValueError):
        return None
    return "installed"


def cmd_info(args) -> int:
    import numpy as np

    from . import __version__

    print(f"gradkit {__version__} ({Path(__file__).resolve().parent})")
    print(f"Python {platform.python_version()} ({platform.python_implementation()}, "
          f"{platform.system()} {platform.machine()})")
    print(f"NumPy {np.__version__}")
    try:
        from threadpoolctl import threadpool_info

        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        for info in blas:
            print(f"  BLAS: {info.get('internal_api')} {info.get('version')}, kernel "
                  f"{info.get('architecture')}, {info.get('num_threads')} threads")
        if not blas:
            print("  BLAS: none found by threadpoolctl")
    except ImportError:
        print("  BLAS: unknown (pip install threadpoolctl to see the kernel)")
    pinned = [f"{k}={os.environ[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS",
                                               "OMP_NUM_THREADS", "GRADKIT_OPTIM_THREADS",
                                               "GRADKIT_OPTIM_BLAS") if k in os.environ]
    if pinned:
        print(f"  environment: {' '.join(pinned)}")
    from .optim import _blas, _runner, _threads

    usable = _threads.usable_cpus()
    print(f"CPU cores: {os.cpu_count()}"
          + (f" ({len(usable)} usable by this process)" if usable is not None else ""))
    n = _runner._THREADS
    fused = ("multiply-adds from NumPy's OpenBLAS"
             if _blas._blas_routines(np.dtype(np.float32)) is not None
             else "NumPy ufuncs only (GRADKIT_OPTIM_BLAS=0, or NumPy's OpenBLAS not found)")
    print(f"optimizer steps on large parameters: {n} thread{'s' if n > 1 else ''}, {fused}")
    print("optional extras:")
    for mod, use in (("sklearn", "digits data"), ("tqdm", "progress bars"),
                     ("matplotlib", "plots"), ("safetensors", ("interop (gradkit reads/writes the "
                                                              "format itself)")),
                     ("torch", "oracle tests, benchmarks"), ("threadpoolctl", "BLAS report"),
                     ("mpi4py", "distributed training"), ("cupy", "GPU backend")):
        version = _version_of(mod)
        name = "scikit-learn" if mod == "sklearn" else mod
        print(f"  {name:<14} {version or 'not installed':<16} {use}")
    return 0


def _bench_candidates() -> list[Path]:
    """Where the repository's benchmarks/ folder may be: next to the package, or here."""
    return [Path(__file__).resolve().parent.parent / "benchmarks", Path.cwd() / "benchmarks"]


def _benchmarks_dir(explicit: str | None) -> Path:
    if explicit:
        path = Path(explicit)
        if not path.is_dir():
            raise CLIError(f"--dir {path}: no such folder")
        return path
    for candidate in _bench_candidates():
        if candidate.is_dir() and any(candidate.glob("bench_*.py")):
            return candidate
    raise CLIError("no benchmarks/ folder found: the benchmarks ship with the source repository, "
                   "not the installed package; clone it and run `gradkit bench` there, or pass "
                   "--dir PATH")


def cmd_bench(args) -> int:
    bench_dir = _benchmarks_dir(args.dir)
    scripts = sorted(bench_dir.glob("bench_*.py"))
    if args.names:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in args.names}
        unknown = wanted - {s.stem for s in scripts}
        if unknown:
            raise CLIError(f"no benchmark named {', '.join(sorted(unknown))} in {bench_dir} "
                           f"(have: {', '.join(s.stem for s in scripts)})", 2)
        scripts = [s for s in scripts if s.stem in wanted]
    if not scripts:
        raise CLIError(f"no bench_*.py files in {bench_dir}")
    if _version_of("torch") is None:
        print("note: PyTorch is not installed; benchmarks time gradkit alone (pip install torch "
              "for side-by-side ratios)")
    failed = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        cmd = [sys.executable, str(script)] + (["--quick"] if args.quick else [])
        rc = subprocess.call(cmd, cwd=str(bench_dir.parent))
        if rc != 0:
            failed.append(f"{script.name} (exit {rc})")
    if failed:
        raise CLIError(f"benchmarks failed: {', '.join(failed)}")
    return 0


_COMMANDS = {"train": cmd_train, "resume": cmd_resume, "eval": cmd_eval,
             "lr-find": cmd_lr_find, "info": cmd_info, "bench": cmd_bench}


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


_MPI_COMMANDS = ("train", "resume", "eval")


def _fail(message: str, code: int, exc: BaseException | None = None) -> int:
    """Print the one-line error and return ``code``; under several MPI ranks, an error that is
    not known to happen on every rank aborts the job so that no rank waits in a collective."""
    from . import distributed as dist

    rank, world = _world()
    if world == 1:
        if not dist.is_initialized() and _env_rank() != 0 and _launched_under_mpi():
            return code  # an option error before joining the world: rank 0 reports it
        print(message, file=sys.stderr, flush=True)
        return code
    if getattr(exc, "collective", False):
        if rank == 0:
            print(message, file=sys.stderr, flush=True)
        return code
    print(f"{message} [rank {rank} of {world}; aborting the MPI job]", file=sys.stderr,
          flush=True)
    dist._abort(code)
    return code  # pragma: no cover (Abort does not return)


def main(argv: list[str] | None = None) -> int:
    """Run the ``gradkit`` command with ``argv`` (default ``sys.argv[1:]``); return the status.

    Launched by ``mpiexec``, ``train``, ``resume`` and ``eval`` run data-parallel over the ranks.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "run":  # the program's own options and errors are its own
        from .compat import runner

        return runner.main(argv[1:])
    joined = False
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help and --version
            return int(exc.code or 0)
        if args.command in _MPI_COMMANDS:
            joined = _join_mpi_world()
        elif args.command == "lr-find" and _env_rank() != 0 and _launched_under_mpi():
            return 0  # a sweep is not data-parallel: rank 0 runs it alone, once
        quiet = (contextlib.redirect_stdout(io.StringIO()) if _world()[0] != 0
                 else contextlib.nullcontext())
        with quiet:  # only rank 0 prints
            return _COMMANDS[args.command](args)
    except CLIError as exc:
        return _fail(f"gradkit: error: {_one_line(exc)}", exc.code, exc)
    except KeyboardInterrupt as exc:
        return _fail("gradkit: interrupted (the last checkpoint is intact; `gradkit resume "
                     "RUN_DIR` continues)", 130, exc)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        return _fail(f"gradkit: error: {_one_line(exc)}", 1, exc)
    except ImportError as exc:
        return _fail(f"gradkit: error: {_one_line(exc)} (pip install gradkit[train] installs the "
                     f"optional extras)", 1, exc)
    except (ValueError, TypeError, RuntimeError, OSError, ArithmeticError) as exc:
        if os.environ.get("GRADKIT_DEBUG"):
            raise  # under several ranks the abort hook of gradkit.distributed ends the job
        return _fail(f"gradkit: error: {type(exc).__name__}: {_one_line(exc)}", 1, exc)
    except Exception as exc:  # a bug, not a usage error: still one line, traceback on request
        if os.environ.get("GRADKIT_DEBUG"):
            raise
        return _fail(f"gradkit: error: internal error {type(exc).__name__}: {_one_line(exc)} "
                     f"(set GRADKIT_DEBUG=1 for the traceback and please report it)", 1, exc)
    finally:
        # leave the world only on the way out of a normal return: an exception still going
        # up (GRADKIT_DEBUG) must reach gradkit.distributed's abort hook
        if joined and sys.exc_info()[0] is None:
            from . import distributed as dist

            dist.destroy_process_group()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
