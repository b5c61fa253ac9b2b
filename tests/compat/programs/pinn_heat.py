"""A physics-informed network as in PINN reference code: u(x, t) by an MLP with Tanh, residual of
the heat equation u_t = k u_xx through torch.autograd.grad(create_graph=True) (first and second
derivatives, grad_outputs=torch.ones_like), boundary and initial losses, LBFGS with a closure
after Adam, and a check of the second derivative against an analytic function."""
import math

import torch
import torch.nn as nn

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


def derivs(u, x):
    return torch.autograd.grad(u, x, grad_outputs=torch.ones_like(u), create_graph=True)[0]


x = torch.linspace(-1, 1, 7, requires_grad=True)
f = torch.sin(2 * x) * x ** 2
d1 = derivs(f, x)
d2 = derivs(d1, x)
exact = (2 - 4 * x ** 2) * torch.sin(2 * x) + 8 * x * torch.cos(2 * x)
print("d2 error", (d2 - exact).abs().max().item(), d2.requires_grad)

net = nn.Sequential(nn.Linear(2, 20), nn.Tanh(), nn.Linear(20, 20), nn.Tanh(), nn.Linear(20, 1))
k = 0.1
xc = torch.rand(64, 1) * 2 - 1
tc = torch.rand(64, 1)
x0 = torch.linspace(-1, 1, 21).unsqueeze(1)
tb = torch.linspace(0, 1, 11).unsqueeze(1)


def loss_fn():
    xr = xc.clone().requires_grad_(True)
    tr = tc.clone().requires_grad_(True)
    u = net(torch.cat([xr, tr], 1))
    u_t = derivs(u, tr)
    u_x = derivs(u, xr)
    u_xx = derivs(u_x, xr)
    res = u_t - k * u_xx
    ic = net(torch.cat([x0, torch.zeros_like(x0)], 1)) - torch.sin(math.pi * x0)
    bc = torch.cat([net(torch.cat([torch.full_like(tb, s), tb], 1)) for s in (-1.0, 1.0)])
    return res.pow(2).mean() + ic.pow(2).mean() + bc.pow(2).mean(), res.pow(2).mean()


opt = torch.optim.Adam(net.parameters(), lr=1e-2)
for it in range(40):
    opt.zero_grad()
    loss, rl = loss_fn()
    loss.backward()
    opt.step()
    if it % 10 == 0:
        print("adam", it, f"{loss.item():.6f}", f"{rl.item():.6f}")

lbfgs = torch.optim.LBFGS(net.parameters(), lr=0.5, max_iter=10, history_size=10,
                          line_search_fn="strong_wolfe")


def closure():
    lbfgs.zero_grad()
    loss, _ = loss_fn()
    loss.backward()
    return loss


for it in range(3):
    print("lbfgs", it, f"{lbfgs.step(closure).item():.6f}")

xs = torch.tensor([[0.0, 0.5], [0.5, 0.5], [-0.5, 1.0]])
exact_u = torch.sin(math.pi * xs[:, :1]) * torch.exp(-k * math.pi ** 2 * xs[:, 1:])
print(net(xs).detach().squeeze(1), exact_u.squeeze(1))
x = xs.clone().requires_grad_()
g, = torch.autograd.grad(net(x).sum(), x, create_graph=True)
h = torch.stack([torch.autograd.grad(g[:, i].sum(), x, retain_graph=True)[0] for i in range(2)], 1)
print(h.shape, h[0])
print(torch.get_default_dtype(), net[0].weight.dtype)
