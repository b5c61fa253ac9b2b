"""Run folders and the job they hold: the config from the options, a new folder (removed again
when a run fails before its first checkpoint), reading a folder back, the :class:`Job` (data,
model, loss, optimizer, schedule, trainer) and the printed report.

A run folder::

    runs/<timestamp>/
        config.json            the effective settings (``gradkit resume`` rebuilds the run)
        preprocessing.json     how inputs are prepared (table columns, image statistics,
                               the text's characters); ``gradkit predict`` reads it
        checkpoint.safetensors the last epoch: model, optimizer, scheduler, RNG states, history
        best.safetensors       the epoch with the best validation loss (eval/predict use it)
        history.csv, history.jsonl, history.png, results.json
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ._errors import CLIError
from ._mpi import on_rank0, world

__all__ = ["BEST", "CHECKPOINT", "CONFIG", "PREPROCESSING", "Job", "check_data_files",
           "check_same_data", "config_from_args",
           "model_checkpoint", "pick_run_dir", "read_checkpoint", "read_run", "report",
           "start_run_folder", "remove_unfinished_run"]

CHECKPOINT = "checkpoint.safetensors"
BEST = "best.safetensors"
CONFIG = "config.json"
PREPROCESSING = "preprocessing.json"
_PATH_KEYS = ("data_dir", "data_file", "text_file")


# ---------------------------------------------------------------------------------- config
def config_from_args(args) -> dict:
    """The effective config: :data:`DEFAULTS`, then the data kind's defaults, then the options
    given (on the command line or in ``--config``); checked for combinations that cannot work."""
    from ..train.recipes import DATA_DEFAULTS, DEFAULTS

    given = {k: getattr(args, k) for k in DEFAULTS if getattr(args, k, None) is not None}
    data = given.get("data", DEFAULTS["data"])
    cfg = dict(DEFAULTS)
    cfg.update(DATA_DEFAULTS.get(data, {}))
    cfg.update(given)
    model = cfg["model"]
    if data == "text" and model != "lstm":
        raise CLIError(f"--data text needs --model lstm (got --model {model})", 2)
    if model == "lstm" and data != "text":
        raise CLIError(f"--model lstm is a character model; add --data text (got --data {data})",
                       2)
    if model == "cnn" and data == "csv":
        raise CLIError("--model cnn needs images; use --model mlp for --data csv", 2)
    own = {"data_file": "csv", "target": "csv", "task": "csv", "image_size": "images",
           "test_fraction": ("csv", "images"), "text_file": "text", "seq_len": "text"}
    for key, kinds in own.items():
        kinds = (kinds,) if isinstance(kinds, str) else kinds
        if key in given and data not in kinds and not (key == "seq_len"
                                                        and given[key] == DEFAULTS[key]):
            flag = "--" + key.replace("_", "-")
            raise CLIError(f"{flag} is an option of --data {' / '.join(kinds)} (got --data "
                           f"{data})", 2)
    if data == "csv" and not cfg.get("data_file"):
        raise CLIError("--data csv needs --data-file FILE (a table with a header row) and "
                       "--target COLUMN", 2)
    if data == "csv" and not cfg.get("target"):
        raise CLIError("--data csv needs --target COLUMN, the column to predict", 2)
    if data == "images" and not cfg.get("data_dir"):
        raise CLIError("--data images needs --data-dir DIR (one sub-folder of images per "
                       "class)", 2)
    if data == "images" and cfg.get("model") == "cnn" and int(cfg.get("image_size") or 32) < 4:
        raise CLIError(f"--image-size {cfg['image_size']} is too small for the CNN (two 2x2 "
                       f"poolings): give at least 4 (16 to 64 are usual)", 2)
    if data == "images" and cfg.get("data_dir") and Path(cfg["data_dir"]).is_file():
        raise CLIError(f"--data-dir {cfg['data_dir']} is a file; --data images needs a folder "
                       f"with one sub-folder of images per class (for a table: --data csv "
                       f"--data-file FILE)", 2)
    if data == "csv" and cfg.get("data_file") and Path(cfg["data_file"]).is_dir():
        raise CLIError(f"--data-file {cfg['data_file']} is a folder; --data csv needs a table "
                       f"file (.csv, .tsv; for image folders: --data images --data-dir DIR)", 2)
    if data in ("digits", "text") and cfg.get("data_dir"):
        raise CLIError(f"--data-dir is for --data images, mnist or fashion-mnist (got --data "
                       f"{data})", 2)
    if cfg.get("warmup_epochs") and cfg["scheduler"] == "onecycle":
        raise CLIError("--scheduler onecycle has its own warm-up; drop --warmup-epochs or pick "
                       "another --scheduler", 2)
    if cfg.get("warmup_epochs") and cfg["warmup_epochs"] >= cfg["epochs"]:
        raise CLIError(f"--warmup-epochs {cfg['warmup_epochs']} must be smaller than --epochs "
                       f"{cfg['epochs']}", 2)
    if cfg.get("min_delta") and not cfg.get("early_stopping"):
        raise CLIError("--min-delta applies to --early-stopping PATIENCE; add it", 2)
    for key in _PATH_KEYS:  # absolute, so that eval/resume/predict work from any folder
        if cfg.get(key):
            cfg[key] = str(Path(cfg[key]).expanduser().resolve())
    return cfg


# ------------------------------------------------------------------------------ run folders
def pick_run_dir(out: str | None) -> Path:
    """The new run's folder (not created yet): ``--out`` or ``runs/<timestamp>``."""
    from ..train.recipes import default_run_dir

    run_dir = Path(out) if out is not None else default_run_dir()
    if (run_dir / CHECKPOINT).exists():
        raise CLIError(f"{run_dir} already holds a run; continue it with `gradkit resume "
                       f"{run_dir}` or choose another --out")
    if run_dir.exists() and not run_dir.is_dir():
        raise CLIError(f"--out {run_dir}: a file of that name exists; choose another --out")
    return run_dir


