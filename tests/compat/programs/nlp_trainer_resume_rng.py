"""A Trainer-style loop with evaluation every N steps and exact resumption: SequentialLR chaining
LinearLR warm-up and PolynomialLR decay, the best state_dict kept with copy.deepcopy, a checkpoint
dict holding model, optimizer, scheduler, step and torch.get_rng_state(), written with torch.save
and restored with torch.load(weights_only=False); the resumed run continues bit-for-bit like the
uninterrupted one (dropout and shuffling included)."""
import copy
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import LinearLR, PolynomialLR, SequentialLR

torch.manual_seed(33)
X = torch.randint(1, 25, (48, 7))
Y = (X[:, 0] > 12).long()


def build():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(25, 12), nn.Dropout(0.2), nn.Flatten(), nn.Linear(84, 16),
                          nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    warm = LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=3)
    decay = PolynomialLR(opt, total_iters=12, power=2.0)
    sched = SequentialLR(opt, schedulers=[warm, decay], milestones=[3])
    return model, opt, sched


def train(model, opt, sched, start, stop, ckpt_path=None, log=True):
    best, best_state = float("inf"), None
    for step in range(start, stop):
        model.train()
        idx = torch.randperm(48)[:12]
        loss = F.cross_entropy(model(X[idx]), Y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if (step + 1) % 3 == 0:
            model.eval()
            with torch.no_grad():
                val = F.cross_entropy(model(X), Y).item()
            if val < best:
                best, best_state = val, copy.deepcopy(model.state_dict())
            if log:
                print(f"step {step + 1} loss {loss.item():.6f} val {val:.6f} "
                      f"lr {sched.get_last_lr()[0]:.6f}")
        if ckpt_path and step + 1 == 7:
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                        "scheduler": sched.state_dict(), "step": step + 1,
                        "rng": torch.get_rng_state()}, ckpt_path)
    return best, best_state


with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "ckpt.pt")
    model, opt, sched = build()
    torch.manual_seed(1)
    best, best_state = train(model, opt, sched, 0, 15, ckpt_path=path)
    final = [p.detach().clone() for p in model.parameters()]
    print("best val", round(best, 6), sorted(best_state)[:2])

    ckpt = torch.load(path, weights_only=False)
    print("checkpoint", sorted(ckpt), ckpt["step"], ckpt["rng"].dtype, tuple(ckpt["rng"].shape))
    model2, opt2, sched2 = build()
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optimizer"])
    sched2.load_state_dict(ckpt["scheduler"])
    torch.set_rng_state(ckpt["rng"])
    print("resumed lr", round(sched2.get_last_lr()[0], 6), sched2.last_epoch)
    train(model2, opt2, sched2, ckpt["step"], 15, log=False)
    print("resume identical", all(torch.equal(a, b) for a, b in zip(final, model2.parameters())))
    model.load_state_dict(best_state)
    model.eval()
    with torch.no_grad():
        print("best restored", round(F.cross_entropy(model(X), Y).item(), 6))
