"""Numerical integration with tensors as in scientific-computing notes: torch.trapezoid with x= and
dx= (and along a dim), torch.cumulative_trapezoid for a running integral, Simpson's rule by
slicing, Monte Carlo integration with its standard error, Gauss-Legendre nodes from the
eigenvalues of the Jacobi matrix (torch.linalg.eigh, Golub-Welsch), a normal CDF by cumulative
integration against torch.special.ndtr / torch.erf, differentiating an integral w.r.t. a
parameter by autograd, and torch.diff / torch.gradient as the inverse operations."""
import math

import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
x = torch.linspace(0, math.pi, 101)
y = torch.sin(x)
print("trapezoid", torch.trapezoid(y, x).item(), torch.trapezoid(y, dx=math.pi / 100).item())
Y = torch.stack([torch.sin(x), torch.cos(x) ** 2, x ** 2])
print("rows", torch.trapezoid(Y, x, dim=1))
print("cols", torch.trapezoid(Y.T, x, dim=0))
print("uniform default", torch.trapezoid(torch.tensor([1.0, 2.0, 3.0])).item())
F = torch.cumulative_trapezoid(y, x)
print("cumulative", F.shape, F[[24, 49, 99]], (1 - torch.cos(x[1:]) - F).abs().max().item() < 1e-3)
print("cumtrapz dx", torch.cumulative_trapezoid(torch.arange(5.0), dx=0.5))

h = x[1] - x[0]
simpson = h / 3 * (y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum())
print("simpson", simpson.item(), abs(simpson.item() - 2.0) < 1e-7)

u = torch.rand(100000) * math.pi
vals = torch.sin(u) * math.pi
print("monte carlo", round(vals.mean().item(), 2), "stderr", round((vals.std() / 100000 ** 0.5).item(), 4))

n = 8
k = torch.arange(1, n, dtype=torch.float64)
beta = k / torch.sqrt(4 * k ** 2 - 1)
Jm = torch.diag(beta, 1) + torch.diag(beta, -1)
nodes, vecs = torch.linalg.eigh(Jm)
weights = 2 * vecs[0] ** 2
print("gauss nodes", nodes)
print("gauss weights", weights, weights.sum().item())
print("gauss exp", (weights * torch.exp(nodes)).sum().item(), math.e - 1 / math.e)

t = torch.linspace(-6, 2, 801)
pdf = torch.exp(-t ** 2 / 2) / math.sqrt(2 * math.pi)
cdf = torch.cat([torch.zeros(1), torch.cumulative_trapezoid(pdf, t)])
idx = torch.tensor([200, 400, 600, 800])
print("cdf", cdf[idx])
print("ndtr", torch.special.ndtr(t[idx]), 0.5 * (1 + torch.erf(t[idx] / math.sqrt(2))))

a = torch.tensor(2.0, requires_grad=True)
xs = torch.linspace(0, 1, 201)
integral = torch.trapezoid(torch.exp(-a * xs ** 2), xs)
integral.backward()
print("d/da", integral.item(), a.grad.item(), -torch.trapezoid(xs ** 2 * torch.exp(-2 * xs ** 2), xs).item())

d = torch.diff(F)
print("diff", torch.allclose(d, 0.5 * (y[1:-1] + y[2:]) * h))
g = torch.gradient(y, spacing=(x,))[0]
print("gradient", (g - torch.cos(x)).abs()[1:-1].max().item() < 1e-3, g[[0, 50, 100]])
g2 = torch.gradient(Y, spacing=h.item(), dim=1, edge_order=2)[0]
print("gradient edge2", g2[:, [0, -1]])