def start_run_folder(run_dir: Path, cfg: dict, preprocessing: dict) -> list[Path]:
    """Create ``run_dir`` (and missing parents) with config.json and preprocessing.json;
    returns the folders it created, for :func:`remove_unfinished_run`."""
    created = []
    for parent in reversed([run_dir, *run_dir.parents]):
        if not parent.exists():
            created.append(parent)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / CONFIG).write_text(json.dumps(cfg, indent=2) + "\n")
    (run_dir / PREPROCESSING).write_text(json.dumps(preprocessing, indent=2) + "\n")
    return created


def remove_unfinished_run(run_dir: Path, created: list[Path]) -> bool:
    """After a failure before the first checkpoint: remove what the run wrote and the folders
    it created, so no half-made run folder stays behind. True if it removed the run."""
    if (run_dir / CHECKPOINT).exists():
        return False
    for name in (CONFIG, PREPROCESSING, "history.csv", "history.jsonl", "history.png",
                 "results.json", BEST):
        (run_dir / name).unlink(missing_ok=True)
    for folder in reversed(created):  # innermost first
        try:
            folder.rmdir()
        except OSError:  # not empty: something else is in it; leave it and its parents
            break
    return True


def read_run(run_dir_text: str, *, need_checkpoint: bool = True) -> tuple[Path, dict]:
    """A run folder's path and its config (checked as the command line would check it)."""
    from ._options import check_config
    from .train import job_parser

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
    cfg.update(check_config(cfg, job_parser(), str(cfg_path), unknown_ok=True))
    if need_checkpoint and not (run_dir / CHECKPOINT).is_file():
        raise CLIError(f"{run_dir} has no {CHECKPOINT} (the run stopped before its first "
                       f"epoch ended?)")
    return run_dir, cfg


def check_data_files(run_dir: Path, cfg: dict) -> None:
    """``eval`` and ``resume`` read the run's data again: its file or folder must still be
    there (an error that says so, instead of "no such file")."""
    for key, flag in (("data_file", "--data-file"), ("data_dir", "--data-dir"),
                      ("text_file", "--text-file")):
        where = cfg.get(key)
        if where and not Path(where).exists():
            raise CLIError(f"{run_dir} was trained on {flag} {where}, which is no longer there; "
                           f"eval and resume read the run's data again: put it back, or change "
                           f"{key!r} in {run_dir / CONFIG} to where it is now",
                           collective=True)


