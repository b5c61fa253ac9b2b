"""``gradkit predict RUN_DIR INPUT... [--out predictions.csv]``: apply a run's model, with the
preprocessing saved in the run, to new data:

* a ``--data csv`` run: CSV/TSV files with the training columns (the target column optional;
  when present, the accuracy, or RMSE and R^2, is printed too);
* a ``--data images`` run: image files and folders of them;
* a ``--data text`` run: ``--prompt TEXT`` continued by ``--length`` characters.

It prints a table (the class and its probability, and every class's probability when there are
a few) and writes every row to a CSV file with ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

import numpy as np

from ._errors import CLIError
from ._options import nonempty_path, nonneg_int, positive_float, positive_int
from ._runs import PREPROCESSING, model_checkpoint, number, read_run, regression_metrics

NAME = "predict"
MPI = False

__all__ = ["add_parser", "load_predictor", "run"]

_SHOWN_ROWS = 20
_MAX_CLASS_COLUMNS = 6


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("predict", help="apply a run's model to new data (CSV, images, a prompt)",
                       description="Apply RUN_DIR's model (its best checkpoint unless --last) "
                                   "and saved preprocessing to CSV files (csv runs), image files "
                                   "or folders (image runs), or a --prompt (text runs).")
    p.add_argument("run_dir")
    p.add_argument("inputs", nargs="*", metavar="INPUT",
                   help="CSV/TSV files, or image files and folders")
    p.add_argument("--data-file", "--data-dir", action="append", dest="more_inputs", default=[],
                   metavar="PATH", help="an INPUT given as in `gradkit train` (repeatable)")
    p.add_argument("--out", type=nonempty_path,
                   help="write every prediction to this CSV file (text runs: the text)")
    p.add_argument("--last", action="store_true", help="use the last checkpoint, not the best")
    p.add_argument("--batch-size", type=positive_int, default=256)
    text = p.add_argument_group("text runs")
    text.add_argument("--prompt", help="the text to continue")
    text.add_argument("--length", type=positive_int, default=200,
                      help="characters to add (default: %(default)s)")
    text.add_argument("--temperature", type=positive_float, default=0.8,
                      help="sampling temperature (default: %(default)s; lower is more "
                           "predictable)")
    text.add_argument("--seed", type=nonneg_int, default=0)
    return p


def load_predictor(run_dir, *, last: bool = False):
    """``(model in eval mode, preprocessing dict, config, checkpoint path)`` of a run: the
    model as ``gradkit predict`` uses it (also handy from Python)."""
    from ..train.checkpoint import load_checkpoint
    from ..train.recipes import build_data, build_model, bundle_from_meta

    run_dir, cfg = read_run(str(run_dir))
    meta_path = run_dir / PREPROCESSING
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CLIError(f"cannot read {meta_path}: {exc}") from None
    elif cfg["data"] == "text":  # a run from before preprocessing.json: rebuild the vocabulary
        meta = {"vocab": build_data(cfg).vocab}
    else:
        raise CLIError(f"{run_dir} has no {PREPROCESSING}: `gradkit predict` works on runs of "
                       f"--data csv, images or text")
    if not any(key in meta for key in ("table", "images", "vocab")):
        raise CLIError(f"{run_dir} is a --data {cfg['data']} run: `gradkit predict` works on runs "
                       f"of --data csv, images or text")
    try:
        data = bundle_from_meta(cfg, meta)
    except (KeyError, TypeError, ValueError) as exc:
        raise CLIError(f"{meta_path}: not a preprocessing file gradkit wrote ({exc})") from None
    model = build_model(cfg, data)
    path = model_checkpoint(run_dir, last)
    model.load_state_dict(load_checkpoint(path)["model"])
    model.eval()
    return model, meta, cfg, path


def _forward(model, x: np.ndarray, batch_size: int) -> np.ndarray:
    import gradkit

    outs = []
    with gradkit.no_grad():
        for start in range(0, len(x), batch_size):
            outs.append(model(gradkit.tensor(x[start:start + batch_size])).numpy())
    return np.concatenate(outs).astype(np.float64)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _print_table(header: list[str], rows: list[list[str]], total: int, out) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    widths[0] = min(widths[0], 40)

    def fmt(cells):
        first = cells[0] if len(cells[0]) <= widths[0] else "..." + cells[0][-(widths[0] - 3):]
        return "  ".join([first.ljust(widths[0])] + [c.rjust(w) for c, w in
                                                     zip(cells[1:], widths[1:])]).rstrip()

    print(fmt(header))
    for r in rows:
        print(fmt(r))
    if total > len(rows):
        more = f"... {total - len(rows)} more rows"
        print(more + ("" if out else " (--out FILE writes them all)"))


def _classification_rows(sources, scores, classes):
    probs = _softmax(scores)
    pred = probs.argmax(axis=1)
    show_all = len(classes) <= _MAX_CLASS_COLUMNS
    header = ["input", "prediction", "probability"]
    if show_all:
        header += [f"p({c})" for c in classes]
    rows = []
    for src, k, p in zip(sources, pred, probs):
        row = [src, str(classes[k]), f"{p[k]:.4f}"]
        if show_all:
            row += [f"{v:.4f}" for v in p]
        rows.append(row)
    csv_header = ["input", "prediction", "probability"] + [f"p_{c}" for c in classes]
    csv_rows = [[src, str(classes[k]), f"{p[k]:.6g}"] + [f"{v:.6g}" for v in p]
                for src, k, p in zip(sources, pred, probs)]
    return header, rows, csv_header, csv_rows, pred


def _write_csv(path: str, header, rows) -> None:
    out = Path(path)
    if out.is_dir():
        raise CLIError(f"--out {out}: a folder; give a file name such as predictions.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    print(f"wrote {len(rows)} predictions to {out}")


def _predict_table(args, model, meta) -> int:
    from ..datasets.tabular import TablePreprocessor, read_table_lines

    if not args.inputs:
        raise CLIError("give the CSV file(s) to predict: gradkit predict RUN_DIR FILE.csv", 2)
    from ..datasets.images import is_image_name

    images = [name for name in args.inputs if is_image_name(name) or Path(name).is_dir()]
    if images:
        raise CLIError(f"{images[0]}: {'a folder' if Path(images[0]).is_dir() else 'an image'}; "
                       f"{args.run_dir} is a --data csv run: give CSV/TSV files with the "
                       f"columns it was trained on", 2)
    prep = TablePreprocessor.from_state_dict(meta["table"])
    sources, scores, truths, notes = [], [], [], []
    # the identifier columns left out in training name each row in the output when present
    ids = [c["name"] for c in prep.ignored]
    id_values: list[list[str]] = []
    for name in args.inputs:
        header, rows, line_of = read_table_lines(name)
        x = prep.transform(header, rows, where=f"{name}: ", notes=notes, row_numbers=line_of)
        scores.append(_forward(model, x, args.batch_size))
        sources += [f"{name}:{n}" for n in line_of]
        id_values += [[row[header.index(c)].strip() if c in header else "" for c in ids]
                      for row in rows]
        truths.append(prep.transform_target(header, rows, where=f"{name}: ", lenient=True,
                                            row_numbers=line_of)
                      if prep.target in header else None)
    for note in notes:
        print(f"note: {note}")
    shown_ids = [k for k, _ in enumerate(ids) if any(v[k] for v in id_values)]

    def with_ids(head, body):  # "file:line", then the identifiers: predictions join back
        return ([head[0], *(ids[k] for k in shown_ids), *head[1:]],
                [[r[0], *(v[k] for k in shown_ids), *r[1:]] for r, v in zip(body, id_values)])

    z = np.concatenate(scores)
    have_truth = all(t is not None for t in truths)
    if prep.task == "classification":
        header, rows, csv_header, csv_rows, pred = _classification_rows(sources, z, prep.classes)
        header, rows = with_ids(header, rows)
        csv_header, csv_rows = with_ids(csv_header, csv_rows)
        _print_table(header, rows[:_SHOWN_ROWS], len(rows), args.out)
        if have_truth:
            y = np.concatenate(truths)
            known = y >= 0
            correct = int((pred[known] == y[known]).sum())
            if known.any():
                print(f"accuracy against the {prep.target!r} column: "
                      f"{correct / known.sum():.4f} ({correct}/{known.sum()}){_skipped(known)}")
            else:
                print(f"no accuracy: the {prep.target!r} column holds none of the trained "
                      f"classes ({', '.join(map(str, prep.classes))})")
    else:
        values = prep.inverse_target(z[:, 0])
        rows = [[src, f"{v:.6g}"] for src, v in zip(sources, values)]
        csv_header, csv_rows = with_ids(["input", f"predicted_{prep.target}"], rows)
        header, rows = with_ids(["input", f"predicted {prep.target}"], rows)
        _print_table(header, rows[:_SHOWN_ROWS], len(rows), args.out)
        if have_truth:
            y = prep.inverse_target(np.concatenate(truths)[:, 0])
            known = np.isfinite(y)
            if known.any():
                m = regression_metrics(values[known], y[known])
                print(f"against the {prep.target!r} column: rmse {number(m['rmse'])}  mae "
                      f"{number(m['mae'])}  r2 {m['r2']:.4f}{_skipped(known)}")
            else:
                print(f"no rmse: the {prep.target!r} column holds no numbers (empty?)")
    if args.out:
        _write_csv(args.out, csv_header, csv_rows)
    return 0


def _skipped(known: np.ndarray, why: str = "with an empty or untrained target") -> str:
    n = int((~known).sum())
    return f"; {n} {'row(s)' if 'target' in why else 'image(s)'} {why} left out" if n else ""


def _predict_images(args, model, meta) -> int:
    from ..datasets.images import (
        IMAGE_EXTENSIONS,
        ImageStats,
        decode_images,
        image_files,
        is_image_name,
    )

    if not args.inputs:
        raise CLIError("give the image files or folders to predict: gradkit predict RUN_DIR "
                       "IMAGE_OR_FOLDER...", 2)
    m = meta["images"]
    classes = [str(c) for c in meta["classes"]]
    paths, truths = [], []
    for name in args.inputs:
        if Path(name).is_file() and not is_image_name(name):
            raise CLIError(f"{name}: not an image file ({', '.join(IMAGE_EXTENSIONS)}); "
                           f"{args.run_dir} is a --data images run: give image files or "
                           f"folders of them", 2)
        found = image_files(name)
        if not found:
            raise CLIError(f"{name}: no image files in this folder")
        paths += found
        # a folder laid out as for training (class sub-folders): the class of each image
        parts = [p.relative_to(name).parts if Path(name).is_dir() else () for p in found]
        top = [q[0] if len(q) > 1 else None for q in parts]
        truths += [classes.index(t) if t in classes else -1 for t in top]
    images, _ = decode_images(paths, int(m["size"]), int(m["channels"]))
    x = ImageStats(m["mean"], m["std"]).normalize(images)
    z = _forward(model, x, args.batch_size)
    header, rows, csv_header, csv_rows, pred = _classification_rows(
        [str(p) for p in paths], z, meta["classes"])
    _print_table(header, rows[:_SHOWN_ROWS], len(rows), args.out)
    y = np.asarray(truths)
    known = y >= 0
    if known.any():
        correct = int((pred[known] == y[known]).sum())
        print(f"accuracy against the class folders: {correct / known.sum():.4f} "
              f"({correct}/{known.sum()}){_skipped(known, 'outside a class folder')}")
    if args.out:
        _write_csv(args.out, csv_header, csv_rows)
    return 0


def _predict_text(args, model, meta) -> int:
    import gradkit

    if args.inputs:
        raise CLIError("a text run continues --prompt TEXT; it takes no input files", 2)
    if args.prompt is None or args.prompt == "":
        raise CLIError("a text run needs --prompt TEXT (the text to continue)", 2)
    vocab = meta["vocab"]
    index = {c: i for i, c in enumerate(vocab)}
    unknown = sorted({c for c in args.prompt if c not in index})
    if unknown:
        shown = ", ".join(repr(c) for c in unknown[:10])
        raise CLIError(f"the prompt has {len(unknown)} character(s) the run never saw in "
                       f"training: {shown}; use only the {len(vocab)} characters of its "
                       f"vocabulary", 2)
    ids = model.sample([index[c] for c in args.prompt], args.length,
                       temperature=args.temperature,
                       generator=gradkit.Generator().manual_seed(args.seed))
    text = "".join(vocab[i] for i in ids)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
        print(f"wrote {len(text)} characters to {args.out}")
    return 0


def run(args) -> int:
    args.inputs = list(args.inputs) + list(getattr(args, "more_inputs", []))
    model, meta, cfg, path = load_predictor(args.run_dir, last=args.last)
    kind = meta.get("kind") or ("text" if "vocab" in meta else "")
    if args.prompt is not None and kind != "text":
        raise CLIError(f"--prompt is for text runs; {args.run_dir} is a --data {cfg['data']} "
                       f"run", 2)
    print(f"{args.run_dir}: {cfg['model']} on {cfg['data']} ({path.name})")
    if "table" in meta:
        return _predict_table(args, model, meta)
    if "images" in meta:
        return _predict_images(args, model, meta)
    if not math.isfinite(args.temperature):  # pragma: no cover (the option type refuses it)
        raise CLIError("--temperature must be finite", 2)
    return _predict_text(args, model, meta)
