"""Neural-ODE style training with a hand-written fixed-step RK4 integrator (no torchdiffeq): an
ODE function module dy/dt = f(t, y), integration over torch.linspace time points kept with
torch.stack, fitting a spiral trajectory, adjoint-free backprop through the solver, and a
comparison of Euler/RK4 on a linear system against torch.linalg.matrix_exp."""
import torch
import torch.nn as nn


def rk4(f, y0, ts):
    ys, y = [y0], y0
    for t0, t1 in zip(ts[:-1], ts[1:]):
        h = t1 - t0
        k1 = f(t0, y)
        k2 = f(t0 + h / 2, y + h / 2 * k1)
        k3 = f(t0 + h / 2, y + h / 2 * k2)
        k4 = f(t1, y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        ys.append(y)
    return torch.stack(ys)


def euler(f, y0, ts):
    ys = [y0]
    for t0, t1 in zip(ts[:-1], ts[1:]):
        ys.append(ys[-1] + (t1 - t0) * f(t0, ys[-1]))
    return torch.stack(ys)


A = torch.tensor([[-0.1, 2.0], [-2.0, -0.1]])
ts = torch.linspace(0.0, 2.0, 21)
y0 = torch.tensor([[2.0, 0.0]])
with torch.no_grad():
    true = rk4(lambda t, y: y @ A.T, y0, ts)
    exact = torch.stack([y0 @ torch.linalg.matrix_exp(A * t).T for t in ts])
    eul = euler(lambda t, y: y @ A.T, y0, ts)
print("rk4 err", (true - exact).abs().max().item(), "euler err", (eul - exact).abs().max().item())
print(true.shape, true[-1])


class ODEFunc(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 2))
        for m in self.net.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, mean=0, std=0.1)
                nn.init.constant_(m.bias, val=0)
        self.nfe = 0

    def forward(self, t, y):
        self.nfe += 1
        return self.net(y ** 3)


torch.manual_seed(0)
func = ODEFunc()
opt = torch.optim.RMSprop(func.parameters(), lr=1e-2)
for it in range(25):
    idx = torch.randint(0, 15, (4,))
    batch_y0 = true[idx]  # (4, 1, 2)
    batch_t = ts[:6]
    batch_y = torch.stack([true[idx + i] for i in range(6)])  # (6, 4, 1, 2)
    pred = rk4(func, batch_y0, batch_t)
    loss = torch.mean(torch.abs(pred - batch_y))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 5 == 0:
        with torch.no_grad():
            full = rk4(func, y0, ts)
        print(it, f"{loss.item():.5f}", f"{(full - true).abs().mean().item():.5f}", func.nfe)

y0g = y0.clone().requires_grad_()
end = rk4(func, y0g, ts)[-1].sum()
end.backward()
print("d y(T) / d y0", y0g.grad)
print(torch.linalg.matrix_exp(torch.zeros(2, 2)), torch.linalg.matrix_exp(A).diagonal())
