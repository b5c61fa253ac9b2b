"""A Laplace approximation for Bayesian logistic regression as probabilistic-ML notebooks write
it: MAP weights by LBFGS on the negative log posterior, the Hessian by
torch.autograd.functional.hessian and by the closed form X^T diag(p(1-p)) X + prior precision,
the posterior as MultivariateNormal(precision_matrix=...), its log-determinant by
torch.linalg.slogdet and by the Cholesky factor, the log evidence, posterior predictive by the
probit approximation and by Monte Carlo samples with rsample, and a prior-precision search."""
import math

import torch
from torch.autograd.functional import hessian
from torch.distributions import MultivariateNormal

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
n, d = 80, 3
X = torch.cat([torch.randn(n, d - 1), torch.ones(n, 1)], 1)
w_true = torch.tensor([1.5, -2.0, 0.3])
y = torch.bernoulli(torch.sigmoid(X @ w_true))
print(y.mean().item(), X.shape)


def neg_log_posterior(w, alpha):
    logits = X @ w
    nll = torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="sum")
    return nll + 0.5 * alpha * (w ** 2).sum()


def fit(alpha):
    w = torch.zeros(d, requires_grad=True)
    opt = torch.optim.LBFGS([w], lr=1, max_iter=50, tolerance_grad=1e-10,
                            tolerance_change=1e-12, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = neg_log_posterior(w, alpha)
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach()


alpha = 1.0
w_map = fit(alpha)
H = hessian(lambda w: neg_log_posterior(w, alpha), w_map)
p = torch.sigmoid(X @ w_map)
H_closed = X.T @ torch.diag(p * (1 - p)) @ X + alpha * torch.eye(d)
print(w_map, torch.allclose(H, H_closed), H.diagonal())
post = MultivariateNormal(w_map, precision_matrix=H)
print(post.covariance_matrix.diagonal(), post.scale_tril.diagonal())
sign, logdet = torch.linalg.slogdet(H)
L = torch.linalg.cholesky(H)
print(sign.item(), f"{logdet.item():.6f}", f"{2 * L.diagonal().log().sum().item():.6f}")


def log_evidence(alpha, w, H):
    return (-neg_log_posterior(w, alpha) + 0.5 * d * math.log(alpha)
            - 0.5 * torch.linalg.slogdet(H)[1]).item()


print(f"log evidence {log_evidence(alpha, w_map, H):.6f}")
x_new = torch.tensor([[0.5, 0.5, 1.0], [2.0, -1.0, 1.0], [-3.0, 3.0, 1.0]])
mu = x_new @ w_map
var = ((x_new @ post.covariance_matrix) * x_new).sum(1)
kappa = 1 / torch.sqrt(1 + math.pi * var / 8)
print("probit", torch.sigmoid(kappa * mu), "map", torch.sigmoid(mu))
torch.manual_seed(1)
samples = post.rsample((4000,))
mc = torch.sigmoid(samples @ x_new.T).mean(0)
print("mc", mc, samples.shape, post.log_prob(w_map).item())
for a in (0.01, 0.1, 1.0, 10.0):
    w = fit(a)
    Ha = hessian(lambda w_, a=a: neg_log_posterior(w_, a), w)
    print(a, f"{log_evidence(a, w, Ha):.5f}", w)
