"""Gaussian-process regression as in GP tutorials: an RBF kernel from torch.cdist, Cholesky
factorisation with jitter (torch.linalg.cholesky), alpha by torch.cholesky_solve, predictive mean
and variance via torch.linalg.solve_triangular, the log marginal likelihood with the log-diagonal
of L, hyper-parameters learned through softplus with Adam, and kernel ridge regression with
torch.linalg.solve / lstsq for comparison."""
import math

import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
X = torch.rand(30, 1) * 6
y = torch.sin(X).squeeze(1) + 0.1 * torch.randn(30)
Xs = torch.linspace(0, 6, 7).unsqueeze(1)


def rbf(a, b, ls, var):
    d = torch.cdist(a / ls, b / ls)
    return var * torch.exp(-0.5 * d ** 2)


raw = torch.zeros(3, requires_grad=True)  # lengthscale, variance, noise
opt = torch.optim.Adam([raw], lr=0.05)
for it in range(60):
    ls, var, noise = F.softplus(raw) + 1e-4
    K = rbf(X, X, ls, var) + (noise + 1e-6) * torch.eye(30)
    L = torch.linalg.cholesky(K)
    alpha = torch.cholesky_solve(y.unsqueeze(1), L)
    nlml = 0.5 * y @ alpha.squeeze(1) + L.diagonal().log().sum() + 15 * math.log(2 * math.pi)
    opt.zero_grad()
    nlml.backward()
    opt.step()
    if it % 15 == 0:
        print(it, f"{nlml.item():.5f}", (F.softplus(raw) + 1e-4).tolist())

with torch.no_grad():
    ls, var, noise = F.softplus(raw) + 1e-4
    K = rbf(X, X, ls, var) + (noise + 1e-6) * torch.eye(30)
    L = torch.linalg.cholesky(K)
    Ks = rbf(X, Xs, ls, var)
    alpha = torch.cholesky_solve(y.unsqueeze(1), L)
    mean = (Ks.T @ alpha).squeeze(1)
    v = torch.linalg.solve_triangular(L, Ks, upper=False)
    varp = var - (v ** 2).sum(0)
    print("mean", mean)
    print("std", varp.clamp_min(0).sqrt())
    print("sin", torch.sin(Xs).squeeze(1))
    print("logdet", torch.logdet(K).item(), 2 * L.diagonal().log().sum().item(),
          torch.linalg.slogdet(K))
    L2, info = torch.linalg.cholesky_ex(K)
    print(info, torch.allclose(L, L2), torch.cholesky_inverse(L).mul(K).sum().item())

    lam = 0.1
    Kr = rbf(X, X, torch.tensor(1.0), torch.tensor(1.0))
    w = torch.linalg.solve(Kr + lam * torch.eye(30), y)
    print("krr", (rbf(Xs, X, torch.tensor(1.0), torch.tensor(1.0)) @ w))
    Phi = torch.cat([torch.ones_like(X), X, X ** 2, X ** 3], 1)
    sol = torch.linalg.lstsq(Phi, y.unsqueeze(1))
    print("poly", sol.solution.squeeze(1), torch.cdist(Xs[:3], Xs[:3], p=1))
    print(torch.cdist(torch.randn(2, 4, 3), torch.randn(2, 5, 3)).shape)
