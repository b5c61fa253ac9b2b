"""Exact resume of a run that uses every random source: a checkpoint holding the model,
optimizer, scheduler, epoch and the RNG states (torch.get_rng_state, random.getstate,
numpy.random.get_state), written to a file and to an io.BytesIO, restored with set_rng_state /
random.setstate / np.random.set_state; the resumed losses equal the uninterrupted run's bit for bit."""
import io
import os
import random
import tempfile

import numpy as np
import torch
import torch.nn as nn


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build():
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 1))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    return model, opt, sched


def one_epoch(model, opt, sched, data_x, data_y):
    model.train()
    perm = torch.randperm(len(data_x))
    noise_scale = np.random.uniform(0.0, 0.1)
    jitter = random.random() * 0.01
    total = 0.0
    for i in range(0, len(perm), 16):
        idx = perm[i:i + 16]
        xb = data_x[idx] + noise_scale * torch.randn_like(data_x[idx])
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(xb), data_y[idx]) + jitter
        loss.backward()
        opt.step()
        total += loss.item()
    sched.step()
    return total / (len(perm) // 16)


def state(model, opt, sched, epoch):
    return {
        "epoch": epoch,
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "scheduler": sched.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "python_rng": random.getstate(),
        "numpy_rng": np.random.get_state(),
    }


def restore(ckpt, model, opt, sched):
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    sched.load_state_dict(ckpt["scheduler"])
    torch.set_rng_state(ckpt["torch_rng"])
    random.setstate(ckpt["python_rng"])
    np.random.set_state(ckpt["numpy_rng"])
    return ckpt["epoch"] + 1


g = torch.Generator().manual_seed(123)
X = torch.randn(64, 8, generator=g)
Y = X[:, :1] * 2 - X[:, 1:2]

seed_everything(0)
model, opt, sched = build()
straight = [one_epoch(model, opt, sched, X, Y) for _ in range(6)]
print("straight:", " ".join(f"{v:.6f}" for v in straight))

seed_everything(0)
model, opt, sched = build()
first = [one_epoch(model, opt, sched, X, Y) for _ in range(3)]
path = os.path.join(tempfile.mkdtemp(), "last.pt")
torch.save(state(model, opt, sched, 2), path)
buf = io.BytesIO()
torch.save(state(model, opt, sched, 2), buf)
print("bytes written > 0:", buf.tell() > 0, "rng state:", torch.get_rng_state().dtype,
      torch.get_rng_state().shape)

# something else consumes random numbers before the resume (a new process would, too)
torch.rand(100)
random.random()
np.random.rand(3)

for source in ("file", "buffer"):
    model2, opt2, sched2 = build()
    if source == "file":
        ckpt = torch.load(path, weights_only=False)
    else:
        buf.seek(0)
        ckpt = torch.load(buf, weights_only=False)
    start = restore(ckpt, model2, opt2, sched2)
    rest = [one_epoch(model2, opt2, sched2, X, Y) for _ in range(start, 6)]
    print(source, "resume from epoch", start, ":", " ".join(f"{v:.6f}" for v in first + rest))
    print("  identical:", first + rest == straight, "lr", sched2.get_last_lr())
    print("  keys:", sorted(ckpt), type(ckpt["python_rng"]).__name__, ckpt["numpy_rng"][0])

# weights_only=True refuses the numpy state, as torch 2.6+ does by default
try:
    torch.load(path, weights_only=True)
    print("weights_only load: ok")
except Exception as exc:  # pickle.UnpicklingError
    print("weights_only load refused:", type(exc).__name__)
