"""Checkpointing a GAN run as research code does: one torch.save of a dict holding the generator,
discriminator, both optimizers, a scheduler, a GradScaler(enabled=False), the epoch, a best
metric, and RNG states (torch.get_rng_state, numpy's get_state, random.getstate) into a file and
into io.BytesIO; a fresh process-like rebuild restores everything (map_location='cpu',
weights_only=False for the numpy state) and the continued run matches the uninterrupted one
bit for bit."""
import io
import os
import random
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def seed_all(s):
    random.seed(s)
    np.random.seed(s)
    torch.manual_seed(s)


def build():
    G = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 2))
    D = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    oG = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    oD = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    sch = torch.optim.lr_scheduler.StepLR(oG, step_size=2, gamma=0.5)
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    return G, D, oG, oD, sch, scaler


def epoch_step(G, D, oG, oD, sch, scaler):
    real = torch.from_numpy(np.random.randn(16, 2).astype(np.float32)) * 0.5 + 1.0
    jitter = random.random()
    z = torch.randn(16, 3)
    fake = G(z)
    d_loss = F.softplus(-D(real)).mean() + F.softplus(D(fake.detach())).mean()
    oD.zero_grad()
    scaler.scale(d_loss).backward()
    scaler.step(oD)
    g_loss = F.softplus(-D(fake)).mean() * (1 + 0.01 * jitter)
    oG.zero_grad()
    scaler.scale(g_loss).backward()
    scaler.step(oG)
    scaler.update()
    sch.step()
    return d_loss.item(), g_loss.item()


seed_all(0)
run = build()
uninterrupted = [epoch_step(*run) for _ in range(6)]

seed_all(0)
G, D, oG, oD, sch, scaler = build()
first = [epoch_step(G, D, oG, oD, sch, scaler) for _ in range(3)]
ckpt = {"epoch": 3, "best_fid": min(g for _, g in first), "G": G.state_dict(), "D": D.state_dict(),
        "optG": oG.state_dict(), "optD": oD.state_dict(), "sched": sch.state_dict(),
        "scaler": scaler.state_dict(), "torch_rng": torch.get_rng_state(),
        "numpy_rng": np.random.get_state(), "python_rng": random.getstate()}
buf = io.BytesIO()
torch.save(ckpt, buf)
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "last.pt")
    torch.save(ckpt, path)
    del G, D, oG, oD, sch, scaler
    seed_all(123)
    G, D, oG, oD, sch, scaler = build()
    state = torch.load(path, map_location="cpu", weights_only=False)
print("keys", sorted(state))
G.load_state_dict(state["G"])
D.load_state_dict(state["D"])
oG.load_state_dict(state["optG"])
oD.load_state_dict(state["optD"])
sch.load_state_dict(state["sched"])
scaler.load_state_dict(state["scaler"])
torch.set_rng_state(state["torch_rng"])
np.random.set_state(state["numpy_rng"])
random.setstate(state["python_rng"])
print("resumed at epoch", state["epoch"], "lr", sch.get_last_lr(), "opt step",
      oG.state_dict()["state"][0]["step"])
second = [epoch_step(G, D, oG, oD, sch, scaler) for _ in range(3)]
print("losses", [tuple(round(v, 6) for v in pair) for pair in uninterrupted])
print("resume identical", first + second == uninterrupted)
buf.seek(0)
again = torch.load(buf, weights_only=False)
print("bytesio", again["epoch"], round(again["best_fid"], 6), again["optD"]["param_groups"][0]["betas"],
      torch.equal(again["G"]["0.weight"], state["G"]["0.weight"]))
