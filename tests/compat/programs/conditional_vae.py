"""A conditional VAE on 6x6 "digits": the label as F.one_hot concatenated to the input and the
latent, Normal(mu, std).rsample, kl_divergence against Normal(0, 1) and its closed form,
binary_cross_entropy(reduction="sum"), a cosine KL warm-up, sampling per class with torch.no_grad,
and torch.distributions Categorical/Bernoulli for the decoder."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Bernoulli, Categorical, Normal, kl_divergence

torch.manual_seed(4)
n_cls, d_in, d_z = 3, 36, 2


class CVAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(d_in + n_cls, 32), nn.ReLU())
        self.mu = nn.Linear(32, d_z)
        self.logvar = nn.Linear(32, d_z)
        self.dec = nn.Sequential(nn.Linear(d_z + n_cls, 32), nn.ReLU(), nn.Linear(32, d_in))

    def encode(self, x, c):
        h = self.enc(torch.cat([x, c], dim=1))
        return self.mu(h), self.logvar(h)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z, c):
        return torch.sigmoid(self.dec(torch.cat([z, c], dim=1)))

    def forward(self, x, c):
        mu, logvar = self.encode(x.view(-1, d_in), c)
        z = self.reparameterize(mu, logvar)
        return self.decode(z, c), mu, logvar


protos = (torch.rand(n_cls, d_in) > 0.5).float()


def batch(n):
    y = torch.randint(0, n_cls, (n,))
    flip = (torch.rand(n, d_in) < 0.1).float()
    return (protos[y] - flip).abs(), y


model = CVAE()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(12):
    x, y = batch(32)
    c = F.one_hot(y, n_cls).float()
    recon, mu, logvar = model(x, c)
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    q = Normal(mu, torch.exp(0.5 * logvar))
    kld2 = kl_divergence(q, Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum()
    beta = 0.5 * (1 - math.cos(math.pi * min(step, 8) / 8))
    loss = (bce + beta * kld) / x.size(0)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(step, f"{loss.item():.4f} {bce.item():.3f} {kld.item():.4f} {torch.isclose(kld, kld2, rtol=1e-4).item()} {beta:.3f}")
with torch.no_grad():
    z = torch.randn(n_cls, d_z)
    c = torch.eye(n_cls)
    samples = model.decode(z, c)
    print(samples.shape, ((samples > 0.5).float() == protos).float().mean(1))
    dist = Bernoulli(probs=samples)
    print(dist.log_prob(protos).sum(1), dist.entropy().sum(1), dist.sample().shape)
    cat = Categorical(logits=torch.tensor([[1.0, 2.0, 0.5]]))
    print(cat.probs, cat.log_prob(torch.tensor([1])), cat.sample((4,)).shape, cat.entropy())
    q = Normal(torch.tensor([0.5, -1.0]), torch.tensor([1.0, 2.0]))
    print(q.log_prob(torch.zeros(2)), q.cdf(torch.zeros(2)), q.icdf(torch.tensor([0.1, 0.9])), q.rsample((3,)).shape)
