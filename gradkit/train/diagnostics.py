"""Gradient-flow diagnostics: per-layer gradient and weight norms, update-to-weight ratios, and
dead ReLUs, with one-line warnings and plots.

``grad_flow(model)`` measures the gradients a ``backward()`` left in the parameters (call it
before ``optimizer.step()``); ``GradientDiagnostics`` is a Trainer callback that does this at
every optimizer step (through the optimizer's step hooks: the gradients the step uses, after
clipping, and the weights before and after it) and watches every ``nn.ReLU`` through forward
hooks.

What is flagged (each layer once, with a one-line warning on stderr naming it):

* **vanishing**: a weight's gradient norm is below ``vanishing`` times the largest weight
  gradient norm of the same step (default 1e-3), or is exactly zero, for ``patience``
  recorded steps in a row;
* **exploding**: a gradient norm above ``exploding`` (default 1e3) or not finite;
* **dead ReLU**: an ``nn.ReLU`` whose outputs are zero for at least ``dead_relu`` of the
  activations (default 0.95) for ``patience`` recorded steps in a row.

"Layers" are the parameters with two or more dimensions (weights; biases and norm scales are
recorded and plotted but not flagged). ReLUs applied as functions (``x.relu()``,
``F.relu``) are not hooked: only ``nn.ReLU`` modules are.

Examples:
    >>> diag = GradientDiagnostics("runs/exp/diagnostics")
    >>> Trainer(model, opt, loss_fn, callbacks=[diag]).fit(loader, epochs=3)
    gradkit: warning: vanishing gradients in layer 'layers.0.weight' (step 1: gradient norm
    3.1e-09, 2.4e-07 of the largest layer's)
    >>> diag.summary()["flags"]
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import numpy as np

from .trainer import Callback

__all__ = ["GradientDiagnostics", "grad_flow", "snapshot_weights"]

SUMMARY_FILE = "diagnostics.json"
NORMS_PLOT = "grad_norms.png"
BARS_PLOT = "grad_flow.png"


def _array(t) -> np.ndarray:
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t)


def _norm(a) -> float:
    a = np.asarray(a)
    if a.size == 0:
        return 0.0
    return float(np.sqrt(np.sum(np.square(a, dtype=np.float64))))


def snapshot_weights(model) -> dict:
    """Copies of every parameter (``{name: ndarray}``), for ``grad_flow(..., previous=)``."""
    return {name: _array(p).copy() for name, p in model.named_parameters()}


def grad_flow(model, previous: dict | None = None) -> list[dict]:
    """Per-parameter gradient norm, weight norm and ratios, in the model's parameter order.

    Args:
        model: an ``nn.Module`` whose parameters hold gradients (after ``backward()``).
        previous: the weights before the last update (:func:`snapshot_weights`); gives each
            layer's update-to-weight ratio ``||w - w_prev|| / ||w||``.

    Returns:
        One dict per parameter: ``name``, ``shape``, ``grad_norm`` (None without a gradient),
        ``weight_norm``, ``grad_to_weight`` (``grad_norm / weight_norm``) and
        ``update_to_weight`` (None without ``previous``).
    """
    rows = []
    for name, p in model.named_parameters():
        w = _array(p)
        wn = _norm(w)
        g = getattr(p, "grad", None)
        gn = None if g is None else _norm(_array(g))
        update = None
        if previous is not None and name in previous:
            update = _norm(w.astype(np.float64) - np.asarray(previous[name], dtype=np.float64))
        rows.append({
            "name": name,
            "shape": list(w.shape),
            "grad_norm": gn,
            "weight_norm": wn,
            "grad_to_weight": None if gn is None else (gn / wn if wn > 0 else math.inf),
            "update_to_weight": None if update is None else (update / wn if wn > 0
                                                             else math.inf),
        })
    return rows


def _stats(values) -> dict:
    v = [x for x in values if x is not None]
    if not v:
        return {"mean": None, "min": None, "max": None, "last": None}
    arr = np.asarray(v, dtype=np.float64)
    return {"mean": float(arr.mean()), "min": float(arr.min()), "max": float(arr.max()),
            "last": float(arr[-1])}


class GradientDiagnostics(Callback):
    """Record gradient flow during ``Trainer.fit``, flag problems, plot and summarise them.

    Args:
        out_dir: the folder for ``grad_norms.png`` (per-layer gradient norms over steps),
            ``grad_flow.png`` (a bar per layer: mean gradient norm, update-to-weight ratio,
            ReLU zero fraction) and ``diagnostics.json`` (the summary), written at the end of
            the fit; ``None`` writes nothing.
        every: record every ``every``-th optimizer step.
        vanishing: flag a weight whose gradient norm is below this fraction of the step's
            largest weight gradient norm.
        exploding: flag a gradient norm above this (or not finite).
        dead_relu: flag an ``nn.ReLU`` whose zero fraction is at least this.
        patience: how many recorded steps in a row a condition must hold to be flagged.
        verbose: print each flag as one line on stderr (``gradkit: warning: ...``).
        plots: draw the PNGs (needs matplotlib; without it, a note and the JSON only).

    Attributes:
        steps: the recorded global steps.
        layers: ``{name: {"grad_norm": [...], "weight_norm": [...], "update_to_weight":
            [...]}}`` per parameter, one entry per recorded step.
        relus: ``{name: [zero fraction per recorded step]}``.
        flags: the flags raised, dicts with ``layer``, ``kind``, ``step``, ``value`` and
            ``message``.
    """

    rank_zero_only = False

    def __init__(self, out_dir: str | os.PathLike | None = None, *, every: int = 1,
                 vanishing: float = 1e-3, exploding: float = 1e3, dead_relu: float = 0.95,
                 patience: int = 3, verbose: bool = True, plots: bool = True):
        if int(every) != every or every < 1:
            raise ValueError(f"GradientDiagnostics: every must be an integer >= 1, got {every!r}")
        if int(patience) != patience or patience < 1:
            raise ValueError(f"GradientDiagnostics: patience must be an integer >= 1, "
                             f"got {patience!r}")
        if not 0 < vanishing < 1:
            raise ValueError(f"GradientDiagnostics: vanishing must be in (0, 1), got {vanishing!r}")
        if not exploding > 0:
            raise ValueError(f"GradientDiagnostics: exploding must be > 0, got {exploding!r}")
        if not 0 < dead_relu <= 1:
            raise ValueError(f"GradientDiagnostics: dead_relu must be in (0, 1], got {dead_relu!r}")
        self.out_dir = None if out_dir is None else Path(out_dir)
        self.every = int(every)
        self.vanishing = float(vanishing)
        self.exploding = float(exploding)
        self.dead_relu = float(dead_relu)
        self.patience = int(patience)
        self.verbose = verbose
        self.plots = plots
        self.steps: list = []
        self.layers: dict = {}
        self.relus: dict = {}
        self.flags: list = []
        self.written: list = []
        self._flagged: set = set()
        self._streak: dict = {}
        self._handles: list = []
        self._before = None
        self._relu_now: dict = {}
        self._model = None
        self._trainer = None

    # ------------------------------------------------------------------------ hooks
    def on_fit_start(self, trainer):
        from gradkit import nn

        self._trainer = trainer
        self._model = trainer.model
        opt = trainer.optimizer
        self._handles.append(opt.register_step_pre_hook(self._pre_step))
        self._handles.append(opt.register_step_post_hook(self._post_step))
        for name, module in self._model.named_modules():
            if isinstance(module, nn.ReLU):
                self._handles.append(module.register_forward_hook(self._relu_hook(name)))

    def _recording(self) -> bool:
        return self._trainer is not None and self._trainer.global_step % self.every == 0

    def _relu_hook(self, name):
        def hook(module, args, output):
            if module.training and self._recording():
                a = _array(output)
                self._relu_now[name] = float(np.mean(a == 0)) if a.size else 0.0
        return hook

    def _pre_step(self, optimizer, args, kwargs):
        if not self._recording():
            return None
        rows = grad_flow(self._model)
        self._before = ({r["name"]: r for r in rows}, snapshot_weights(self._model))
        return None

    def _post_step(self, optimizer, args, kwargs):
        if self._before is None:
            return
        rows, previous = self._before
        self._before = None
        after = {r["name"]: r for r in grad_flow(self._model, previous)}
        step = self._trainer.global_step + 1  # the trainer counts this step after it
        self.steps.append(step)
        for name, row in rows.items():
            rec = self.layers.setdefault(name, {"shape": row["shape"], "grad_norm": [],
                                                "weight_norm": [], "update_to_weight": []})
            rec["grad_norm"].append(row["grad_norm"])
            rec["weight_norm"].append(after[name]["weight_norm"])
            rec["update_to_weight"].append(after[name]["update_to_weight"])
        for name, frac in self._relu_now.items():
            self.relus.setdefault(name, []).append(frac)
        self._check(step, rows, dict(self._relu_now))
        self._relu_now.clear()

    def on_fit_end(self, trainer):
        for h in self._handles:
            h.remove()
        self._handles.clear()
        if self.out_dir is not None and getattr(trainer, "rank", 0) == 0 and self.steps:
            self.write(self.out_dir)

    # ------------------------------------------------------------------------ checks
    def _hold(self, key, condition: bool) -> bool:
        n = self._streak.get(key, 0) + 1 if condition else 0
        self._streak[key] = n
        return n >= self.patience

    def _flag(self, layer, kind, step, value, message):
        if (layer, kind) in self._flagged:
            return
        self._flagged.add((layer, kind))
        self.flags.append({"layer": layer, "kind": kind, "step": step, "value": value,
                           "message": message})
        if self.verbose and getattr(self._trainer, "rank", 0) == 0:  # one line per job
            print(f"gradkit: warning: {message}", file=sys.stderr, flush=True)

    def _check(self, step, rows, relus):
        weights = {n: r["grad_norm"] for n, r in rows.items()
                   if len(r["shape"]) >= 2 and r["grad_norm"] is not None}
        finite = [g for g in weights.values() if math.isfinite(g)]
        top = max(finite, default=0.0)
        for name, row in rows.items():
            g = row["grad_norm"]
            if g is None:
                continue
            if self._hold((name, "exploding"), not math.isfinite(g) or g > self.exploding):
                self._flag(name, "exploding", step, g,
                           f"exploding gradients in layer {name!r} (step {step}: gradient "
                           f"norm {g:.3g}, above {self.exploding:g}); lower the learning rate "
                           f"or clip gradients")
        for name, g in weights.items():
            small = math.isfinite(g) and top > 0 and (g == 0 or g < self.vanishing * top)
            if self._hold((name, "vanishing"), small):
                rel = g / top if top else 0.0
                self._flag(name, "vanishing", step, g,
                           f"vanishing gradients in layer {name!r} (step {step}: gradient "
                           f"norm {g:.3g}, {rel:.2g} of the largest layer's)")
        for name, frac in relus.items():
            if self._hold((name, "dead_relu"), frac >= self.dead_relu):
                self._flag(name, "dead_relu", step, frac,
                           f"dead ReLU {name!r} (step {step}: {frac:.1%} of its outputs are "
                           f"zero); check the initialisation, the learning rate, or use "
                           f"LeakyReLU")

    # ------------------------------------------------------------------------ output
    def summary(self) -> dict:
        """The JSON summary: per-layer statistics, per-ReLU zero fractions, flags, settings."""
        layers = []
        for name, rec in self.layers.items():
            layers.append({
                "name": name, "shape": rec["shape"],
                "grad_norm": _stats(rec["grad_norm"]),
                "weight_norm": _stats(rec["weight_norm"]),
                "update_to_weight": _stats(rec["update_to_weight"]),
                "flags": sorted(f["kind"] for f in self.flags if f["layer"] == name),
            })
        relus = [{"name": name, "zero_fraction": _stats(v),
                  "flags": sorted(f["kind"] for f in self.flags if f["layer"] == name)}
                 for name, v in self.relus.items()]
        return {
            "steps_recorded": len(self.steps),
            "first_step": self.steps[0] if self.steps else None,
            "last_step": self.steps[-1] if self.steps else None,
            "every": self.every,
            "thresholds": {"vanishing": self.vanishing, "exploding": self.exploding,
                           "dead_relu": self.dead_relu, "patience": self.patience},
            "layers": layers,
            "relus": relus,
            "flags": list(self.flags),
        }

    def write(self, out_dir: str | os.PathLike) -> list[Path]:
        """Write ``diagnostics.json`` and (with matplotlib) the two plots into ``out_dir``."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        written = [out_dir / SUMMARY_FILE]
        written[0].write_text(json.dumps(_jsonable(self.summary()), indent=2) + "\n")
        if self.plots:
            try:
                written += plot_diagnostics(self, out_dir)
            except ImportError as exc:
                print(f"gradkit: note: no diagnostics plots written ({exc})")
        self.written = written
        return written


