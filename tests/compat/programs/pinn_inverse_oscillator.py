"""A physics-informed network for the damped harmonic oscillator (the well-known blog post),
forward and inverse: u(t) from a network, du/dt and d2u/dt2 by torch.autograd.grad with
create_graph=True and torch.ones_like grad_outputs, boundary losses at t=0, the physics residual
m u'' + mu u' + k u on collocation points, then the inverse problem learning mu as an
nn.Parameter from noisy observations of the exact solution, with two param groups."""
import math

import torch
import torch.nn as nn


def exact_solution(d, w0, t):
    assert d < w0
    w = math.sqrt(w0 ** 2 - d ** 2)
    phi = math.atan(-d / w)
    A = 1 / (2 * math.cos(phi))
    cos = torch.cos(phi + w * t)
    exp = torch.exp(-d * t)
    return exp * 2 * A * cos


class FCN(nn.Module):
    def __init__(self, N_INPUT, N_OUTPUT, N_HIDDEN, N_LAYERS):
        super().__init__()
        activation = nn.Tanh
        self.fcs = nn.Sequential(nn.Linear(N_INPUT, N_HIDDEN), activation())
        self.fch = nn.Sequential(*[nn.Sequential(nn.Linear(N_HIDDEN, N_HIDDEN), activation())
                                   for _ in range(N_LAYERS - 1)])
        self.fce = nn.Linear(N_HIDDEN, N_OUTPUT)

    def forward(self, x):
        x = self.fcs(x)
        x = self.fch(x)
        return self.fce(x)


torch.manual_seed(123)
pinn = FCN(1, 1, 16, 3)
t_boundary = torch.tensor(0.).view(-1, 1).requires_grad_(True)
t_physics = torch.linspace(0, 1, 30).view(-1, 1).requires_grad_(True)
d, w0 = 2, 20
mu, k = 2 * d, w0 ** 2
t_test = torch.linspace(0, 1, 50).view(-1, 1)
u_exact = exact_solution(d, w0, t_test)
optimiser = torch.optim.Adam(pinn.parameters(), lr=1e-3)
for i in range(40):
    optimiser.zero_grad()
    lambda1, lambda2 = 1e-1, 1e-4
    u = pinn(t_boundary)
    loss1 = (torch.squeeze(u) - 1) ** 2
    dudt = torch.autograd.grad(u, t_boundary, torch.ones_like(u), create_graph=True)[0]
    loss2 = (torch.squeeze(dudt) - 0) ** 2
    u = pinn(t_physics)
    dudt = torch.autograd.grad(u, t_physics, torch.ones_like(u), create_graph=True)[0]
    d2udt2 = torch.autograd.grad(dudt, t_physics, torch.ones_like(dudt), create_graph=True)[0]
    loss3 = torch.mean((d2udt2 + mu * dudt + k * u) ** 2)
    loss = loss1 + lambda1 * loss2 + lambda2 * loss3
    loss.backward()
    optimiser.step()
    if i % 10 == 0:
        with torch.no_grad():
            err = (pinn(t_test) - u_exact).abs().mean()
        print(i, f"{loss1.item():.6f} {loss2.item():.6f} {loss3.item():.4f} {err.item():.6f}")

torch.manual_seed(123)
t_obs = torch.rand(40).view(-1, 1)
u_obs = exact_solution(d, w0, t_obs) + 0.04 * torch.randn_like(t_obs)
pinn = FCN(1, 1, 16, 3)
mu = torch.nn.Parameter(torch.zeros(1, requires_grad=True))
mus = []
optimiser = torch.optim.Adam([{"params": pinn.parameters()}, {"params": [mu], "lr": 1e-2}],
                             lr=1e-3)
for i in range(40):
    optimiser.zero_grad()
    lambda1 = 1e4
    u = pinn(t_physics)
    dudt = torch.autograd.grad(u, t_physics, torch.ones_like(u), create_graph=True)[0]
    d2udt2 = torch.autograd.grad(dudt, t_physics, torch.ones_like(dudt), create_graph=True)[0]
    loss1 = torch.mean((d2udt2 + mu * dudt + k * u) ** 2)
    u = pinn(t_obs)
    loss2 = torch.mean((u - u_obs) ** 2)
    loss = loss1 + lambda1 * loss2
    loss.backward()
    optimiser.step()
    mus.append(mu.item())
    if i % 10 == 0:
        print(i, f"{loss1.item():.4f} {loss2.item():.6f} mu={mu.item():.6f}", mu.grad)
print(len(mus), f"{max(mus):.6f}", [pg["lr"] for pg in optimiser.param_groups])
