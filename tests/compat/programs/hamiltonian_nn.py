"""A Hamiltonian neural network (Greydanus et al.) on a damped and an ideal pendulum: the network
outputs a scalar H(q, p), its gradient w.r.t. the inputs by torch.autograd.grad(create_graph=True)
gives the symplectic dynamics (dq/dt = dH/dp, dp/dt = -dH/dq), trained against true
derivatives; integration with leapfrog and torch.func.jacrev; a baseline MLP that predicts the
derivatives directly; energy drift of both, and the damped pendulum's decaying energy with RK4."""
import torch
import torch.nn as nn
from torch.func import jacrev, vmap

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


def true_dynamics(x, damping=0.0):
    q, p = x[..., 0], x[..., 1]
    return torch.stack([p, -torch.sin(q) - damping * p], dim=-1)


def energy(x):
    return 0.5 * x[..., 1] ** 2 + (1 - torch.cos(x[..., 0]))


X = (torch.rand(256, 2) * 2 - 1) * torch.tensor([2.0, 1.5])
dX = true_dynamics(X)


class HNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(),
                                 nn.Linear(64, 1))

    def forward(self, x):
        if not x.requires_grad:
            x = x.requires_grad_(True)
        H = self.net(x).sum()
        dH = torch.autograd.grad(H, x, create_graph=True)[0]
        return torch.stack([dH[..., 1], -dH[..., 0]], dim=-1)


hnn = HNN()
base = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 2))
for name, model in (("hnn", hnn), ("baseline", base)):
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for step in range(150):
        loss = ((model(X.clone()) - dX) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"{name} loss {loss.item():.6f}")


def rk4(f, x, dt, steps):
    out = [x]
    for _ in range(steps):
        k1 = f(x)
        k2 = f(x + dt / 2 * k1)
        k3 = f(x + dt / 2 * k2)
        k4 = f(x + dt * k3)
        x = x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        out.append(x)
    return torch.stack(out)


x0 = torch.tensor([[1.0, 0.0]])
true_traj = rk4(true_dynamics, x0, 0.1, 100)
hnn_traj = rk4(lambda x: hnn(x.detach()).detach(), x0, 0.1, 100)
with torch.no_grad():
    base_traj = rk4(base, x0, 0.1, 100)
print("true energy drift", (energy(true_traj[-1]) - energy(x0)).item())
print("hnn energy", energy(hnn_traj[[0, 50, 100]]).squeeze(1))
print("baseline energy", energy(base_traj[[0, 50, 100]]).squeeze(1))
print("hnn pos error", (hnn_traj - true_traj).norm(dim=-1).max().item())
damped = rk4(lambda x: true_dynamics(x, 0.2), x0, 0.1, 100)
print("damped energy", energy(damped[[0, 25, 50, 100]]).squeeze(1))


def leapfrog(x, dt, steps):
    q, p = x[0], x[1]
    for _ in range(steps):
        p = p - dt / 2 * torch.sin(q)
        q = q + dt * p
        p = p - dt / 2 * torch.sin(q)
    return torch.stack([q, p])


xl = leapfrog(x0[0], 0.1, 100)
print("leapfrog", xl, (energy(xl) - energy(x0[0])).item())


def hamiltonian(x):
    return hnn.net(x).squeeze(-1)


J = vmap(jacrev(hamiltonian))(X[:4])
print("jacrev", J.shape, torch.allclose(torch.stack([J[:, 1], -J[:, 0]], -1),
                                        hnn(X[:4].clone()).detach()))
Hs = vmap(jacrev(jacrev(hamiltonian)))(X[:2])
print("hessian of H", Hs.shape, torch.allclose(Hs, Hs.transpose(1, 2)))