def _first_difference(saved, now, path="", *, numbers: bool = True) -> str | None:
    """Where two preprocessing dicts first differ, as a phrase; ``numbers=False`` looks past
    differing numbers (statistics) for a difference of names, kinds, categories or classes."""
    if isinstance(saved, dict) and isinstance(now, dict):
        name = saved.get("name") if isinstance(saved.get("name"), str) else None
        keys = list(saved) + [k for k in now if k not in saved]
        keys.sort(key=lambda k: k not in ("name", "kind", "categories", "classes", "vocab"))
        for key in keys:
            if saved.get(key) != now.get(key):
                found = _first_difference(saved.get(key), now.get(key), f"column {name!r} {key}"
                                          if name else f"{path}.{key}", numbers=numbers)
                if found:
                    return found
        return None
    if isinstance(saved, list) and isinstance(now, list) and len(saved) == len(now):
        for a, b in zip(saved, now):
            found = _first_difference(a, b, path, numbers=numbers) if a != b else None
            if found:
                return found
        return None
    if not numbers and isinstance(saved, (int, float)) and isinstance(now, (int, float)):
        return None
    return f"{path.lstrip('.') or 'preprocessing'}: saved {_short(saved)}, now {_short(now)}"


def _short(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_same_data(job: Job, run_dir: Path) -> None:
    """Refuse to evaluate or resume a run on data that no longer gives the preprocessing it was
    trained with (rows added or changed in its CSV file or image folders): the model would see
    other columns, classes or statistics, and the test split other rows."""
    path = run_dir / PREPROCESSING
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return  # an older run without the file: nothing to compare
    now = json.loads(json.dumps(job.preprocessing()))
    if now != saved:
        cfg = job.cfg
        where = (_first_difference(saved, now, numbers=False)
                 or _first_difference(saved, now) or "preprocessing")
        source = cfg.get("data_file") or cfg.get("data_dir") or cfg.get("text_file") or cfg["data"]
        raise CLIError(f"the data of {run_dir} has changed since it was trained: {source} no "
                       f"longer gives what {PREPROCESSING} saved ({where}"
                       f"; or this gradkit reads it otherwise than the one that trained the run)"
                       f"; eval and resume read the run's data again, so restore it as it was, "
                       f"or train a new run on the new data (`gradkit predict` applies the "
                       f"saved preprocessing to new rows)", collective=True)


def model_checkpoint(run_dir: Path, last: bool) -> Path:
    """best.safetensors unless ``last`` (or the run has none), else checkpoint.safetensors."""
    best = run_dir / BEST
    return run_dir / CHECKPOINT if last or not best.is_file() else best


def read_checkpoint(path: Path) -> dict:
    """A checkpoint's state on every rank (rank 0 reads the file and sends its bytes)."""
    import io

    import gradkit

    from ..train.checkpoint import load_checkpoint

    if world()[1] == 1:
        return load_checkpoint(path)

    def read():
        load_checkpoint(path)  # validates, with a clear message for a bad file
        return path.read_bytes()

    return gradkit.load(io.BytesIO(on_rank0(read)))


def checkpoint_phase(state: dict) -> int:
    """Which cycle of an extended schedule a checkpoint's scheduler is in (0: the first)."""
    sched = state.get("scheduler")
    return int(sched.get("gradkit_phase", 0)) if isinstance(sched, dict) else 0


# -------------------------------------------------------------------------------------- job
class Job:
    """Everything built from a config: data, model, loss, optimizer, scheduler, trainer.

    ``phase`` picks the cycle of an extended schedule to build (see
    ``gradkit.train.recipes.build_scheduler``); a callback starts the next cycle when one ends.
    """

    def __init__(self, cfg: dict, run_dir: Path | None, *, progress: str = "auto",
                 plots: bool = True, phase: int = 0):
        import gradkit

        from ..train import (
            EarlyStopping,
            HistoryWriter,
            LambdaCallback,
            ModelCheckpoint,
            PlotHistory,
            ProgressBar,
            Trainer,
        )
        from ..train.recipes import (
            build_data,
            build_loss,
            build_model,
            build_optimizer,
            build_scheduler,
        )

        self.cfg = cfg
        self.run_dir = run_dir
        gradkit.manual_seed(int(cfg["seed"]))
        self.data = build_data(cfg)
        self.model = build_model(cfg, self.data)
        self.loss_fn = build_loss(self.data)
        self.optimizer = build_optimizer(cfg, self.model)
        self.steps_per_epoch = len(self.data.train)
        self.scheduler = build_scheduler(cfg, self.optimizer, self.steps_per_epoch, phase)
        self.monitor = "val_loss" if self.data.val is not None else "loss"
        # a fixed order, whatever the display: checkpoints restore callback states by position
        callbacks = [LambdaCallback(on_epoch_end=lambda t, e, logs: self.next_cycle_if_due(e))]
        if run_dir is not None:
            callbacks += [HistoryWriter(run_dir / "history.csv", run_dir / "history.jsonl"),
                          ModelCheckpoint(run_dir / CHECKPOINT, best_path=run_dir / BEST,
                                          monitor=self.monitor, mode="min")]
            if plots:
                callbacks.append(PlotHistory(run_dir / "history.png"))
            if cfg.get("diagnostics"):
                from ..train import GradientDiagnostics
                from ..train.report import DIAGNOSTICS_DIR

                callbacks.append(GradientDiagnostics(run_dir / DIAGNOSTICS_DIR, plots=plots))
            if cfg.get("tensorboard"):
                from ..train import TensorBoardLogger

                callbacks.append(TensorBoardLogger(run_dir / "tensorboard",
                                                   hparams={k: v for k, v in cfg.items()
                                                            if v is not None}))
        callbacks.append(ProgressBar(progress))
        if self.data.kind == "text":
            metrics = ("loss", "perplexity")
        elif self.data.task == "regression":
            metrics = ("loss",)
        else:
            metrics = ("loss", "accuracy")
        self.stopper = None
        if cfg.get("early_stopping"):
            self.stopper = EarlyStopping(patience=int(cfg["early_stopping"]),
                                         min_delta=float(cfg.get("min_delta") or 0.0), mode="min")
        self.trainer = Trainer(self.model, self.optimizer, self.loss_fn,
                               scheduler=self.scheduler,
                               scheduler_interval="step" if cfg["scheduler"] == "onecycle"
                               else "epoch",
                               monitor=self.monitor, metrics=metrics,
                               grad_clip=cfg.get("grad_clip"), early_stopping=self.stopper,
                               callbacks=callbacks, progress=progress)

    def preprocessing(self) -> dict:
        """What preprocessing.json holds: how to prepare inputs, the classes, the task."""
        return {"kind": self.data.kind, "task": self.data.task, "classes": self.data.classes,
                **self.data.meta}

    def next_cycle_if_due(self, epoch: int) -> None:
        """At the end of a cycle of an extended onecycle/cosine schedule, start the next."""
        from ..train.recipes import EXTENDED_BY_A_NEW_CYCLE, build_scheduler, schedule_ends

        if self.cfg["scheduler"] not in EXTENDED_BY_A_NEW_CYCLE:
            return
        ends = schedule_ends(self.cfg)
        phase = getattr(self.trainer.scheduler, "gradkit_phase", 0)
        if phase + 1 >= len(ends) or epoch < ends[phase]:
            return
        self.trainer.scheduler = build_scheduler(self.cfg, self.optimizer, self.steps_per_epoch,
                                                 phase + 1)
        self.scheduler = self.trainer.scheduler
        if world()[0] == 0:
            from ..train.recipes import EXTEND_LR_FACTOR

            peak = float(self.cfg["lr"]) * EXTEND_LR_FACTOR
            print(f"after epoch {epoch}: a new {self.cfg['scheduler']} cycle to epoch "
                  f"{ends[phase + 1]} (peak lr {peak:.3g})", flush=True)

    def fit(self, epochs: int):
        if self.stopper is not None and world()[0] == 0 and self.trainer.epoch < epochs:
            print(f"early stopping: watching {self.monitor} (patience {self.stopper.patience}, "
                  f"min delta {self.stopper.min_delta:g})", flush=True)
        history = self.trainer.fit(self.data.train, self.data.val, epochs=epochs)
        stopper = self.stopper
        if stopper is not None and stopper.should_stop and world()[0] == 0:
            print(f"early stopping: {self.monitor} has not improved by more than "
                  f"{stopper.min_delta:g} for {stopper.patience} epochs (best {stopper.best:.4f} "
                  f"at epoch {stopper.best_step}); stopped after epoch {self.trainer.epoch} "
                  f"of {epochs}", flush=True)
        return history

    def best_epoch(self) -> tuple[int, float]:
        """(epoch, value) of the lowest monitored value in the history."""
        rows = [r for r in self.trainer.history.rows if self.monitor in r]
        row = min(rows, key=lambda r: r[self.monitor])
        return int(row["epoch"]), float(row[self.monitor])

    def use_weights(self, path: Path) -> None:
        """Load the model weights (only) of a checkpoint: best.safetensors for the report."""
        self.model.load_state_dict(read_checkpoint(path)["model"])

    def test(self) -> dict:
        results = self.trainer.evaluate(self.data.test)
        if self.data.task == "regression":
            results.update(regression_metrics(*self.regression_outputs(self.data.test)))
        return results

    def regression_outputs(self, loader):
        """(predictions, targets) over ``loader`` in the target's own units."""
        import numpy as np

        import gradkit
        from gradkit.datasets.tabular import TablePreprocessor

        prep = TablePreprocessor.from_state_dict(self.data.meta["table"])
        preds, ys = [], []
        self.model.eval()
        with gradkit.no_grad():
            for x, y in loader:
                preds.append(self.model(x).numpy())
                ys.append(y.numpy())
        return (prep.inverse_target(np.concatenate(preds)[:, 0]),
                prep.inverse_target(np.concatenate(ys)[:, 0]))

    def sample_text(self, length: int = 300) -> str:
        import gradkit

        vocab = self.data.vocab
        start = vocab.index("T") if "T" in vocab else 0
        ids = self.model.sample([start], length, temperature=0.7,
                                generator=gradkit.Generator().manual_seed(int(self.cfg["seed"])))
        return "".join(vocab[i] for i in ids)


def regression_metrics(pred, true) -> dict:
    """RMSE, MAE and R^2 in the target's own units."""
    import numpy as np

    pred, true = np.asarray(pred, dtype=np.float64), np.asarray(true, dtype=np.float64)
    err = pred - true
    ss_tot = float(((true - true.mean()) ** 2).sum())
    return {"rmse": float(np.sqrt((err ** 2).mean())), "mae": float(np.abs(err).mean()),
            "r2": 1.0 - float((err ** 2).sum()) / ss_tot if ss_tot > 0 else float("nan")}


def number(v: float) -> str:
    """A metric in the target's units: 4 significant digits, without an exponent for the
    sizes of prices and counts (``15613``, not ``1.561e+04``)."""
    v = float(v)
    return f"{v:.0f}" if math.isfinite(v) and 1e4 <= abs(v) < 1e12 else f"{v:.4g}"


def headline(kind: str, task: str, results: dict) -> str:
    """The last printed line: the test numbers a user looks for."""
    if kind == "text":
        return (f"test loss {results['loss']:.4f}  test perplexity "
                f"{math.exp(min(results['loss'], 700)):.2f}")
    if task == "regression":
        return (f"test rmse {number(results['rmse'])}  test mae {number(results['mae'])}  "
                f"test r2 {results['r2']:.4f}")
    return f"test loss {results['loss']:.4f}  test accuracy {results['accuracy']:.4f}"


def report(job: Job, run_dir: Path | None, results: dict, *, seconds: float | None = None,
           weights: str = "") -> None:
    """Print (and save) the test results; the last line is the headline number (rank 0)."""
    if world()[0] != 0:
        return
    if job.data.kind == "text":
        sample = job.sample_text()
        print("sampled text:\n" + sample)
        if run_dir is not None:
            (run_dir / "sample.txt").write_text(sample + "\n")
    if run_dir is not None:
        (run_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
        took = "" if seconds is None else f" in {seconds:.1f}s"
        print(f"run folder: {run_dir} (config, checkpoint, history, plots){took}")
    line = headline(job.data.kind, job.data.task, results)
    print(line + (f"  ({weights})" if weights else ""))
