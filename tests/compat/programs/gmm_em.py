"""A Gaussian mixture fitted three ways, as in ML course notebooks: EM in log space with
torch.logsumexp responsibilities and closed-form M-step updates (weights, means, full
covariances), the same model as torch.distributions.MixtureSameFamily(Categorical,
MultivariateNormal) whose log_prob matches EM's, gradient-based fitting of MixtureSameFamily
with unconstrained parameters (softmax logits, scale_tril from a lower-triangular matrix with a
softplus diagonal), and sampling from the fitted mixture."""
import math

import torch
import torch.nn.functional as F
from torch.distributions import Categorical, MixtureSameFamily, MultivariateNormal, Normal

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
true_means = torch.tensor([[-3.0, 0.0], [2.0, 2.0], [2.0, -2.0]])
comp = torch.multinomial(torch.tensor([0.5, 0.3, 0.2]), 300, replacement=True)
X = true_means[comp] + torch.randn(300, 2) * torch.tensor([[0.8, 0.5], [0.5, 0.8], [0.6, 0.6]])[comp]
N, D, K = 300, 2, 3

pi = torch.full((K,), 1.0 / K)
mu = X[torch.tensor([0, 100, 200])].clone()
Sigma = torch.eye(D).repeat(K, 1, 1)
prev = -math.inf
for it in range(100):
    log_p = MultivariateNormal(mu, covariance_matrix=Sigma).log_prob(X.unsqueeze(1)) + pi.log()
    ll = torch.logsumexp(log_p, dim=1)
    resp = (log_p - ll.unsqueeze(1)).exp()
    Nk = resp.sum(0)
    pi = Nk / N
    mu = resp.T @ X / Nk.unsqueeze(1)
    diff = X.unsqueeze(1) - mu
    Sigma = torch.einsum("nk,nki,nkj->kij", resp, diff, diff) / Nk.view(K, 1, 1) \
        + 1e-6 * torch.eye(D)
    total = ll.sum().item()
    if it % 10 == 0:
        print(f"em {it} loglik {total:.5f}")
    if total - prev < 1e-8:
        break
    prev = total
order = mu[:, 0].argsort()
print("iterations", it, "weights", pi[order])
print("means", mu[order])
print("covs", Sigma[order].diagonal(dim1=1, dim2=2))

gmm = MixtureSameFamily(Categorical(probs=pi), MultivariateNormal(mu, covariance_matrix=Sigma))
print("mixture log_prob matches", torch.allclose(gmm.log_prob(X).sum(), torch.tensor(total)))
print("batch/event", gmm.batch_shape, gmm.event_shape, gmm.mean, gmm.variance)
s = gmm.sample((5,))
print("sample", s.shape)

logits = torch.zeros(K, requires_grad=True)
loc = X[torch.tensor([0, 100, 200])].clone().requires_grad_(True)
raw_tril = torch.zeros(K, D, D, requires_grad=True)
opt = torch.optim.Adam([logits, loc, raw_tril], lr=0.05)
for step in range(150):
    tril = torch.tril(raw_tril, diagonal=-1) + torch.diag_embed(F.softplus(
        raw_tril.diagonal(dim1=-2, dim2=-1)) + 1e-4)
    model = MixtureSameFamily(Categorical(logits=logits), MultivariateNormal(loc, scale_tril=tril))
    nll = -model.log_prob(X).mean()
    opt.zero_grad()
    nll.backward()
    opt.step()
    if step % 50 == 0:
        print(f"sgd {step} nll {nll.item():.5f}")
print("sgd final nll", nll.item(), "em nll", -total / N)
print("sgd weights", torch.softmax(logits, 0).detach().sort().values)

mix1d = MixtureSameFamily(Categorical(torch.tensor([0.3, 0.7])),
                          Normal(torch.tensor([-1.0, 2.0]), torch.tensor([0.5, 1.0])))
xs = torch.linspace(-3, 5, 5)
print("1d log_prob", mix1d.log_prob(xs))
print("1d cdf", mix1d.cdf(xs))
print("1d mean/var", mix1d.mean, mix1d.variance)
