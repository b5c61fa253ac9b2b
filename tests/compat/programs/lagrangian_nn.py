"""Lagrangian neural networks (Cranmer et al. 2020) in PyTorch as the ports write them: a scalar
Lagrangian L(q, q_dot) from an MLP with Softplus, the Euler-Lagrange acceleration
q_ddot = (d2L/dq_dot2)^-1 (dL/dq - d2L/(dq dq_dot) q_dot) with torch.autograd.functional.hessian
and jacobian per sample, the same through torch.func (vmap(hessian(...)), jacrev) batched,
torch.linalg.pinv / solve, trained on a pendulum's true accelerations, an analytic Lagrangian
checked against the closed form, and a rollout with RK4."""
import math

import torch
import torch.nn as nn
from torch.autograd.functional import hessian, jacobian
from torch.func import grad, jacrev, vmap

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
g_over_l = 9.81


def pendulum_lagrangian(x):
    q, qd = x[..., 0], x[..., 1]
    return 0.5 * qd ** 2 + g_over_l * torch.cos(q)


def true_accel(x):
    return -g_over_l * torch.sin(x[..., 0:1])


def lnn_accel_single(L, x):
    """x = (q, q_dot) for one sample; returns q_ddot (n = 1)."""
    n = x.shape[0] // 2
    H = hessian(L, x, create_graph=True)                 # 2n x 2n
    J = jacobian(L, x, create_graph=True)                # 2n
    A = H[n:, n:]                                        # d2L / dqd2
    B = H[n:, :n]                                        # d2L / dqd dq
    return torch.linalg.pinv(A) @ (J[:n] - B @ x[n:])


def lnn_accel_batched(L, xs):
    n = xs.shape[1] // 2
    H = vmap(jacrev(grad(L)))(xs)                        # b 2n 2n
    J = vmap(grad(L))(xs)                                # b 2n
    rhs = J[:, :n] - torch.einsum("bij,bj->bi", H[:, n:, :n], xs[:, n:])
    return torch.linalg.solve(H[:, n:, n:], rhs)


x = torch.tensor([0.3, -0.5])
print("analytic L: per-sample", lnn_accel_single(pendulum_lagrangian, x).tolist(),
      "true", true_accel(x).tolist())
xs = torch.randn(5, 2)
print("analytic L batched matches", torch.allclose(lnn_accel_batched(pendulum_lagrangian, xs),
                                                   true_accel(xs)))


class MLPLagrangian(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, hidden), nn.Softplus(), nn.Linear(hidden, hidden),
                                 nn.Softplus(), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


model = MLPLagrangian()
data_x = torch.stack([torch.rand(16) * 2 * math.pi - math.pi, torch.randn(16) * 2], 1)
data_a = true_accel(data_x)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(16):
    pred = lnn_accel_batched(model, data_x)
    loss = (pred - data_a).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 0:
        print(f"step {step} accel mse {loss.item():.6f}")

x = data_x[:3]
per_sample = torch.stack([lnn_accel_single(model, xi) for xi in x])
print("functional hessian == func.vmap", torch.allclose(per_sample, lnn_accel_batched(model, x)))
print("learned accel", per_sample.detach().squeeze(1), "true", true_accel(x).squeeze(1))


def rk4(f, y, dt):
    k1 = f(y)
    k2 = f(y + dt / 2 * k1)
    k3 = f(y + dt / 2 * k2)
    k4 = f(y + dt * k3)
    return y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def field(L):
    return lambda s: torch.cat([s[:, 1:], lnn_accel_batched(L, s)], 1)


state_true = torch.tensor([[1.0, 0.0]])
state_lnn = state_true.clone()
energy = lambda s: 0.5 * s[:, 1] ** 2 - g_over_l * torch.cos(s[:, 0])  # noqa: E731
e0 = energy(state_true).item()
for i in range(4):
    state_true = rk4(lambda s: torch.cat([s[:, 1:], true_accel(s)], 1), state_true, 0.05)
    state_lnn = rk4(field(model), state_lnn, 0.05).detach()
print("true rollout end", state_true.squeeze(0).tolist(), "energy drift", energy(state_true).item() - e0)
print("lnn rollout end", state_lnn.squeeze(0).tolist())
