"""A physics-informed network for the viscous Burgers equation u_t + u u_x = (0.01/pi) u_xx, as
the PINN reference code (Raissi et al.) writes it in PyTorch: collocation points from torch.rand,
initial condition -sin(pi x) and zero boundaries, u(x, t) by an MLP with Tanh and Xavier init, the
residual from torch.autograd.grad with create_graph=True for u_t, u_x and u_xx, a weighted sum of
MSE terms, Adam then LBFGS (strong-Wolfe line search) with a closure, and the residual checked
at random points; gradients of the loss with respect to the inputs by a second backward; in
float64 (torch.set_default_dtype), as PINN ports often train."""
import math

import torch
import torch.nn as nn

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)  # PINN ports train in double for LBFGS
nu = 0.01 / math.pi


class PINN(nn.Module):
    def __init__(self, layers=(2, 20, 20, 20, 1)):
        super().__init__()
        mods = []
        for a, b in zip(layers[:-1], layers[1:]):
            lin = nn.Linear(a, b)
            nn.init.xavier_normal_(lin.weight)
            nn.init.zeros_(lin.bias)
            mods += [lin, nn.Tanh()]
        self.net = nn.Sequential(*mods[:-1])

    def forward(self, x, t):
        return self.net(torch.cat([x, t], dim=1))


def residual(model, x, t):
    x.requires_grad_(True)
    t.requires_grad_(True)
    u = model(x, t)
    u_t = torch.autograd.grad(u, t, grad_outputs=torch.ones_like(u), create_graph=True)[0]
    u_x = torch.autograd.grad(u, x, grad_outputs=torch.ones_like(u), create_graph=True)[0]
    u_xx = torch.autograd.grad(u_x, x, grad_outputs=torch.ones_like(u_x), create_graph=True)[0]
    return u_t + u * u_x - nu * u_xx


N_f, N_u = 300, 60
x_f = torch.rand(N_f, 1) * 2 - 1
t_f = torch.rand(N_f, 1)
x_ic = torch.rand(N_u, 1) * 2 - 1
t_ic = torch.zeros(N_u, 1)
u_ic = -torch.sin(math.pi * x_ic)
t_bc = torch.rand(N_u, 1)
x_bc = torch.where(torch.rand(N_u, 1) < 0.5, -torch.ones(N_u, 1), torch.ones(N_u, 1))
u_bc = torch.zeros(N_u, 1)

model = PINN()


def loss_fn():
    f = residual(model, x_f.clone(), t_f.clone())
    loss_f = torch.mean(f ** 2)
    loss_u = torch.mean((model(x_ic, t_ic) - u_ic) ** 2) + torch.mean((model(x_bc, t_bc) - u_bc) ** 2)
    return loss_u + loss_f, loss_u, loss_f


adam = torch.optim.Adam(model.parameters(), lr=5e-3)
for it in range(60):
    adam.zero_grad()
    loss, lu, lf = loss_fn()
    loss.backward()
    adam.step()
    if it % 20 == 0:
        print(f"adam {it:3d} loss {loss.item():.5f} data {lu.item():.5f} pde {lf.item():.5f}")

lbfgs = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=30, history_size=20,
                          tolerance_grad=1e-7, tolerance_change=1e-9, line_search_fn="strong_wolfe")
calls = []


def closure():
    lbfgs.zero_grad()
    loss, _, _ = loss_fn()
    loss.backward()
    calls.append(loss.item())
    return loss


lbfgs.step(closure)
loss, lu, lf = loss_fn()
print(f"lbfgs closures {len(calls)} first {calls[0]:.5f} loss {loss.item():.5f} data {lu.item():.5f} "
      f"pde {lf.item():.5f}")
state = lbfgs.state[lbfgs._params[0]]
print("lbfgs iterations", state["n_iter"], "func evals", state["func_evals"])

x_test = torch.linspace(-1, 1, 5).unsqueeze(1)
with torch.no_grad():
    for tt in (0.0, 0.25, 0.5):
        u = model(x_test, torch.full_like(x_test, tt)).squeeze(1)
        print(f"u(x, t={tt}) = {[round(v, 6) for v in u.tolist()]}")
print("initial condition", (-torch.sin(math.pi * x_test)).squeeze(1))

# the mean squared residual's gradient with respect to the collocation inputs (adaptive sampling)
xs = torch.rand(8, 1) * 2 - 1
ts = torch.rand(8, 1)
xs.requires_grad_(True)
r = residual(model, xs, ts)
gx, = torch.autograd.grad(r.pow(2).sum(), xs)
print("residual", r.squeeze(1))
print("d residual^2 / dx", gx.squeeze(1))
