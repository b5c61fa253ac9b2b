"""A VAE written with torch.distributions the way Pyro-free research code does: the encoder
returns an Independent(Normal(loc, scale), 1) posterior, the prior is an Independent standard
Normal, the KL comes from kl_divergence (checked against the closed form), samples from rsample,
a Bernoulli(logits=...) likelihood, and an importance-weighted (IWAE) bound with logsumexp."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Bernoulli, Independent, Normal, kl_divergence

torch.manual_seed(0)
D, Z = 20, 3
protos = (torch.rand(4, D) > 0.5).float()
data = (protos[torch.randint(0, 4, (128,))] + 0.1 * torch.randn(128, D) > 0.5).float()


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(D, 32), nn.Tanh(), nn.Linear(32, 2 * Z))
        self.dec = nn.Sequential(nn.Linear(Z, 32), nn.Tanh(), nn.Linear(32, D))
        self.register_buffer("prior_loc", torch.zeros(Z))
        self.register_buffer("prior_scale", torch.ones(Z))

    def posterior(self, x):
        loc, raw = self.enc(x).chunk(2, dim=-1)
        return Independent(Normal(loc, F.softplus(raw) + 1e-4), 1)

    def prior(self):
        return Independent(Normal(self.prior_loc, self.prior_scale), 1)

    def likelihood(self, z):
        return Independent(Bernoulli(logits=self.dec(z)), 1)

    def elbo(self, x):
        q = self.posterior(x)
        z = q.rsample()
        return self.likelihood(z).log_prob(x) - kl_divergence(q, self.prior())

    def iwae(self, x, k=8):
        q = self.posterior(x)
        z = q.rsample((k,))
        log_w = self.likelihood(z).log_prob(x) + self.prior().log_prob(z) - q.log_prob(z)
        return torch.logsumexp(log_w, dim=0) - math.log(k)


model = VAE()
q = model.posterior(data[:5])
print("batch_shape", tuple(q.batch_shape), "event_shape", tuple(q.event_shape))
kl = kl_divergence(q, model.prior())
base = q.base_dist
closed = 0.5 * (base.scale ** 2 + base.loc ** 2 - 1 - 2 * base.scale.log()).sum(-1)
print("kl matches closed form", torch.allclose(kl, closed, atol=1e-5))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(6):
    perm = torch.randperm(len(data))
    total = 0.0
    for i in range(0, len(data), 32):
        x = data[perm[i:i + 32]]
        loss = -model.elbo(x).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(x)
    print(f"epoch {epoch} -elbo {total / len(data):.4f}")

model.eval()
with torch.no_grad():
    elbo = model.elbo(data).mean().item()
    iw = model.iwae(data, k=16).mean().item()
    print(f"elbo {elbo:.4f} iwae {iw:.4f} gap positive {iw > elbo}")
    samples = model.likelihood(model.prior().sample((6,))).base_dist.probs
    print("sample means", [round(v, 4) for v in samples.mean(-1).tolist()])
    print("entropy %.4f" % model.posterior(data[:4]).entropy().mean().item())
