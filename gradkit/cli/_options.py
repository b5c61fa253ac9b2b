"""The parser's parts shared by the commands: argparse that raises instead of exiting, the
argument types (positive numbers, fractions, non-empty paths), the options of ``train`` and
``lr-find``, and ``--config FILE`` (TOML, JSON or YAML) checked against those options."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from ._errors import CLIError

__all__ = ["Parser", "add_job_options", "check_config", "fraction", "load_config_file",
           "nonempty_path", "nonneg_float", "nonneg_int", "positive_float", "positive_int"]


class Parser(argparse.ArgumentParser):
    """argparse that raises :class:`CLIError` instead of printing usage and exiting."""

    def error(self, message: str):
        raise CLIError(message, code=2)


def _number(convert, ok, what: str):
    """An argparse type: ``convert(text)``, refused with "expected {what}" unless ``ok``."""
    def parse(text):
        if isinstance(text, bool):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        if isinstance(text, float) and convert is int:
            if not text.is_integer():
                raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
            text = int(text)
        try:
            value = convert(str(text))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {str(text)!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {str(text)!r}")
        return value

    parse.__name__ = what.replace(" ", "_")
    return parse


positive_float = _number(float, lambda v: math.isfinite(v) and v > 0, "a positive number")
nonneg_float = _number(float, lambda v: math.isfinite(v) and v >= 0, "a number >= 0")
positive_int = _number(int, lambda v: v > 0, "a positive integer")
nonneg_int = _number(int, lambda v: v >= 0, "an integer >= 0")


def fraction(text) -> float:
    value = nonneg_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {str(text)!r}")
    return value


def nonempty_path(text) -> str:
    """A file or folder name; an empty one (``--out ''``) is refused, not read as "default"."""
    text = str(text)
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a path, got an empty one")
    return text


PROGRESS = ("auto", "bar", "epoch", "off")


def add_job_options(p: argparse.ArgumentParser, *, for_lr_find: bool = False) -> None:
    """The options that build a job (data, model, optimizer, ...): train's, and lr-find's."""
    from ..train.recipes import DATA_DEFAULTS, DATASETS, DEFAULTS, MODELS, OPTIMIZERS, SCHEDULERS

    d = DEFAULTS
    text, tab, img = DATA_DEFAULTS["text"], DATA_DEFAULTS["csv"], DATA_DEFAULTS["images"]
    data = p.add_argument_group("data")
    data.add_argument("--data", choices=DATASETS, default=None,
                      help=f"default: {d['data']}; csv: your table (--data-file, --target); "
                           f"images: your image folders (--data-dir)")
    data.add_argument("--data-dir", type=nonempty_path,
                      help="--data images: one sub-folder of images per class; --data mnist / "
                           "fashion-mnist: the folder with the IDX files")
    data.add_argument("--data-file", type=nonempty_path,
                      help="--data csv: a table with a header row (.csv, .tsv; .parquet with "
                           "pyarrow)")
    data.add_argument("--target", help="--data csv: the column to predict")
    data.add_argument("--task", choices=("classification", "regression"), default=None,
                      help="--data csv: default: classification when the target is text or an "
                           "integer with few values, else regression")
    data.add_argument("--image-size", type=positive_int, default=None,
                      help=f"--data images: resize to N x N (default: {img['image_size']})")
    data.add_argument("--test-fraction", type=fraction, default=None,
                      help="--data csv/images: share held out as the test set (default: "
                           f"{tab['test_fraction']})")
    data.add_argument("--text-file", type=nonempty_path,
                      help="a UTF-8 text file for --data text (default: a built-in corpus of "
                           "Python documentation)")
    data.add_argument("--val-fraction", type=fraction, default=None,
                      help=f"share of the training set held out for validation (default: "
                           f"{d['val_fraction']})")
    data.add_argument("--seq-len", type=positive_int, default=None,
                      help=f"characters per training sequence for --data text (default: "
                           f"{d['seq_len']})")
    model = p.add_argument_group("model and optimisation")
    model.add_argument("--model", choices=MODELS, default=None,
                       help=f"default: {d['model']} (mlp for csv, lstm for text)")
    model.add_argument("--hidden", type=positive_int, default=None,
                       help=f"hidden width (MLP) or LSTM size (default: {d['hidden']})")
    model.add_argument("--optimizer", choices=OPTIMIZERS, default=None,
                       help=f"default: {d['optimizer']}")
    model.add_argument("--lr", type=positive_float, default=None,
                       help=f"learning rate (default: {d['lr']:g}, {text['lr']:g} for text; "
                            f"the peak LR for onecycle)")
    model.add_argument("--weight-decay", type=nonneg_float, default=None)
    model.add_argument("--batch-size", type=positive_int, default=None,
                       help=f"default: {d['batch_size']}")
    model.add_argument("--seed", type=nonneg_int, default=None, help=f"default: {d['seed']}")
    if for_lr_find:
        return
    model.add_argument("--scheduler", choices=SCHEDULERS, default=None,
                       help=f"default: {d['scheduler']} (cosine for text)")
    model.add_argument("--warmup-epochs", type=nonneg_int, default=None,
                       help="linear LR warm-up before the scheduler (composes with plateau)")
    model.add_argument("--epochs", type=positive_int, default=None,
                       help=f"default: {d['epochs']} ({tab['epochs']} for csv, "
                            f"{text['epochs']} for text)")
    model.add_argument("--grad-clip", type=positive_float, default=None,
                       help="clip the global gradient norm to this value")
    model.add_argument("--early-stopping", type=positive_int, default=None, metavar="PATIENCE",
                       help="stop when the validation loss has not improved for PATIENCE epochs")
    model.add_argument("--min-delta", type=nonneg_float, default=None,
                       help="the smallest decrease that counts as an improvement (default: 0)")
    run = p.add_argument_group("run folder and display")
    run.add_argument("--config", type=nonempty_path, metavar="FILE",
                     help="read any of these options from a TOML, JSON or YAML file (keys as "
                          "the option names; the command line wins)")
    run.add_argument("--out", type=nonempty_path, help="run folder (default: runs/<timestamp>)")
    run.add_argument("--progress", choices=PROGRESS, default="auto",
                     help="progress display (auto: a bar in a terminal, lines otherwise)")
    run.add_argument("--no-plot", action="store_true", help="skip the PNG plots")
    run.add_argument("--diagnostics", action="store_true", default=None,
                     help="record per-layer gradient and weight norms, flag vanishing or "
                          "exploding gradients and dead ReLUs, write plots and a summary into "
                          "RUN_DIR/diagnostics (see `gradkit report`)")
    run.add_argument("--tensorboard", action="store_true", default=None,
                     help="write TensorBoard event files into RUN_DIR/tensorboard (scalars per "
                          "step and epoch, LR, weight and gradient histograms, the graph; needs "
                          "tensorboardX: pip install 'gradkit[tensorboard]')")


# ------------------------------------------------------------------------- config files
def load_config_file(path_text: str) -> dict:
    """The options in a TOML, JSON or YAML file as a dict (a ``[train]`` table is also read)."""
    path = Path(path_text)
    if not path.is_file():
        raise CLIError(f"--config {path}: no such file")
    suffix = path.suffix.lower()
    try:
        raw = path.read_bytes()
        if suffix == ".toml":
            try:
                import tomllib
            except ImportError:  # Python 3.10
                try:
                    import tomli as tomllib
                except ImportError:
                    raise CLIError(f"--config {path}: reading TOML on Python 3.10 needs tomli "
                                   f"(pip install tomli), or use a .json file") from None
            data = tomllib.loads(raw.decode("utf-8"))
        elif suffix == ".json":
            data = json.loads(raw.decode("utf-8"))
        elif suffix in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError:
                raise CLIError(f"--config {path}: reading YAML needs PyYAML (pip install "
                               f"pyyaml), or use a .toml or .json file") from None
            data = yaml.safe_load(raw.decode("utf-8"))
        else:
            raise CLIError(f"--config {path}: unknown format {suffix or '(no extension)'}; "
                           f"use .toml, .json, .yaml or .yml")
    except CLIError:
        raise
    except UnicodeDecodeError:
        raise CLIError(f"--config {path}: not UTF-8 text") from None
    except Exception as exc:  # each reader has its own error types; all mean "cannot parse"
        message = " ".join(str(exc).split())
        raise CLIError(f"--config {path}: cannot parse it as {suffix[1:].upper()}: "
                       f"{message}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CLIError(f"--config {path}: expected a table of options, got "
                       f"{type(data).__name__}")
    if set(data) == {"train"} and isinstance(data["train"], dict):
        data = data["train"]
    return data


def _actions(parser: argparse.ArgumentParser) -> dict:
    return {a.dest: a for a in parser._actions
            if a.dest not in ("help", "config") and a.option_strings}


def check_config(values: dict, parser: argparse.ArgumentParser, where: str, *,
                 unknown_ok: bool = False) -> dict:
    """``values`` checked and converted as the command line would (types, choices); keys may
    be spelled ``batch-size`` or ``batch_size``. Unknown keys are errors unless ``unknown_ok``
    (a run's own config.json also holds keys the command writes itself)."""
    actions = _actions(parser)
    out = {}
    for key, value in values.items():
        dest = str(key).replace("-", "_")
        action = actions.get(dest)
        if action is None:
            if unknown_ok:
                out[dest] = value
                continue
            known = ", ".join(sorted(a.replace("_", "-") for a in actions))
            raise CLIError(f"{where}: unknown option {key!r} (options: {known})", 2)
        flag = action.option_strings[-1]
        if value is None:
            out[dest] = None
            continue
        if isinstance(action, argparse._StoreTrueAction):
            if not isinstance(value, bool):
                raise CLIError(f"{where}: {key} must be true or false, got {value!r}", 2)
            out[dest] = value
            continue
        if isinstance(value, (dict, list)):
            raise CLIError(f"{where}: {key} ({flag}) must be a single value, got {value!r}", 2)
        try:
            converted = action.type(value) if action.type is not None else str(value)
        except argparse.ArgumentTypeError as exc:
            raise CLIError(f"{where}: {key} ({flag}): {exc}", 2) from None
        if action.choices is not None and converted not in action.choices:
            raise CLIError(f"{where}: {key} ({flag}): invalid choice {converted!r} (choose from "
                           f"{', '.join(map(str, action.choices))})", 2)
        out[dest] = converted
    return out
