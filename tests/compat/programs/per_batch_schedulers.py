"""Schedulers stepped per batch, printing get_last_lr() as training logs do: CyclicLR
(triangular2 and exp_range, with cycle_momentum on SGD), CosineAnnealingWarmRestarts with the
fractional epoch `scheduler.step(epoch + i / iters)`, MultiplicativeLR, LambdaLR with two groups
and two lambdas, OneCycleLR's momentum, and their state_dict / last_epoch."""
import math

import torch
import torch.nn as nn
from torch.optim import lr_scheduler

torch.manual_seed(0)
model = nn.Linear(4, 1)
x, y = torch.randn(24, 4), torch.randn(24, 1)
iters = 4


def train_epoch(opt, sched, per_batch_step):
    lrs = []
    for i in range(iters):
        xb, yb = x[i * 6:(i + 1) * 6], y[i * 6:(i + 1) * 6]
        opt.zero_grad()
        nn.functional.mse_loss(model(xb), yb).backward()
        opt.step()
        per_batch_step(sched, i)
        lrs.append(sched.get_last_lr()[0])
    return lrs


opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
sched = lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="triangular2")
for epoch in range(3):
    lrs = train_epoch(opt, sched, lambda s, i: s.step())
    print("cyclic", epoch, [f"{v:.4f}" for v in lrs], f"momentum {opt.param_groups[0]['momentum']:.4f}")

opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
sched = lr_scheduler.CyclicLR(opt, base_lr=0.001, max_lr=0.05, step_size_up=2, step_size_down=4,
                              mode="exp_range", gamma=0.9, cycle_momentum=False)
lrs = train_epoch(opt, sched, lambda s, i: s.step()) + train_epoch(opt, sched, lambda s, i: s.step())
print("exp_range", [f"{v:.5f}" for v in lrs])

opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=1e-4)
for epoch in range(5):
    lrs = train_epoch(opt, sched, lambda s, i, epoch=epoch: s.step(epoch + (i + 1) / iters))
    print("warm restarts", epoch, [f"{v:.6f}" for v in lrs], sched.T_cur, sched.T_i)
print(sched.state_dict())

opt = torch.optim.SGD(model.parameters(), lr=0.05)
sched = lr_scheduler.MultiplicativeLR(opt, lr_lambda=lambda epoch: 0.95)
for epoch in range(4):
    train_epoch(opt, sched, lambda s, i: None)
    sched.step()
    print("multiplicative", epoch, sched.get_last_lr(), sched.last_epoch)

head = nn.Linear(1, 1)
opt = torch.optim.SGD([{"params": model.parameters()}, {"params": head.parameters(), "lr": 0.5}],
                      lr=0.1)
warmup = 3
sched = lr_scheduler.LambdaLR(opt, lr_lambda=[lambda s: min(1.0, (s + 1) / warmup),
                                              lambda s: 0.5 * (1 + math.cos(math.pi * s / 8))])
for step in range(6):
    opt.step()
    sched.step()
    print("lambda", step, [round(v, 6) for v in sched.get_last_lr()])
sd = sched.state_dict()
print(sorted(sd), sd["last_epoch"], sd["base_lrs"], sd["lr_lambdas"])

opt = torch.optim.Adam(model.parameters(), lr=1e-3)
sched = lr_scheduler.OneCycleLR(opt, max_lr=0.01, total_steps=8, pct_start=0.25)
rows = []
for _ in range(8):
    opt.step()
    sched.step()
    rows.append((round(sched.get_last_lr()[0], 6), round(opt.param_groups[0]["betas"][0], 4)))
print("onecycle", rows)
try:
    sched.step()
except ValueError as e:
    print("ValueError:", str(e)[:80])