def _jsonable(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_jsonable(v) for v in obj]
    return obj


def _log_bars(ax, y, values, colors):
    """Horizontal bars on a log axis; a zero (no gradient, or an update below float
    resolution) is written as "0" instead of a bar."""
    positive = [v for v in values if v > 0 and math.isfinite(v)]
    lo = min(positive, default=1e-8) / 10
    hi = max(positive, default=1.0) * 3
    for yi, v, c in zip(y, values, colors):
        if v > 0 and math.isfinite(v):
            ax.barh(yi, v - lo, left=lo, color=c)
        else:
            ax.text(lo * 1.3, yi, "0" if v == 0 else str(v), va="center", fontsize=8, color=c)
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)


def plot_diagnostics(diag: GradientDiagnostics, out_dir) -> list[Path]:
    """``grad_norms.png`` and ``grad_flow.png`` from a :class:`GradientDiagnostics`."""
    from .plots import _pyplot

    plt = _pyplot()
    out_dir = Path(out_dir)
    names = list(diag.layers)
    flagged = {f["layer"] for f in diag.flags}
    steps = diag.steps

    fig, ax = plt.subplots(figsize=(9, 5))
    cmap = plt.get_cmap("viridis")
    weights = [n for n in names if len(diag.layers[n]["shape"]) >= 2] or names
    for i, name in enumerate(weights):
        ys = [np.nan if v is None or v <= 0 else v for v in diag.layers[name]["grad_norm"]]
        ax.plot(steps, ys, color=cmap(i / max(1, len(weights) - 1)), lw=1.4,
                ls="--" if name in flagged else "-",
                label=name + ("  (flagged)" if name in flagged else ""))
    ax.set_yscale("log")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("gradient norm (log)")
    ax.set_title("Gradient norm per layer (weights; first layer dark, last layer light)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2 if len(weights) > 8 else 1, loc="best")
    fig.tight_layout()
    p1 = out_dir / NORMS_PLOT
    fig.savefig(p1, dpi=100)
    plt.close(fig)

    panels = 3 if diag.relus else 2
    height = max(4.0, 0.28 * len(names) + 1.5)
    fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels + 2, height), sharey=False)
    y = np.arange(len(names))
    mean_g = [_stats(diag.layers[n]["grad_norm"])["mean"] or 0.0 for n in names]
    mean_u = [_stats(diag.layers[n]["update_to_weight"])["mean"] or 0.0 for n in names]
    colors = ["#d62728" if n in flagged else "#1f77b4" for n in names]
    ax = axes[0]
    _log_bars(ax, y, mean_g, colors)
    ax.set_yticks(y, names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("mean gradient norm (log)")
    ax.set_title("Gradient norm per layer")
    ax = axes[1]
    _log_bars(ax, y, mean_u, colors)
    ax.set_yticks(y, [""] * len(names))
    ax.invert_yaxis()
    ax.axvline(1e-3, color="gray", ls=":", lw=1)
    ax.set_xlabel("mean update / weight norm (log; ~1e-3 is typical)")
    ax.set_title("Update-to-weight ratio")
    if diag.relus:
        ax = axes[2]
        rn = list(diag.relus)
        zeros = [_stats(diag.relus[n])["mean"] or 0.0 for n in rn]
        ax.barh(np.arange(len(rn)), zeros,
                color=["#d62728" if n in flagged else "#2ca02c" for n in rn])
        ax.set_yticks(np.arange(len(rn)), rn, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.axvline(diag.dead_relu, color="gray", ls=":", lw=1)
        ax.set_xlabel("mean fraction of zero outputs")
        ax.set_title("ReLU activity")
    fig.suptitle("Gradient flow by layer (red: flagged)")
    fig.tight_layout()
    p2 = out_dir / BARS_PLOT
    fig.savefig(p2, dpi=100)
    plt.close(fig)
    return [p1, p2]
