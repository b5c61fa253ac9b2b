"""Stochastic variational inference by hand for Bayesian logistic regression: a mean-field
Gaussian guide with learnable loc and log-scale, a Monte Carlo ELBO with rsample (the
reparameterised estimator) next to the score-function (REINFORCE) estimator for the same
gradient, variance of the two estimators, then optimisation with Adam and the posterior
predictive accuracy."""
import torch
from torch.distributions import Bernoulli, Normal

torch.manual_seed(0)
N, D = 200, 3
true_w = torch.tensor([1.5, -2.0, 0.5])
X = torch.randn(N, D)
y = Bernoulli(logits=X @ true_w).sample()
prior = Normal(torch.zeros(D), 2.0 * torch.ones(D))

loc = torch.zeros(D, requires_grad=True)
log_scale = torch.full((D,), -1.0, requires_grad=True)


def log_joint(w):
    return Bernoulli(logits=w @ X.T).log_prob(y).sum(-1) + prior.log_prob(w).sum(-1)


def elbo_reparam(n=16):
    q = Normal(loc, log_scale.exp())
    w = q.rsample((n,))
    return (log_joint(w) - q.log_prob(w).sum(-1)).mean()


def elbo_score(n=16):
    q = Normal(loc, log_scale.exp())
    w = q.sample((n,))
    logq = q.log_prob(w).sum(-1)
    f = (log_joint(w) - logq).detach()
    return (logq * (f - f.mean()) + f).mean()


def grad_samples(estimator, k=30):
    gs = []
    for _ in range(k):
        (g,) = torch.autograd.grad(estimator(), loc)
        gs.append(g)
    return torch.stack(gs)


g_r, g_s = grad_samples(elbo_reparam), grad_samples(elbo_score)
print("reparam grad mean", [round(v, 1) for v in g_r.mean(0).tolist()])
print("reparam var < score var", bool(g_r.var(0).sum() < g_s.var(0).sum()))

opt = torch.optim.Adam([loc, log_scale], lr=0.05)
for step in range(300):
    loss = -elbo_reparam()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 100 == 99:
        print(f"step {step + 1} -elbo {loss.item():.2f}")
print("posterior mean", [round(v, 2) for v in loc.tolist()])
print("posterior std", [round(v, 3) for v in log_scale.exp().tolist()])
with torch.no_grad():
    ws = Normal(loc, log_scale.exp()).sample((100,))
    probs = torch.sigmoid(X @ ws.T).mean(-1)
    print(f"predictive accuracy {((probs > 0.5).float() == y).float().mean().item():.4f}")
