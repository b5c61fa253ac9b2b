"""A RealNVP-style normalizing flow on 2-D data: affine coupling layers with masks registered as
buffers, log-determinants summed over layers, a standard-normal base from torch.distributions,
MultivariateNormal/Independent log_prob, sampling through the inverse, and slogdet of a 1x1
invertible linear layer (Glow's inv-conv) with torch.linalg."""
import math

import torch
import torch.nn as nn
from torch.distributions import Independent, MultivariateNormal, Normal

torch.manual_seed(77)


class Coupling(nn.Module):
    def __init__(self, mask, hidden=32):
        super().__init__()
        self.register_buffer("mask", mask)
        self.s = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 2), nn.Tanh())
        self.t = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 2))

    def forward(self, x):
        xm = x * self.mask
        s = self.s(xm) * (1 - self.mask)
        t = self.t(xm) * (1 - self.mask)
        y = xm + (1 - self.mask) * (x * torch.exp(s) + t)
        return y, s.sum(dim=1)

    def inverse(self, y):
        ym = y * self.mask
        s = self.s(ym) * (1 - self.mask)
        t = self.t(ym) * (1 - self.mask)
        return ym + (1 - self.mask) * ((y - t) * torch.exp(-s))


class InvLinear(nn.Module):
    def __init__(self, d):
        super().__init__()
        q, _ = torch.linalg.qr(torch.randn(d, d))
        self.W = nn.Parameter(q)

    def forward(self, x):
        return x @ self.W.T, torch.linalg.slogdet(self.W)[1].expand(x.shape[0])

    def inverse(self, y):
        return y @ torch.linalg.inv(self.W).T


class Flow(nn.Module):
    def __init__(self, n=4):
        super().__init__()
        masks = [torch.tensor([1.0, 0.0]) if i % 2 == 0 else torch.tensor([0.0, 1.0]) for i in range(n)]
        layers = []
        for m in masks:
            layers += [Coupling(m), InvLinear(2)]
        self.layers = nn.ModuleList(layers)
        self.base = Independent(Normal(torch.zeros(2), torch.ones(2)), 1)

    def forward(self, x):
        logdet = torch.zeros(x.shape[0])
        for layer in self.layers:
            x, ld = layer(x)
            logdet = logdet + ld
        return x, logdet

    def log_prob(self, x):
        z, logdet = self(x)
        return self.base.log_prob(z) + logdet

    @torch.no_grad()
    def sample(self, n):
        z = self.base.sample((n,))
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z


def moons(n):
    t = torch.rand(n) * math.pi
    upper = torch.stack([t.cos(), t.sin()], 1)
    lower = torch.stack([1 - t.cos(), 0.5 - t.sin()], 1)
    pick = (torch.rand(n) < 0.5).float()[:, None]
    return pick * upper + (1 - pick) * lower + 0.05 * torch.randn(n, 2)


flow = Flow()
opt = torch.optim.Adam(flow.parameters(), lr=5e-3)
for step in range(25):
    x = moons(128)
    loss = -flow.log_prob(x).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 0:
        print(f"step {step} nll {loss.item():.4f}")
x = moons(6)
z, ld = flow(x)
back = x
for layer in flow.layers:
    back, _ = layer(back)
rec = z.detach()
for layer in reversed(flow.layers):
    rec = layer.inverse(rec)
print(torch.allclose(rec, x, atol=1e-4), ld.shape, flow.sample(3).shape)
mvn = MultivariateNormal(torch.zeros(2), covariance_matrix=torch.tensor([[1.0, 0.5], [0.5, 2.0]]))
print(mvn.log_prob(x[:3]), mvn.entropy(), mvn.scale_tril, mvn.rsample((2,)).shape)
print(flow.base.log_prob(torch.zeros(2)), flow.base.event_shape, flow.base.batch_shape)
print(torch.linalg.slogdet(torch.tensor([[2.0, 1.0], [1.0, 3.0]])), torch.logdet(torch.eye(3) * 2))
