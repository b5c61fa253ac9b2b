"""Bayesian optimisation with a Gaussian-process surrogate written from scratch, as BO tutorials
do: a Matern-5/2 kernel on torch.cdist distances, hyper-parameters (log lengthscale, log
outputscale, log noise) fitted by maximising the marginal likelihood with Adam, the posterior
through torch.linalg.cholesky and torch.cholesky_solve / torch.linalg.solve_triangular,
expected improvement and UCB with torch.distributions.Normal cdf/log_prob, acquisition maximised
on a grid plus gradient ascent from the best grid point (clamped to the box), and the incumbent
tracked over iterations; float64 throughout (torch.set_default_dtype)."""
import math

import torch
from torch.distributions import Normal

torch.set_default_dtype(torch.float64)
torch.manual_seed(0)


def objective(x):
    return -(torch.sin(3 * x) + 0.3 * x ** 2 - 0.7 * x).sum(-1)


def matern52(x1, x2, lengthscale, outputscale):
    d = torch.cdist(x1 / lengthscale, x2 / lengthscale).clamp_min(1e-12)
    s5 = math.sqrt(5) * d
    return outputscale * (1 + s5 + 5.0 / 3.0 * d ** 2) * torch.exp(-s5)


class GP:
    def __init__(self):
        self.raw = torch.tensor([math.log(0.5), 0.0, math.log(1e-2)], requires_grad=True)

    def params(self):
        ls, os_, noise = self.raw.exp()
        return ls, os_, noise + 1e-6

    def fit(self, X, y, steps=60):
        self.X, self.y_mean, self.y_std = X, y.mean(), y.std()
        self.y = (y - self.y_mean) / self.y_std
        opt = torch.optim.Adam([self.raw], lr=0.05)
        for _ in range(steps):
            opt.zero_grad()
            nll = -self.mll()
            nll.backward()
            opt.step()
        return -nll.item()

    def mll(self):
        ls, os_, noise = self.params()
        K = matern52(self.X, self.X, ls, os_) + noise * torch.eye(len(self.X))
        L = torch.linalg.cholesky(K)
        alpha = torch.cholesky_solve(self.y.unsqueeze(1), L)
        n = len(self.X)
        return (-0.5 * (self.y.unsqueeze(1) * alpha).sum() - torch.log(torch.diagonal(L)).sum()
                - 0.5 * n * math.log(2 * math.pi)) / n

    def posterior(self, Xs):
        ls, os_, noise = self.params()
        K = matern52(self.X, self.X, ls, os_) + noise * torch.eye(len(self.X))
        L = torch.linalg.cholesky(K)
        Ks = matern52(self.X, Xs, ls, os_)
        alpha = torch.cholesky_solve(self.y.unsqueeze(1), L)
        mu = (Ks.T @ alpha).squeeze(1)
        v = torch.linalg.solve_triangular(L, Ks, upper=False)
        var = (os_ - (v ** 2).sum(0)).clamp_min(1e-12)
        return mu * self.y_std + self.y_mean, var.sqrt() * self.y_std


def expected_improvement(mu, sigma, best, xi=0.01):
    z = (mu - best - xi) / sigma
    n = Normal(torch.zeros_like(z), torch.ones_like(z))
    return (mu - best - xi) * n.cdf(z) + sigma * n.log_prob(z).exp()


def ucb(mu, sigma, beta=2.0):
    return mu + math.sqrt(beta) * sigma


lo, hi = -2.0, 2.0
X = torch.rand(4, 1) * (hi - lo) + lo
y = objective(X)
grid = torch.linspace(lo, hi, 201).unsqueeze(1)
print("initial best", y.max().item())
for it in range(6):
    gp = GP()
    mll = gp.fit(X, y)
    with torch.no_grad():
        mu, sigma = gp.posterior(grid)
        ei = expected_improvement(mu, sigma, y.max())
    x0 = grid[ei.argmax()].clone().requires_grad_(True)
    opt = torch.optim.Adam([x0], lr=0.02)
    for _ in range(15):
        m, s = gp.posterior(x0.unsqueeze(0))
        loss = -expected_improvement(m, s, y.max()).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            x0.clamp_(lo, hi)
    x_next = x0.detach().unsqueeze(0)
    y_next = objective(x_next)
    X, y = torch.cat([X, x_next]), torch.cat([y, y_next])
    ls, os_, noise = gp.params()
    print(f"iter {it} mll {mll:.4f} ls {ls.item():.4f} noise {noise.item():.2e} "
          f"x_next {x_next.item():.4f} y {y_next.item():.4f} best {y.max().item():.4f} "
          f"max EI {ei.max().item():.3e}")

with torch.no_grad():
    mu, sigma = gp.posterior(grid)
print("argmax of posterior mean", grid[mu.argmax()].item(), "ucb argmax", grid[ucb(mu, sigma).argmax()].item())
print("true optimum on grid", grid[objective(grid).argmax()].item(), objective(grid).max().item())
print("posterior std at data", gp.posterior(X[:3])[1].detach())
