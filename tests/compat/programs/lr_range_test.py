"""A learning-rate range test (Smith's LR finder, as in fastai and torch-lr-finder): save the
model and optimizer state with copy.deepcopy of state_dicts, raise the LR exponentially every
batch with a LambdaLR (and ExponentialLR), smooth the loss with an exponential moving average and
bias correction, stop when it diverges, pick the LR of the steepest descent with numpy.gradient,
then restore the states and train with OneCycleLR from the suggestion."""
import copy
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
X = torch.randn(512, 10)
w = torch.randn(10, 3)
y = (X @ w).argmax(1)
loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True,
                    generator=torch.Generator().manual_seed(0))
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
opt = torch.optim.SGD(model.parameters(), lr=1e-5, momentum=0.9)
model_state = copy.deepcopy(model.state_dict())
opt_state = copy.deepcopy(opt.state_dict())

start_lr, end_lr, num_iter = 1e-5, 10.0, 60
gamma = (end_lr / start_lr) ** (1 / num_iter)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda it: gamma ** it)
lrs, losses = [], []
avg, beta, best = 0.0, 0.9, math.inf
it = 0
data = iter(loader)
while it < num_iter:
    try:
        xb, yb = next(data)
    except StopIteration:
        data = iter(loader)
        xb, yb = next(data)
    opt.zero_grad()
    loss = F.cross_entropy(model(xb), yb)
    loss.backward()
    opt.step()
    avg = beta * avg + (1 - beta) * loss.item()
    smooth = avg / (1 - beta ** (it + 1))
    lrs.append(sched.get_last_lr()[0])
    losses.append(smooth)
    sched.step()
    it += 1
    if smooth < best:
        best = smooth
    if smooth > 4 * best or math.isnan(smooth):
        break
print("iterations", it, "last lr", f"{lrs[-1]:.6g}")
for i in range(0, len(lrs), 12):
    print(f"lr {lrs[i]:.6g} loss {losses[i]:.5f}")
g = np.gradient(np.array(losses[5:-3]))
suggest = lrs[5 + int(g.argmin())]
print("suggested lr", f"{suggest:.6g}", "min loss lr", f"{lrs[int(np.argmin(losses))]:.6g}")

model.load_state_dict(model_state)
opt.load_state_dict(opt_state)
print("restored", opt.param_groups[0]["lr"], "initial_lr" in opt.param_groups[0])
opt2 = torch.optim.SGD(model.parameters(), lr=1e-3)
exp = torch.optim.lr_scheduler.ExponentialLR(opt2, gamma=gamma)
for _ in range(3):
    opt2.step()
    exp.step()
print("exponential", [f"{v:.6g}" for v in exp.get_last_lr()])

opt = torch.optim.SGD(model.parameters(), lr=suggest / 10, momentum=0.9)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=suggest / 2, epochs=3,
                                            steps_per_epoch=len(loader))
for epoch in range(3):
    total = 0.0
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        sched.step()
        total += loss.item() * len(xb)
    acc = (model(X).argmax(1) == y).float().mean().item()
    print(f"epoch {epoch} loss {total / len(X):.5f} acc {acc:.4f} lr {sched.get_last_lr()[0]:.6g}")
