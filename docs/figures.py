"""The documentation's figures, drawn with gradkit at build time (docs/hooks.py adds them to the
site as ``figures/NAME.svg``). Each function returns SVG text; all are deterministic (seeded,
and matplotlib's SVG ids and dates fixed), so a rebuild changes a figure only when gradkit's
results change."""

from __future__ import annotations

import io

import numpy as np


def _svg(fig) -> str:
    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = "gradkit-docs"
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _figure(w=7.0, h=3.6):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(w, h))


def autograd_graph() -> str:
    """The backward graph of the autograd tutorial's neuron, ``loss = (tanh(w x + b) - t)^2``."""
    import gradkit as gk
    from gradkit.utils.viz import draw_graph

    x = gk.tensor([0.5, -1.0])
    w = gk.tensor([0.3, 0.8], requires_grad=True)
    b = gk.tensor(0.1, requires_grad=True)
    t = gk.tensor(0.25)
    loss = ((w * x).sum() + b).tanh().sub(t).pow(2)
    return draw_graph(loss, params={"w": w, "b": b})._repr_svg_()


def _digits_problem():
    import gradkit as gk
    from gradkit.datasets import Digits

    data = Digits(train=True)
    x = gk.stack([data[i][0].reshape(-1) for i in range(512)])
    y = gk.tensor([int(data[i][1]) for i in range(512)])
    return x, y


def optimizers() -> str:
    """Training loss of one MLP on the digits under six optimizers, same start, same batches."""
    import gradkit as gk
    import gradkit.nn as nn

    x, y = _digits_problem()
    setups = {
        "SGD lr=0.1": lambda p: gk.optim.SGD(p, lr=0.1),
        "SGD momentum 0.9, lr=0.02": lambda p: gk.optim.SGD(p, lr=0.02, momentum=0.9),
        "RMSprop lr=1e-3": lambda p: gk.optim.RMSprop(p, lr=1e-3),
        "Adagrad lr=0.05": lambda p: gk.optim.Adagrad(p, lr=0.05),
        "Adam lr=1e-3": lambda p: gk.optim.Adam(p, lr=1e-3),
        "AdamW lr=3e-3": lambda p: gk.optim.AdamW(p, lr=3e-3, weight_decay=0.05),
    }
    fig, ax = _figure()
    for name, make in setups.items():
        gk.manual_seed(0)
        model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
        opt = make(model.parameters())
        losses = []
        for step in range(150):
            idx = slice((step * 64) % 512, (step * 64) % 512 + 64)
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        ax.plot(np.convolve(losses, np.ones(5) / 5, mode="valid"), label=name, lw=1.5)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss (5-step mean)")
    ax.set_title("MLP 64-64-10 on the 8x8 digits, batch 64")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _svg(fig)


def schedules() -> str:
    """The learning rate over 100 steps under common schedules."""
    import gradkit as gk
    import gradkit.optim.lr_scheduler as S

    def run(make):
        opt = gk.optim.SGD([gk.zeros(1, requires_grad=True)], lr=0.1)
        sched = make(opt)
        lrs = []
        for _ in range(100):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return lrs

    setups = {
        "StepLR(step_size=30, gamma=0.3)": lambda o: S.StepLR(o, 30, gamma=0.3),
        "CosineAnnealingLR(T_max=100)": lambda o: S.CosineAnnealingLR(o, T_max=100),
        "OneCycleLR(max_lr=0.1, total_steps=100)": lambda o: S.OneCycleLR(o, 0.1, total_steps=100),
        "warm-up 10 steps, then cosine (SequentialLR)": lambda o: S.SequentialLR(
            o, [S.LinearLR(o, start_factor=0.1, total_iters=10), S.CosineAnnealingLR(o, 90)],
            milestones=[10]),
        "CosineAnnealingWarmRestarts(T_0=25)": lambda o: S.CosineAnnealingWarmRestarts(o, 25),
    }
    fig, ax = _figure()
    for name, make in setups.items():
        ax.plot(run(make), label=name, lw=1.5)
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.grid(alpha=0.3)
    return _svg(fig)


FIGURES = {"autograd-graph": autograd_graph, "optimizers": optimizers, "schedules": schedules}
