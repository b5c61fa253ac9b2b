"""Reptile (Nichol et al.) as its reference scripts write it: clone the model with
copy.deepcopy for each task, run plain SGD on that task, then move the meta-weights toward the
adapted weights in place under torch.no_grad (p += eps * (p_task - p)), with the outer step
size annealed linearly; evaluation fine-tunes a fresh copy on a new task."""
import copy
import math

import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(),
                      nn.Linear(32, 1))
x_all = torch.linspace(-5, 5, 50).unsqueeze(1)


def task():
    phase = 2 * math.pi * torch.rand(())
    amp = 0.1 + 4.9 * torch.rand(())
    return lambda x: amp * torch.sin(x + phase)


def train_on(net, f, steps, lr=0.02, batch=10):
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    for _ in range(steps):
        idx = torch.randperm(len(x_all))[:batch]
        x = x_all[idx]
        loss = (net(x) - f(x)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


outer_steps, outer_lr0 = 40, 0.5
for it in range(outer_steps):
    f = task()
    weights_before = copy.deepcopy(model.state_dict())
    fast = copy.deepcopy(model)
    train_on(fast, f, steps=5)
    eps = outer_lr0 * (1 - it / outer_steps)
    with torch.no_grad():
        for p, q in zip(model.parameters(), fast.parameters()):
            p += eps * (q - p)
    if it % 10 == 9:
        moved = sum((model.state_dict()[k] - weights_before[k]).norm().item()
                    for k in weights_before)
        print(f"iter {it + 1} eps {eps:.4f} weight change {moved:.5f}")

f = task()
for k in (0, 8, 32):
    net = copy.deepcopy(model)
    if k:
        train_on(net, f, steps=k)
    with torch.no_grad():
        err = (net(x_all) - f(x_all)).pow(2).mean().item()
    print(f"fine-tune {k:2d} steps mse {err:.4f}")
print("meta model untouched", all(p.grad is None for p in model.parameters()))
