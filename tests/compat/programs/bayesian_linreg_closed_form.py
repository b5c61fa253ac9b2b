"""Bayesian linear regression in closed form (Bishop, PRML ch. 3): polynomial features, the
posterior N(m_N, S_N) with S_N = (alpha I + beta Phi^T Phi)^-1 through torch.linalg.inv,
torch.linalg.solve, cholesky + cholesky_solve and cholesky_inverse, the predictive variance,
the log evidence with torch.logdet / slogdet, evidence maximisation by the fixed-point updates
for alpha and beta using torch.linalg.eigvalsh, and posterior sampling with
MultivariateNormal(scale_tril=...)."""
import math

import torch
from torch.distributions import MultivariateNormal

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
N, M = 25, 6
x = torch.rand(N) * 2 - 1
t = torch.sin(math.pi * x) + 0.2 * torch.randn(N)
Phi = torch.stack([x ** k for k in range(M)], dim=1)
alpha, beta = 2.0, 25.0

A = alpha * torch.eye(M) + beta * Phi.T @ Phi
S_inv = torch.linalg.inv(A)
m_inv = beta * S_inv @ Phi.T @ t
m_solve = torch.linalg.solve(A, beta * Phi.T @ t)
L = torch.linalg.cholesky(A)
m_chol = torch.cholesky_solve((beta * Phi.T @ t).unsqueeze(1), L).squeeze(1)
print("m_N", m_solve)
print("agree", torch.allclose(m_inv, m_solve), torch.allclose(m_chol, m_solve),
      torch.allclose(torch.cholesky_inverse(L), S_inv))

xs = torch.linspace(-1, 1, 5)
Phis = torch.stack([xs ** k for k in range(M)], dim=1)
mean = Phis @ m_solve
var = 1 / beta + (Phis @ S_inv * Phis).sum(1)
print("pred mean", mean)
print("pred std", var.sqrt())


def log_evidence(alpha, beta):
    A = alpha * torch.eye(M) + beta * Phi.T @ Phi
    m = beta * torch.linalg.solve(A, Phi.T @ t)
    E = beta / 2 * ((t - Phi @ m) ** 2).sum() + alpha / 2 * m @ m
    return (M / 2 * math.log(alpha) + N / 2 * math.log(beta) - E - 0.5 * torch.logdet(A)
            - N / 2 * math.log(2 * math.pi))


print("evidence", log_evidence(alpha, beta).item())
sign, logabs = torch.linalg.slogdet(A)
print("slogdet", sign.item(), logabs.item(), 2 * L.diagonal().log().sum().item())

lam0 = torch.linalg.eigvalsh(Phi.T @ Phi)
for it in range(20):
    lam = beta * lam0
    A = alpha * torch.eye(M) + beta * Phi.T @ Phi
    m = beta * torch.linalg.solve(A, Phi.T @ t)
    gamma = (lam / (alpha + lam)).sum()
    alpha = (gamma / (m @ m)).item()
    beta = ((N - gamma) / ((t - Phi @ m) ** 2).sum()).item()
    if it % 5 == 4:
        print(f"iter {it} alpha {alpha:.4f} beta {beta:.4f} gamma {gamma.item():.4f} "
              f"evidence {log_evidence(alpha, beta).item():.4f}")

A = alpha * torch.eye(M) + beta * Phi.T @ Phi
S = torch.linalg.inv(A)
S = (S + S.T) / 2
m = beta * S @ Phi.T @ t
post = MultivariateNormal(m, scale_tril=torch.linalg.cholesky(S))
w = post.sample((2000,))
print("sample mean close", torch.allclose(w.mean(0), m, atol=0.2))
print("log_prob", post.log_prob(m).item(), post.entropy().item())
print("cov", torch.allclose(post.covariance_matrix, S))
print("cond", torch.linalg.cond(Phi.T @ Phi).item() > 1, torch.linalg.matrix_rank(Phi).item())
