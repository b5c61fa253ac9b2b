"""Gaussian-process hyper-parameter fitting the way GPyTorch-free tutorials write it: an ARD
RBF plus periodic kernel with positive parameters through softplus (inverse-softplus initial
values), the exact marginal log likelihood from torch.linalg.cholesky / cholesky_solve and the
log-determinant from the diagonal, optimised with LBFGS(line_search_fn='strong_wolfe') and a
closure; then gradients checked against torch.autograd.gradcheck in float64, predictions with
variances, and torch.logdet / slogdet cross-checks."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)

n = 40
X = torch.rand(n, 2) * 4
y = torch.sin(2 * X[:, 0]) + 0.2 * X[:, 1] + 0.1 * torch.randn(n)


def inv_softplus(v):
    return math.log(math.expm1(v))


class GPModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.raw_lengthscale = nn.Parameter(torch.full((2,), inv_softplus(1.0)))
        self.raw_outputscale = nn.Parameter(torch.tensor(inv_softplus(1.0)))
        self.raw_period = nn.Parameter(torch.tensor(inv_softplus(3.0)))
        self.raw_per_scale = nn.Parameter(torch.tensor(inv_softplus(0.3)))
        self.raw_noise = nn.Parameter(torch.tensor(inv_softplus(0.1)))
        self.mean_const = nn.Parameter(torch.zeros(()))

    def kernel(self, a, b):
        ls = F.softplus(self.raw_lengthscale)
        d2 = ((a[:, None, :] - b[None, :, :]) / ls).pow(2).sum(-1)
        rbf = F.softplus(self.raw_outputscale) * torch.exp(-0.5 * d2)
        dist = (a[:, None, 0] - b[None, :, 0]).abs()
        per = F.softplus(self.raw_per_scale) * torch.exp(
            -2 * torch.sin(math.pi * dist / F.softplus(self.raw_period)).pow(2))
        return rbf + per

    def mll(self, X, y):
        K = self.kernel(X, X) + (F.softplus(self.raw_noise) + 1e-6) * torch.eye(len(X))
        L = torch.linalg.cholesky(K)
        r = (y - self.mean_const).unsqueeze(-1)
        alpha = torch.cholesky_solve(r, L)
        data_fit = -0.5 * (r * alpha).sum()
        complexity = -torch.log(torch.diagonal(L)).sum()
        return (data_fit + complexity - 0.5 * len(X) * math.log(2 * math.pi)) / len(X)

    def predict(self, X, y, Xs):
        K = self.kernel(X, X) + (F.softplus(self.raw_noise) + 1e-6) * torch.eye(len(X))
        L = torch.linalg.cholesky(K)
        Ks = self.kernel(X, Xs)
        alpha = torch.cholesky_solve((y - self.mean_const).unsqueeze(-1), L)
        mean = (Ks.T @ alpha).squeeze(-1) + self.mean_const
        v = torch.cholesky_solve(Ks, L)
        var = self.kernel(Xs, Xs).diagonal() - (Ks * v).sum(0)
        return mean, var


gp = GPModel()
print("initial mll", gp.mll(X, y).item())
optimizer = torch.optim.LBFGS(gp.parameters(), lr=1, max_iter=40, line_search_fn="strong_wolfe")
history = []


def closure():
    optimizer.zero_grad()
    loss = -gp.mll(X, y)
    loss.backward()
    history.append(loss.item())
    return loss


for outer in range(2):
    loss = optimizer.step(closure)
    print(f"lbfgs step {outer} loss {loss.item():.6f} evaluations so far {len(history)}")
print("final -mll", -gp.mll(X, y).item())
print("lengthscales", F.softplus(gp.raw_lengthscale).detach())
print("outputscale", F.softplus(gp.raw_outputscale).item(), "noise", F.softplus(gp.raw_noise).item())
print("period", F.softplus(gp.raw_period).item(), "mean", gp.mean_const.item())

with torch.no_grad():
    Xs = torch.tensor([[0.5, 1.0], [2.0, 2.0], [3.5, 0.5], [6.0, 2.0]])
    mean, var = gp.predict(X, y, Xs)
print("predictive mean", mean)
print("predictive std", var.clamp_min(0).sqrt())
print("truth", torch.sin(2 * Xs[:, 0]) + 0.2 * Xs[:, 1])

with torch.no_grad():
    K = gp.kernel(X, X) + F.softplus(gp.raw_noise) * torch.eye(n)
    L = torch.linalg.cholesky(K)
    print("logdet", torch.logdet(K).item(), "2 sum log diag L", 2 * torch.log(L.diagonal()).sum().item(),
          "slogdet", [round(v.item(), 8) for v in torch.linalg.slogdet(K)])


def mll_of(raw_ls):
    ls = F.softplus(raw_ls)
    d2 = ((X[:8, None] - X[None, :8]) / ls).pow(2).sum(-1)
    K = torch.exp(-0.5 * d2) + 0.1 * torch.eye(8)
    L = torch.linalg.cholesky(K)
    a = torch.cholesky_solve(y[:8, None], L)
    return (y[:8, None] * a).sum() + 2 * torch.log(L.diagonal()).sum()


print("gradcheck", torch.autograd.gradcheck(mll_of, (torch.tensor([0.3, -0.2], requires_grad=True),)))
