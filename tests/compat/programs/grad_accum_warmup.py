"""Training-loop infrastructure: gradient accumulation over micro-batches, clip_grad_norm_ and
clip_grad_value_, linear warm-up with LambdaLR, SequentialLR(LinearLR -> CosineAnnealingLR),
OneCycleLR, a custom scheduler-state round trip and optimizer.param_groups edits."""
import math

import torch
import torch.nn as nn
from torch.optim.lr_scheduler import (
    CosineAnnealingLR,
    LambdaLR,
    LinearLR,
    OneCycleLR,
    ReduceLROnPlateau,
    SequentialLR,
)

torch.manual_seed(1)
model = nn.Sequential(nn.Linear(10, 32), nn.SiLU(), nn.Dropout(0.1), nn.Linear(32, 1))
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.05)
warmup, total = 4, 12
sched = LambdaLR(opt, lambda s: min(1.0, (s + 1) / warmup) *
                 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
X, Y = torch.randn(64, 10), torch.randn(64, 1)
accum = 4
for step in range(total):
    opt.zero_grad(set_to_none=True)
    total_loss = 0.0
    for micro in range(accum):
        xb, yb = X[micro * 16:(micro + 1) * 16], Y[micro * 16:(micro + 1) * 16]
        loss = nn.functional.mse_loss(model(xb), yb) / accum
        loss.backward()
        total_loss += loss.item()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
    opt.step()
    sched.step()
    print(f"step {step:2d} loss {total_loss:.5f} gnorm {norm.item():.4f} lr {sched.get_last_lr()[0]:.6f}")

model2 = nn.Linear(3, 1)
opt2 = torch.optim.SGD(model2.parameters(), lr=0.1, momentum=0.9)
s1 = LinearLR(opt2, start_factor=0.1, end_factor=1.0, total_iters=3)
s2 = CosineAnnealingLR(opt2, T_max=5, eta_min=1e-3)
seq = SequentialLR(opt2, schedulers=[s1, s2], milestones=[3])
lrs = []
for _ in range(9):
    model2(torch.ones(1, 3)).sum().backward()
    torch.nn.utils.clip_grad_value_(model2.parameters(), clip_value=0.5)
    opt2.step()
    opt2.zero_grad()
    seq.step()
    lrs.append(round(opt2.param_groups[0]["lr"], 6))
print(lrs)
print(model2.weight.grad, model2.weight)

opt3 = torch.optim.Adam(nn.Linear(2, 2).parameters(), lr=1e-3)
oc = OneCycleLR(opt3, max_lr=0.1, total_steps=10, pct_start=0.3)
vals = []
for _ in range(10):
    opt3.step()
    oc.step()
    vals.append((round(oc.get_last_lr()[0], 6), round(opt3.param_groups[0]["betas"][0], 4)))
print(vals)
state = oc.state_dict()
print(sorted(k for k in state if not k.startswith("_")), state["last_epoch"])

opt4 = torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=1.0)
plateau = ReduceLROnPlateau(opt4, mode="min", factor=0.5, patience=1, threshold=0.01)
for metric in [1.0, 0.9, 0.95, 0.95, 0.95, 0.5, 0.6, 0.7]:
    plateau.step(metric)
    print(opt4.param_groups[0]["lr"], end=" ")
print()
for g in opt.param_groups:
    g["lr"] = 1e-4
    g["weight_decay"] = 0.0
print([(g["lr"], g["weight_decay"], g["amsgrad"]) for g in opt.param_groups])
print(total_norm := torch.nn.utils.get_total_norm([p.grad for p in model.parameters()]), total_norm.dtype)
grads = [p.grad.clone() for p in model.parameters()]
torch.nn.utils.clip_grads_with_norm_(model.parameters(), 0.1, total_norm)
print([round(g.norm().item(), 5) for g in grads], [round(p.grad.norm().item(), 5) for p in model.parameters()])
