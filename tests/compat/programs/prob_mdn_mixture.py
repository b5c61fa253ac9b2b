"""A mixture density network for an inverse problem (x = y + 0.3 sin(2 pi y) + noise, predict y
from x, which is multimodal), with the mixture written as MixtureSameFamily(Categorical(logits),
Normal(mu, sigma)); trained on the negative log-likelihood; the mixture's mean, variance, cdf
and samples are compared with the components' statistics computed by hand."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical, MixtureSameFamily, Normal

torch.manual_seed(0)
K = 3
y = torch.rand(400, 1)
x = y + 0.3 * torch.sin(2 * math.pi * y) + 0.05 * torch.randn_like(y)


class MDN(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, hidden),
                                  nn.Tanh())
        self.pi = nn.Linear(hidden, K)
        self.mu = nn.Linear(hidden, K)
        self.sigma = nn.Linear(hidden, K)

    def forward(self, x):
        h = self.body(x)
        sigma = F.elu(self.sigma(h)) + 1 + 1e-3
        return MixtureSameFamily(Categorical(logits=self.pi(h)), Normal(self.mu(h), sigma))


model = MDN()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
for epoch in range(150):
    dist = model(x)
    loss = -dist.log_prob(y.squeeze(1)).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if epoch % 50 == 49:
        print(f"epoch {epoch + 1} nll {loss.item():.4f}")

query = torch.tensor([[0.2], [0.5], [0.8]])
with torch.no_grad():
    d = model(query)
    w = d.mixture_distribution.probs
    mu, sd = d.component_distribution.mean, d.component_distribution.stddev
    mean_hand = (w * mu).sum(-1)
    var_hand = (w * (sd ** 2 + mu ** 2)).sum(-1) - mean_hand ** 2
    print("mean", [round(v, 4) for v in d.mean.tolist()])
    print("mean by hand ok", torch.allclose(d.mean, mean_hand, atol=1e-6))
    print("variance by hand ok", torch.allclose(d.variance, var_hand, atol=1e-6))
    print("cdf at mean", [round(v, 4) for v in d.cdf(d.mean).tolist()])
    print("weights", [[round(v, 3) for v in row] for row in w.tolist()])
    s = d.sample((4,))
    print("sample shape", tuple(s.shape), "batch", tuple(d.batch_shape))
