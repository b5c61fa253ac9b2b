"""Differentiable physics: a chain of masses joined by springs, integrated with semi-implicit
Euler in a Python loop; the spring stiffnesses and damping are recovered by backpropagating a
trajectory-matching loss through every time step (backprop through time), and a control force
sequence is optimised so the last mass reaches a target position."""
import torch

torch.manual_seed(0)
n_masses, steps, dt = 4, 60, 0.05
rest = 1.0


def simulate(k, damping, force=None, x0=None):
    x = torch.arange(n_masses, dtype=torch.float32) * rest if x0 is None else x0
    v = torch.zeros(n_masses)
    traj = []
    for t in range(steps):
        stretch = x[1:] - x[:-1] - rest
        f_spring = k * stretch
        f = torch.zeros(n_masses)
        f = f + torch.cat([f_spring, torch.zeros(1)]) - torch.cat([torch.zeros(1), f_spring])
        f = f - damping * v
        if force is not None:
            f = f + torch.nn.functional.pad(force[t:t + 1], (n_masses - 1, 0))
        f = f * torch.tensor([0.0] + [1.0] * (n_masses - 1))  # first mass is pinned
        v = v + dt * f
        x = x + dt * v
        traj.append(x)
    return torch.stack(traj)


true_k = torch.tensor([8.0, 5.0, 3.0])
x_start = torch.tensor([0.0, 1.3, 1.9, 3.4])
target = simulate(true_k, 0.3, x0=x_start)
print("trajectory", tuple(target.shape), "final", [round(v, 4) for v in target[-1].tolist()])

log_k = torch.zeros(3, requires_grad=True)
raw_damp = torch.tensor(0.0, requires_grad=True)
opt = torch.optim.Adam([log_k, raw_damp], lr=0.1)
for it in range(80):
    traj = simulate(log_k.exp(), torch.nn.functional.softplus(raw_damp), x0=x_start)
    loss = (traj - target).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 20 == 19:
        print(f"fit iter {it + 1} loss {loss.item():.6e} k {[round(v, 3) for v in log_k.exp().tolist()]}")

force = torch.zeros(steps, requires_grad=True)
opt = torch.optim.Adam([force], lr=0.5)
goal = 4.5
for it in range(40):
    traj = simulate(true_k, 0.3, force=force)
    loss = (traj[-1, -1] - goal) ** 2 + 1e-3 * force.pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"control final position {traj[-1, -1].item():.4f} loss {loss.item():.6f} "
      f"effort {force.detach().abs().mean().item():.4f}")
