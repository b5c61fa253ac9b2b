# compat: rtol=5e-3 (20 strong-Wolfe L-BFGS iterations carry float32 rounding to the 4th digit)
"""A 1-D Poisson PINN trained the way DeepXDE's PyTorch backend trains it.

-u'' = pi^2 sin(pi x) on [-1, 1] with u(+-1) = 0: a tanh network with Glorot-uniform weights,
the residual's second derivative by two nested autograd.grad calls, Adam first and then L-BFGS
with a closure. DeepXDE reads losses with float() and .item(): inside LBFGS.step (a no_grad
function) float() of the closure's loss gives no warning, outside under grad mode it does, once.
"""
import math
import warnings

import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
np.random.seed(0)


class FNN(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.linears = nn.ModuleList()
        for i in range(1, len(sizes)):
            layer = nn.Linear(sizes[i - 1], sizes[i], dtype=torch.float32)
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
            self.linears.append(layer)

    def forward(self, x):
        for layer in self.linears[:-1]:
            x = torch.tanh(layer(x))
        return self.linears[-1](x)


def hessian(y, x):
    dy = torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y), create_graph=True)[0]
    return torch.autograd.grad(dy, x, grad_outputs=torch.ones_like(dy), create_graph=True)[0]


# (random collocation points as DeepXDE samples them: a symmetric grid would make the bias
# gradients 0 up to rounding noise, which Adam magnifies into arbitrary steps)
x_dom = torch.as_tensor(np.random.uniform(-1, 1, (16, 1)), dtype=torch.float32)
x_bc = torch.tensor([[-1.0], [1.0]])
x_test = torch.as_tensor(np.linspace(-1, 1, 50)[:, None], dtype=torch.float32)
net = FNN([1, 20, 20, 1])


def losses():
    # one forward over the collocation and boundary points together, as DeepXDE's PDE data
    x = torch.cat([x_dom, x_bc]).requires_grad_(True)
    y = net(x)
    residual = -hessian(y, x)[:-2] - math.pi ** 2 * torch.sin(math.pi * x[:-2])
    return [torch.mean(residual ** 2), torch.mean(y[-2:] ** 2)]


opt = torch.optim.Adam(net.parameters(), lr=1e-3)
for step in range(301):
    opt.zero_grad()
    parts = losses()
    total = sum(parts)
    total.backward()
    opt.step()
    if step % 100 == 0:
        print(f"adam {step:4d} pde {parts[0].item():.6e} bc {parts[1].item():.6e}")

lbfgs = torch.optim.LBFGS(net.parameters(), lr=1, max_iter=20, max_eval=25,
                          tolerance_grad=1e-8, tolerance_change=0, history_size=100,
                          line_search_fn="strong_wolfe")


def closure():
    lbfgs.zero_grad()
    loss = sum(losses())
    loss.backward()
    return loss


with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    loss = lbfgs.step(closure)
    print(f"lbfgs loss {loss.item():.4e} evals {lbfgs.state[lbfgs._params[0]]['func_evals']}")
    in_step = sum("to a scalar" in str(w.message) for w in seen)
    final = float(sum(losses()))  # under grad mode: PyTorch's warning, once a process
print("scalar-conversion warnings inside LBFGS.step:", in_step)
print("and after it:", sum("to a scalar" in str(w.message) for w in seen) - in_step)
print(f"final loss {final:.4e}")

with torch.no_grad():
    pred = net(x_test)
exact = torch.sin(math.pi * x_test)
print(f"l2 relative error {(torch.norm(pred - exact) / torch.norm(exact)).item():.3e}")
print("u(0.5) =", f"{net(torch.tensor([[0.5]])).item():.4f}")
