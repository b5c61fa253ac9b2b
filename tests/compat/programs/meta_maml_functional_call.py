"""MAML on sine-wave regression written with torch.func.functional_call, as modern MAML
tutorials do: the inner loop builds a dict of adapted parameters with torch.autograd.grad(...,
create_graph=True) (second order) or without (first-order MAML), the outer loss backpropagates
through the adaptation into the meta-parameters, and the adapted model is evaluated on held-out
points of new tasks."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

torch.manual_seed(0)


def sample_task(n_tasks):
    amp = 0.5 + 4.5 * torch.rand(n_tasks, 1, 1)
    phase = math.pi * torch.rand(n_tasks, 1, 1)
    x = 10 * torch.rand(n_tasks, 20, 1) - 5
    return x, amp * torch.sin(x + phase)


model = nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                      nn.Linear(32, 1))
meta_opt = torch.optim.Adam(model.parameters(), lr=1e-3)
inner_lr, inner_steps = 0.01, 2


def adapt(params, x, y, first_order=False):
    for _ in range(inner_steps):
        loss = F.mse_loss(functional_call(model, params, (x,)), y)
        grads = torch.autograd.grad(loss, list(params.values()), create_graph=not first_order)
        params = {name: p - inner_lr * g for (name, p), g in zip(params.items(), grads)}
    return params


def meta_step(first_order):
    xs, ys = sample_task(4)
    params = dict(model.named_parameters())
    meta_loss = 0.0
    for x, y in zip(xs, ys):
        adapted = adapt(params, x[:10], y[:10], first_order)
        meta_loss = meta_loss + F.mse_loss(functional_call(model, adapted, (x[10:],)), y[10:])
    meta_loss = meta_loss / len(xs)
    meta_opt.zero_grad()
    meta_loss.backward()
    meta_opt.step()
    return meta_loss.item()


for it in range(30):
    loss = meta_step(first_order=it >= 20)
    if it % 10 == 9:
        print(f"meta iter {it + 1} loss {loss:.4f}")

xs, ys = sample_task(3)
params = dict(model.named_parameters())
for x, y in zip(xs, ys):
    before = F.mse_loss(functional_call(model, params, (x[10:],)), y[10:]).item()
    adapted = adapt(params, x[:10], y[:10], first_order=True)
    after = F.mse_loss(functional_call(model, adapted, (x[10:],)), y[10:]).item()
    print(f"task before {before:.4f} after {after:.4f}")
print("meta-params untouched by adaptation", all(p.grad_fn is None for p in params.values()))
print("adapted has grad_fn", type(next(iter(adapted.values())).grad_fn).__name__)
