"""A run report: one self-contained HTML page for a ``gradkit train`` run folder.

``write_report(run_dir)`` reads what the run wrote (``config.json``, ``history.jsonl`` or
``history.csv``, ``results.json``, ``checkpoint.safetensors`` and, when the run was trained with
diagnostics, ``diagnostics/diagnostics.json`` and its plots) and writes ``report.html`` into the
folder: the test metrics, loss/accuracy/learning-rate curves (inline SVG), the gradient
diagnostics, the model summary with parameter counts per layer and a picture of its graph, the
config, and a confusion matrix for classification runs. Everything is inline (SVG, base64
PNG), so the page reads offline and can be mailed as one file.

The confusion matrix is computed afresh: the model is rebuilt from the config
(``gradkit.train.recipes``), its weights loaded from the checkpoint, and it is run on the run's
test set. Where that cannot be done (a dataset that is not on this machine, a model the recipes
do not know), a ``predictions.npz`` in the run folder (arrays ``target`` and ``pred``) is used
instead; otherwise the section says why it is missing.
"""

from __future__ import annotations

import base64
import csv
import datetime
import html
import json
import math
import os
from pathlib import Path

import numpy as np

__all__ = ["draw_run_graph", "write_report"]

CONFIG = "config.json"
CHECKPOINT = "checkpoint.safetensors"
BEST = "best.safetensors"
RESULTS = "results.json"
PREDICTIONS = "predictions.npz"
DIAGNOSTICS_DIR = "diagnostics"
REPORT = "report.html"
_BUFFER_SUFFIXES = ("running_mean", "running_var", "num_batches_tracked")

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1100px;
padding:24px;color:#222;line-height:1.4}
h1{font-size:1.6em;margin-bottom:0}
h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:2em}
.sub{color:#666;margin-top:4px} table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:right;font-variant-numeric:tabular-nums}
th{background:#f4f4f4} td.l,th.l{text-align:left} .note{color:#666;font-style:italic}
.flag{color:#b00020;font-weight:600} .charts{display:flex;flex-wrap:wrap;gap:12px}
.cm td{width:34px;height:26px;text-align:center;border:1px solid #fff}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;
padding:8px 16px}.card b{font-size:1.5em;display:block} img{max-width:100%}
.graph{overflow:auto;max-height:900px;border:1px solid #eee} nav a{margin-right:12px}
"""


# ------------------------------------------------------------------------------- reading
def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _read_history(run_dir: Path) -> list[dict]:
    jsonl = run_dir / "history.jsonl"
    if jsonl.is_file():
        rows = []
        for line in jsonl.read_text().splitlines():
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    pass
        if rows:
            return rows
    path = run_dir / "history.csv"
    if path.is_file():
        with path.open(newline="") as f:
            rows = []
            for row in csv.DictReader(f):
                clean = {}
                for k, v in row.items():
                    try:
                        clean[k] = float(v)
                    except (TypeError, ValueError):
                        clean[k] = v
                rows.append(clean)
            return rows
    return []


def _rebuild(cfg: dict, run_dir: Path):
    """(model with the checkpoint's weights, data bundle) or (None, reason)."""
    from gradkit.train.checkpoint import load_checkpoint

    from . import recipes

    try:
        data = recipes.build_data(cfg)
        model = recipes.build_model(cfg, data)
        # the best epoch's weights, as `gradkit train`'s test results and eval/predict use
        best = run_dir / BEST
        state = load_checkpoint(best if best.is_file() else run_dir / CHECKPOINT)
        model.load_state_dict(state["model"])
    except Exception as exc:  # noqa: BLE001 - any failure becomes a note in the page
        return None, f"{type(exc).__name__}: {exc}"
    model.eval()
    return model, data


# ------------------------------------------------------------------------------- drawing
def _e(x) -> str:
    return html.escape(str(x))


def _fmt(v) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
            return f"{v:.3e}"
        return f"{v:.4g}"
    return str(v)


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    start = math.ceil(lo / step) * step
    out, t = [], start
    while t <= hi + 1e-12 * abs(hi) and len(out) < 20:
        out.append(round(t, 12))
        t += step
    return out


def line_chart(series: dict, *, title: str, ylabel: str = "", xlabel: str = "epoch",
               log: bool = False, width: int = 460, height: int = 270) -> str:
    """A small inline SVG line chart: ``series`` maps a label to ``(xs, ys)``."""
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
    pts = [(x, y) for xs, ys in series.values() for x, y in zip(xs, ys)
           if isinstance(y, (int, float)) and math.isfinite(y) and (y > 0 or not log)]
    if not pts:
        return ""
    left, right, top, bottom = 62, 12, 28, 42
    xs_all = [p[0] for p in pts]
    ys_all = [math.log10(p[1]) if log else p[1] for p in pts]
    x0, x1 = min(xs_all), max(xs_all)
    y0, y1 = min(ys_all), max(ys_all)
    if x1 == x0:
        x0, x1 = x0 - 0.5, x1 + 0.5
    pad = (y1 - y0) * 0.06 or (abs(y0) * 0.1 or 1.0)
    y0, y1 = y0 - pad, y1 + pad
    pw, ph = width - left - right, height - top - bottom

    def sx(x):
        return left + (x - x0) / (x1 - x0) * pw

    def sy(y):
        return top + (1 - (y - y0) / (y1 - y0)) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11" role="img"><title>{_e(title)}</title>',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13" '
           f'font-weight="bold">{_e(title)}</text>']
    for t in _ticks(y0, y1):
        label = _fmt(10 ** t) if log else _fmt(t)
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" '
                   f'stroke="#eee"/><text x="{left - 5}" y="{sy(t) + 4:.1f}" '
                   f'text-anchor="end">{_e(label)}</text>')
    for t in _ticks(x0, x1):
        if abs(t - round(t)) < 1e-9 or (x1 - x0) < 5:
            out.append(f'<text x="{sx(t):.1f}" y="{top + ph + 15}" text-anchor="middle">'
                       f'{_e(_fmt(int(round(t)) if abs(t - round(t)) < 1e-9 else t))}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" '
               f'stroke="#999"/>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 6}" text-anchor="middle">'
               f'{_e(xlabel)}</text>')
    if ylabel:
        out.append(f'<text transform="translate(13,{top + ph / 2}) rotate(-90)" '
                   f'text-anchor="middle">{_e(ylabel + (" (log)" if log else ""))}</text>')
    for i, (label, (xs, ys)) in enumerate(series.items()):
        c = colors[i % len(colors)]
        p = [(sx(x), sy(math.log10(y) if log else y)) for x, y in zip(xs, ys)
             if isinstance(y, (int, float)) and math.isfinite(y) and (y > 0 or not log)]
        if not p:
            continue
        path = " ".join(f"{'M' if k == 0 else 'L'}{a:.1f},{b:.1f}" for k, (a, b) in enumerate(p))
        out.append(f'<path d="{path}" fill="none" stroke="{c}" stroke-width="2"/>')
        for a, b in p:
            out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.5" fill="{c}"/>')
        ly = top + 12 + 14 * i
        out.append(f'<line x1="{left + pw - 110}" x2="{left + pw - 92}" y1="{ly - 4}" '
                   f'y2="{ly - 4}" stroke="{c}" stroke-width="2"/><text x="{left + pw - 88}" '
                   f'y="{ly}">{_e(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _table(header, rows, left_cols=1) -> str:
    th = "".join(f'<th class="l">{_e(h)}</th>' if i < left_cols else f"<th>{_e(h)}</th>"
                 for i, h in enumerate(header))
    body = []
    for row in rows:
        cells = "".join(f'<td class="l">{c}</td>' if i < left_cols else f"<td>{c}</td>"
                        for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{th}</tr>{''.join(body)}</table>"


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}"/>'


def _inline_svg(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


# ------------------------------------------------------------------------------ sections
def _section_metrics(results, kind: str = "") -> str:
    if not isinstance(results, dict) or not results:
        return '<p class="note">No results.json (the run has not been tested yet).</p>'
    cards = []
    for k, v in results.items():
        if k == "loss" and isinstance(v, (int, float)):
            cards.append(f'<div class="card">test loss<b>{_fmt(float(v))}</b></div>')
        elif k == "accuracy" and isinstance(v, (int, float)):
            cards.append(f'<div class="card">test accuracy<b>{v:.2%}</b></div>')
        elif k == "seconds" and isinstance(v, (int, float)):
            cards.append(f'<div class="card">run time<b>{v:.1f} s</b></div>')
        else:
            cards.append(f'<div class="card">{_e(k)}<b>{_e(_fmt(v))}</b></div>')
    if kind == "text" and "loss" in results and "perplexity" not in results:
        loss = results["loss"]
        if isinstance(loss, (int, float)):
            cards.append(f'<div class="card">test perplexity<b>{math.exp(min(loss, 700)):.3g}'
                         f'</b></div>')
    return f'<div class="cards">{"".join(cards)}</div>'


def _section_curves(history: list[dict]) -> str:
    if not history:
        return '<p class="note">No history.jsonl or history.csv in the run folder.</p>'
    epochs = [r.get("epoch", i + 1) for i, r in enumerate(history)]

    def col(key):
        return [r.get(key) for r in history]

    charts = []
    loss = {k: (epochs, col(k)) for k in ("loss", "val_loss") if any(r.get(k) is not None
                                                                       for r in history)}
    if loss:
        charts.append(line_chart(loss, title="Loss", ylabel="loss"))
    for metric in ("accuracy", "perplexity"):
        s = {k: (epochs, col(k)) for k in (metric, f"val_{metric}")
             if any(r.get(k) is not None for r in history)}
        if s:
            charts.append(line_chart(s, title=metric.capitalize(), ylabel=metric))
    if any(r.get("lr") is not None for r in history):
        lrs = [v for v in col("lr") if isinstance(v, (int, float))]
        use_log = bool(lrs) and min(lrs) > 0 and max(lrs) / min(lrs) > 20
        charts.append(line_chart({"lr": (epochs, col("lr"))}, title="Learning rate (epoch start)",
                                 ylabel="lr", log=use_log))
    keys = list(dict.fromkeys(k for r in history for k in r))
    table = _table(keys, [[_e(_fmt(r.get(k))) for k in keys] for r in history], left_cols=0)
    return f'<div class="charts">{"".join(charts)}</div>{table}'


def _section_diagnostics(run_dir: Path) -> str:
    folder = run_dir / DIAGNOSTICS_DIR
    summary = _read_json(folder / "diagnostics.json") or _read_json(run_dir / "diagnostics.json")
    if summary is None:
        return ('<p class="note">No gradient diagnostics in this run (train with '
                '<code>gradkit train --diagnostics</code>, or add '
                '<code>gradkit.train.GradientDiagnostics(run_dir / "diagnostics")</code> to '
                'the Trainer\'s callbacks).</p>')
    parts = []
    flags = summary.get("flags") or []
    if flags:
        items = "".join(f'<li class="flag">{_e(f.get("message", f))}</li>' for f in flags)
        parts.append(f"<p>{len(flags)} problem(s) flagged:</p><ul>{items}</ul>")
    else:
        parts.append("<p>No vanishing or exploding gradients and no dead ReLUs were flagged "
                     f"over {summary.get('steps_recorded', '?')} recorded steps.</p>")
    rows = []
    for layer in summary.get("layers", []):
        g, u, w = layer["grad_norm"], layer["update_to_weight"], layer["weight_norm"]
        flag = ", ".join(layer.get("flags") or [])
        rows.append([_e(layer["name"]), _e(tuple(layer["shape"])), _e(_fmt(g.get("mean"))),
                     _e(_fmt(g.get("last"))), _e(_fmt(w.get("last"))), _e(_fmt(u.get("mean"))),
                     f'<span class="flag">{_e(flag)}</span>'])
    if rows:
        parts.append(_table(["layer", "shape", "mean grad norm", "last grad norm",
                             "weight norm", "mean update/weight", "flags"], rows, left_cols=2))
    relus = summary.get("relus") or []
    if relus:
        parts.append(_table(["ReLU", "mean zero fraction", "flags"],
                            [[_e(r["name"]), _e(_fmt(r["zero_fraction"].get("mean"))),
                              f'<span class="flag">{_e(", ".join(r.get("flags") or []))}</span>']
                             for r in relus]))
    for name, alt in (("grad_norms.png", "gradient norm per layer over steps"),
                      ("grad_flow.png", "gradient flow by layer")):
        if (folder / name).is_file():
            parts.append(_img(folder / name, alt))
    return "".join(parts)


def _param_table_from_state(state: dict) -> str:
    groups: dict = {}
    for key, value in state.items():
        if key.rsplit(".", 1)[-1] in _BUFFER_SUFFIXES:
            continue
        module = key.rsplit(".", 1)[0] if "." in key else "(model)"
        shape = tuple(int(s) for s in getattr(value, "shape", ()))
        groups.setdefault(module, []).append((key.rsplit(".", 1)[-1], shape))
    rows, total = [], 0
    for module, params in groups.items():
        n = sum(int(np.prod(s)) for _, s in params)
        total += n
        rows.append([_e(module), "", _e(", ".join(f"{p} {s}" for p, s in params)), "",
                     _e(f"{n:,}")])
    rows.append(["<b>total</b>", "", "", "", f"<b>{total:,}</b>"])
    return _table(["layer", "type", "parameters", "output shape", "count"], rows, left_cols=3)


def _model_summary(model, example) -> str:
    """A table of the leaf modules: type, parameter shapes, output shape, parameter count."""
    shapes: dict = {}
    handles = []
    leaves = [(n, m) for n, m in model.named_modules() if next(iter(m.children()), None) is None]
    for name, module in leaves:
        def hook(mod, args, out, name=name):
            if hasattr(out, "shape"):
                shapes[name] = tuple(int(s) for s in out.shape)
            elif isinstance(out, tuple) and out and hasattr(out[0], "shape"):
                shapes[name] = tuple(int(s) for s in out[0].shape)
        handles.append(module.register_forward_hook(hook))
    import gradkit

    try:
        with gradkit.no_grad():
            model(example)
    except Exception:  # noqa: BLE001 - the table is still useful without shapes
        pass
    finally:
        for h in handles:
            h.remove()
    rows, total = [], 0
    for name, module in leaves:
        params = list(module.named_parameters(recurse=False))
        n = sum(int(p.numel()) for _, p in params)
        total += n
        rows.append([_e(name), _e(type(module).__name__),
                     _e(", ".join(f"{k} {tuple(p.shape)}" for k, p in params)),
                     _e(shapes.get(name, "")), _e(f"{n:,}")])
    other = sum(int(p.numel()) for p in model.parameters()) - total
    if other:
        rows.append(["(other)", "", "", "", _e(f"{other:,}")])
        total += other
    rows.append(["<b>total</b>", "", "", "", f"<b>{total:,}</b>"])
    trainable = sum(int(p.numel()) for p in model.parameters() if p.requires_grad)
    return (_table(["layer", "type", "parameters", "output shape", "count"], rows, left_cols=3)
            + f"<p>{total:,} parameters, {trainable:,} trainable.</p>")


def _example_batch(data):
    for batch in data.test:
        return batch[0][:2] if isinstance(batch, (list, tuple)) else batch[:2]
    return None


def _section_model(model, data, cfg, state_model, reason) -> str:
    parts = []
    if model is not None:
        example = _example_batch(data)
        parts.append(_model_summary(model, example))
        parts.append(f"<details><summary>Module tree</summary><pre>{_e(repr(model))}</pre>"
                     f"</details>")
        try:
            from gradkit.utils.viz import draw_model

            was = model.training
            model.train()
            try:
                pic = draw_model(model, example, engine="builtin",
                                 title=f"{cfg.get('model', '')} backward graph")
            finally:
                model.train(was)
            parts.append("<h3>Backward graph (one box per module call)</h3>"
                         f'<div class="graph">{_inline_svg(pic.svg())}</div>')
        except Exception as exc:  # noqa: BLE001
            parts.append(f'<p class="note">No graph picture: {_e(exc)}</p>')
    elif state_model:
        parts.append(f'<p class="note">The model could not be rebuilt ({_e(reason)}); '
                     f'parameter counts from the checkpoint:</p>')
        parts.append(_param_table_from_state(state_model))
    else:
        parts.append(f'<p class="note">No model summary: {_e(reason)}</p>')
    return "".join(parts)


def _confusion(target: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (target.astype(np.int64), pred.astype(np.int64)), 1)
    return cm


def confusion_from_model(model, loader) -> tuple[np.ndarray, np.ndarray]:
    """(targets, predicted classes) of ``model`` over ``loader``'s ``(inputs, targets)``."""
    import gradkit

    ts, ps = [], []
    with gradkit.no_grad():
        for x, y in loader:
            out = model(x).numpy()
            ps.append(out.argmax(axis=1))
            ts.append(np.asarray(y.numpy()))
    return np.concatenate(ts), np.concatenate(ps)


def _confusion_html(cm: np.ndarray, labels) -> str:
    top = cm.max() or 1
    off = cm - np.diag(np.diag(cm))
    top_off = off.max() or 1
    head = "".join(f"<th>{_e(lab)}</th>" for lab in labels)
    rows = []
    for i, lab in enumerate(labels):
        cells = []
        for j in range(len(labels)):
            v = int(cm[i, j])
            # errors on their own scale, so that a few stand out next to a full diagonal
            a = v / top if i == j else (0.15 + 0.7 * v / top_off if v else 0.0)
            color = (f"rgba(31,119,180,{a:.3f})" if i == j else f"rgba(214,39,40,{a:.3f})")
            fg = "#fff" if a > 0.55 else "#222"
            cells.append(f'<td style="background:{color};color:{fg}" title="true {_e(lab)}, '
                         f'predicted {_e(labels[j])}: {v}">{v if v else ""}</td>')
        recall = cm[i, i] / cm[i].sum() if cm[i].sum() else float("nan")
        rows.append(f"<tr><th>{_e(lab)}</th>{''.join(cells)}<td>{recall:.1%}</td></tr>")
    acc = np.trace(cm) / cm.sum() if cm.sum() else float("nan")
    return (f'<table class="cm"><tr><th>true \\ predicted</th>{head}<th>recall</th></tr>'
            f"{''.join(rows)}</table><p>{int(cm.sum()):,} test samples, accuracy {acc:.2%}. "
            f"Rows: the true class; columns: the predicted class.</p>")


def _section_confusion(run_dir, model, data, reason) -> str:
    if data is not None and getattr(data, "kind", "") == "text":
        return ('<p class="note">Not drawn: this is a character language model (one class per '
                'character of the vocabulary); see the test perplexity instead.</p>')
    if data is not None and getattr(data, "task", "") == "regression":
        return ('<p class="note">Not drawn: this is a regression run (a number to predict, '
                'not classes); see the test RMSE, MAE and R² above.</p>')
    labels = None
    if model is not None and data is not None:
        target, pred = confusion_from_model(model, data.test)
        k = int(max(data.num_classes, target.max() + 1, pred.max() + 1))
        names = [str(c) for c in (getattr(data, "classes", None) or [])]
        labels = names if len(names) == k else None
        checkpoint = BEST if (run_dir / BEST).is_file() else CHECKPOINT
        source = (f"computed now: the model of {checkpoint} on the run's test set "
                  f"({_e(getattr(data, 'name', ''))})")
    elif (run_dir / PREDICTIONS).is_file():
        saved = np.load(run_dir / PREDICTIONS)
        target, pred = np.asarray(saved["target"]), np.asarray(saved["pred"])
        k = int(max(target.max(), pred.max()) + 1)
        source = f"from {PREDICTIONS}"
    else:
        return f'<p class="note">No confusion matrix: {_e(reason)}</p>'
    cm = _confusion(target.ravel(), pred.ravel(), k)
    return f'<p class="sub">{source}</p>' + _confusion_html(cm, labels or [str(i) for i in
                                                                             range(k)])


# ------------------------------------------------------------------------- the run's graph
def draw_run_graph(run_dir: str | os.PathLike, out: str | os.PathLike | None = None, *,
                   collapse: str | None = "auto", depth: int | None = None,
                   engine: str = "auto") -> Path:
    """Draw the backward graph of a run's model (``gradkit graph RUN_DIR``).

    The model is rebuilt from ``config.json`` (with the checkpoint's weights when there is one)
    and run in training mode on two test samples; see :func:`gradkit.utils.viz.draw_model`.

    Args:
        run_dir: a folder written by ``gradkit train``.
        out: the picture; its suffix picks the format (``.svg``, ``.png``, ``.dot``). Default
            ``run_dir/graph.svg``.
        collapse, depth, engine: as in :func:`~gradkit.utils.viz.draw_model`.

    Returns:
        The path written.
    """
    from gradkit.utils.viz import draw_model

    from . import recipes

    run_dir = Path(run_dir)
    cfg = _read_json(run_dir / CONFIG)
    if not isinstance(cfg, dict):
        raise FileNotFoundError(f"draw_run_graph: {run_dir} has no readable {CONFIG}; is it a "
                                f"folder written by `gradkit train`?")
    if (run_dir / CHECKPOINT).is_file():
        model, data = _rebuild(cfg, run_dir)
        if model is None:
            raise ValueError(f"draw_run_graph: cannot rebuild the model of {run_dir}: {data}")
    else:
        data = recipes.build_data(cfg)
        model = recipes.build_model(cfg, data)
    out = run_dir / "graph.svg" if out is None else Path(out)
    model.train()
    pic = draw_model(model, _example_batch(data), collapse=collapse, depth=depth, engine=engine,
                     title=f"{cfg.get('model', '?')} on {cfg.get('data', '?')}: backward graph")
    return pic.save(out)


# ------------------------------------------------------------------------------ the page
def write_report(run_dir: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """Write one self-contained HTML page about a run folder; returns its path.

    Args:
        run_dir: a folder written by ``gradkit train`` (``config.json`` at least).
        out: the HTML file (default ``run_dir/report.html``).

    Raises:
        FileNotFoundError: ``run_dir`` is not a folder or has no ``config.json``.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"write_report: no run folder at {run_dir}")
    cfg = _read_json(run_dir / CONFIG)
    if not isinstance(cfg, dict):
        raise FileNotFoundError(f"write_report: {run_dir} has no readable {CONFIG}; is it a "
                                f"folder written by `gradkit train`?")
    out = run_dir / REPORT if out is None else Path(out)
    history = _read_history(run_dir)
    results = _read_json(run_dir / RESULTS)
    state_model, epoch = None, None
    if (run_dir / CHECKPOINT).is_file():
        try:
            from gradkit.train.checkpoint import load_checkpoint

            state = load_checkpoint(run_dir / CHECKPOINT)
            state_model, epoch = state.get("model"), state.get("epoch")
        except Exception:  # noqa: BLE001 - reported below as "no checkpoint"
            pass
        model, data = _rebuild(cfg, run_dir)
        reason = data if model is None else ""
        if model is None:
            data = None
    else:
        model, data, reason = None, None, f"no {CHECKPOINT} in the run folder"

    title = f"{cfg.get('model', '?')} on {cfg.get('data', '?')}"
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    trained = f", {epoch} epochs trained" if epoch is not None else ""
    sections = [
        ("metrics", "Test metrics", _section_metrics(results, str(cfg.get("data", "")))),
        ("curves", "Training curves", _section_curves(history)),
        ("diagnostics", "Gradient diagnostics", _section_diagnostics(run_dir)),
        ("model", "Model", _section_model(model, data, cfg, state_model, reason)),
        ("config", "Config", _table(["setting", "value"],
                                    [[_e(k), _e(_fmt(v))] for k, v in cfg.items()])),
        ("confusion", "Confusion matrix", _section_confusion(run_dir, model, data, reason)),
    ]
    nav = "".join(f'<a href="#{sid}">{_e(name)}</a>' for sid, name, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{_e(name)}</h2>{content}</section>'
                   for sid, name, content in sections)
    page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"/>'
            f"<title>gradkit run report: {_e(title)}</title><style>{_CSS}</style></head>"
            f"<body><h1>gradkit run report: {_e(title)}</h1>"
            f'<p class="sub">{_e(run_dir.resolve())}{_e(trained)} · written {when}</p>'
            f"<nav>{nav}</nav>{body}</body></html>\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
