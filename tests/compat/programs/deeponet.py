"""DeepONet for the antiderivative operator, as operator-learning tutorials write it: input
functions u sampled from random Fourier series at m sensors, targets G(u)(y) = integral of u
from 0 to y by the cumulative trapezoid rule (torch.cumulative_trapezoid), a branch net on the
sensor values and a trunk net on the query points, their dot product plus a bias parameter,
training with Adam and a cosine schedule, and the relative L2 error on held-out functions."""
import math

import torch
import torch.nn as nn

torch.manual_seed(0)
m, n_funcs, n_test = 32, 96, 16
xs = torch.linspace(0, 1, m)


def sample_functions(n):
    k = torch.arange(1, 5, dtype=torch.float32)
    a = torch.randn(n, 4) / k
    b = torch.randn(n, 4) / k
    arg = 2 * math.pi * xs[None, :, None] * k
    return (a[:, None] * torch.sin(arg) + b[:, None] * torch.cos(arg)).sum(-1)


u_train, u_test = sample_functions(n_funcs), sample_functions(n_test)
G_train = torch.cumulative_trapezoid(u_train, xs, dim=1)
G_train = torch.cat([torch.zeros(n_funcs, 1), G_train], dim=1)
G_test = torch.cat([torch.zeros(n_test, 1), torch.cumulative_trapezoid(u_test, xs, dim=1)], 1)
print(u_train.shape, G_train.shape, G_train[0, -3:])


def mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.Tanh()]
    return nn.Sequential(*layers[:-1])


class DeepONet(nn.Module):
    def __init__(self, m, p=24):
        super().__init__()
        self.branch = mlp([m, 40, 40, p])
        self.trunk = mlp([1, 40, 40, p])
        self.b0 = nn.Parameter(torch.zeros(1))

    def forward(self, u, y):
        b = self.branch(u)           # (N, p)
        t = torch.tanh(self.trunk(y))  # (Q, p)
        return torch.einsum("np,qp->nq", b, t) + self.b0


model = DeepONet(m)
print(sum(p.numel() for p in model.parameters()))
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=60)
y = xs[:, None]
for step in range(60):
    idx = torch.randperm(n_funcs)[:32]
    pred = model(u_train[idx], y)
    loss = nn.functional.mse_loss(pred, G_train[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    if step % 10 == 0:
        print(step, f"{loss.item():.6f}", f"{sched.get_last_lr()[0]:.6f}")
with torch.no_grad():
    pred = model(u_test, y)
    rel = torch.linalg.vector_norm(pred - G_test, dim=1) / torch.linalg.vector_norm(G_test, dim=1)
    print("relative L2", f"{rel.mean().item():.5f}", f"{rel.max().item():.5f}")
    y_fine = torch.linspace(0, 1, 7)[:, None]
    print(model(u_test[:2], y_fine))
