"""Bayes by Backprop (Blundell et al.) on a toy regression: a BayesianLinear layer with mean and
rho parameters, sigma = softplus(rho), reparameterised weights w = mu + sigma * eps, the KL to a
Normal prior with torch.distributions.kl_divergence, Normal.log_prob likelihood, the ELBO over
several samples, and predictive mean and uncertainty from Monte Carlo samples."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence

torch.manual_seed(0)


class BayesianLinear(nn.Module):
    def __init__(self, n_in, n_out, prior_sigma=1.0):
        super().__init__()
        self.w_mu = nn.Parameter(torch.empty(n_out, n_in).uniform_(-0.2, 0.2))
        self.w_rho = nn.Parameter(torch.full((n_out, n_in), -5.0))
        self.b_mu = nn.Parameter(torch.zeros(n_out))
        self.b_rho = nn.Parameter(torch.full((n_out,), -5.0))
        self.prior = Normal(0.0, prior_sigma)

    def forward(self, x):
        w_sigma = F.softplus(self.w_rho)
        b_sigma = F.softplus(self.b_rho)
        w = self.w_mu + w_sigma * torch.randn_like(w_sigma)
        b = self.b_mu + b_sigma * torch.randn_like(b_sigma)
        self.kl = kl_divergence(Normal(self.w_mu, w_sigma), self.prior).sum() + \
            kl_divergence(Normal(self.b_mu, b_sigma), self.prior).sum()
        return F.linear(x, w, b)


class BNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = BayesianLinear(1, 16)
        self.l2 = BayesianLinear(16, 1)
        self.log_noise = nn.Parameter(torch.tensor(-1.0))

    def forward(self, x):
        return self.l2(torch.tanh(self.l1(x)))

    def kl(self):
        return self.l1.kl + self.l2.kl


x = torch.linspace(-2, 2, 64).unsqueeze(1)
y = x ** 3 / 4 + 0.1 * torch.randn_like(x)
model = BNN()
opt = torch.optim.Adam(model.parameters(), lr=0.02)
for epoch in range(150):
    opt.zero_grad()
    nll, kl = 0.0, 0.0
    for _ in range(3):
        pred = model(x)
        nll = nll - Normal(pred, model.log_noise.exp()).log_prob(y).sum()
        kl = kl + model.kl()
    elbo_loss = (nll + kl / 10) / 3
    elbo_loss.backward()
    opt.step()
    if epoch % 30 == 0:
        print(f"epoch {epoch} loss {elbo_loss.item():.4f} kl {kl.item() / 3:.4f}")

with torch.no_grad():
    xt = torch.tensor([[-3.0], [0.0], [1.0], [3.0]])
    samples = torch.stack([model(xt) for _ in range(200)])
    print("mean", samples.mean(0).squeeze(1))
    print("std", samples.std(0).squeeze(1))
    print("noise", model.log_noise.exp().item())
    sig = F.softplus(model.l1.w_rho)
    print("sigma range", sig.min().item(), sig.max().item())
    q = Normal(model.l1.w_mu, sig)
    print("entropy", q.entropy().sum().item(), "kl", kl_divergence(q, Normal(0.0, 1.0)).sum().item())
    mc = (q.log_prob(w := q.rsample((500,))) - Normal(0.0, 1.0).log_prob(w)).sum((1, 2)).mean()
    print("mc kl", round(mc.item(), 1))
