"""A mixture density network (Bishop) fitted to the inverted sine problem: the network outputs
mixture weights (log_softmax), means and log standard deviations; the negative log-likelihood
is computed by hand with logsumexp and checked against torch.distributions.MixtureSameFamily;
sampling picks a component with Categorical and draws from its Normal."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical, MixtureSameFamily, Normal

torch.manual_seed(2)
n = 256
y_data = torch.rand(n, 1) * 2 - 1
x_data = y_data + 0.3 * torch.sin(2 * math.pi * y_data) + 0.05 * torch.randn(n, 1)


class MDN(nn.Module):
    def __init__(self, n_hidden=24, n_gaussians=3):
        super().__init__()
        self.z_h = nn.Sequential(nn.Linear(1, n_hidden), nn.Tanh())
        self.z_pi = nn.Linear(n_hidden, n_gaussians)
        self.z_mu = nn.Linear(n_hidden, n_gaussians)
        self.z_logsigma = nn.Linear(n_hidden, n_gaussians)

    def forward(self, x):
        h = self.z_h(x)
        return F.log_softmax(self.z_pi(h), -1), self.z_mu(h), self.z_logsigma(h).clamp(-7, 3)


def mdn_loss(log_pi, mu, log_sigma, y):
    log_prob = (-0.5 * ((y - mu) / log_sigma.exp()) ** 2 - log_sigma
                - 0.5 * math.log(2 * math.pi))
    return -torch.logsumexp(log_pi + log_prob, dim=1).mean()


model = MDN()
optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
for epoch in range(120):
    log_pi, mu, log_sigma = model(x_data)
    loss = mdn_loss(log_pi, mu, log_sigma, y_data)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 40 == 39:
        print(f"epoch {epoch + 1} nll {loss.item():.4f}")

with torch.no_grad():
    log_pi, mu, log_sigma = model(x_data)
    mix = MixtureSameFamily(Categorical(logits=log_pi), Normal(mu, log_sigma.exp()))
    nll = -mix.log_prob(y_data.squeeze(1)).mean()
    print(f"distributions nll {nll.item():.4f}",
          torch.allclose(nll, mdn_loss(log_pi, mu, log_sigma, y_data), atol=1e-5))
    print(f"mixture mean {mix.mean[:3]} var {mix.variance[:3]}")
    x_test = torch.linspace(-1, 1, 5).unsqueeze(1)
    log_pi, mu, log_sigma = model(x_test)
    print(log_pi.exp())
    torch.manual_seed(0)
    k = Categorical(logits=log_pi).sample()
    sel_mu = mu.gather(1, k.unsqueeze(1)).squeeze(1)
    sel_sigma = log_sigma.exp().gather(1, k.unsqueeze(1)).squeeze(1)
    samples = Normal(sel_mu, sel_sigma).sample()
    print(k.tolist(), samples)
    samples2 = sel_mu + sel_sigma * torch.randn_like(sel_mu)
    print(samples2)
