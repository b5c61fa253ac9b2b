"""A RealNVP-style normalizing flow on 2-D data as in flow tutorials: affine coupling layers with
masks, tanh-bounded log-scales, sum of log-determinants, a learned invertible linear layer (PLU
with torch.linalg.lu and triangular parts via tril/triu and slogdet), the MultivariateNormal and
Normal base log-probs, sampling by inversion, and invertibility checks."""
import torch
import torch.nn as nn
from torch.distributions import MultivariateNormal, Normal

torch.manual_seed(0)


def two_moons(n):
    t = torch.rand(n) * torch.pi
    upper = torch.stack([torch.cos(t), torch.sin(t)], 1)
    lower = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], 1)
    pick = (torch.rand(n) < 0.5).unsqueeze(1)
    return torch.where(pick, upper, lower) + 0.05 * torch.randn(n, 2)


class Coupling(nn.Module):
    def __init__(self, mask):
        super().__init__()
        self.register_buffer("mask", mask)
        self.net = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 4))

    def forward(self, x):
        s, t = self.net(x * self.mask).chunk(2, dim=1)
        s = torch.tanh(s) * (1 - self.mask)
        t = t * (1 - self.mask)
        return x * torch.exp(s) + t, s.sum(1)

    def inverse(self, y):
        s, t = self.net(y * self.mask).chunk(2, dim=1)
        s = torch.tanh(s) * (1 - self.mask)
        t = t * (1 - self.mask)
        return (y - t) * torch.exp(-s)


class InvLinear(nn.Module):
    def __init__(self, d):
        super().__init__()
        w = torch.linalg.qr(torch.randn(d, d))[0]
        P, L, U = torch.linalg.lu(w)
        self.register_buffer("P", P)
        self.L = nn.Parameter(L)
        self.logs = nn.Parameter(U.diagonal().abs().log())
        self.register_buffer("sign", U.diagonal().sign())
        self.U = nn.Parameter(torch.triu(U, 1))

    def weight(self):
        L = torch.tril(self.L, -1) + torch.eye(self.L.size(0))
        U = torch.triu(self.U, 1) + torch.diag(self.sign * self.logs.exp())
        return self.P @ L @ U

    def forward(self, x):
        return x @ self.weight().T, self.logs.sum().expand(x.size(0))

    def inverse(self, y):
        return torch.linalg.solve(self.weight(), y.T).T


masks = [torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])] * 2
layers = nn.ModuleList()
for m in masks:
    layers.append(Coupling(m))
    layers.append(InvLinear(2))
base = MultivariateNormal(torch.zeros(2), torch.eye(2))


def log_prob(x):
    logdet = torch.zeros(x.size(0))
    for layer in layers:
        x, ld = layer(x)
        logdet = logdet + ld
    return base.log_prob(x) + logdet


opt = torch.optim.Adam(layers.parameters(), lr=5e-3)
for it in range(40):
    x = two_moons(128)
    loss = -log_prob(x).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 10 == 0:
        print(it, f"{loss.item():.5f}")

with torch.no_grad():
    lin = layers[1]
    W = lin.weight()
    sign, logabs = torch.linalg.slogdet(W)
    print("slogdet", sign.item(), logabs.item(), lin.logs.sum().item(), torch.det(W).item())
    z = base.sample((5,))
    x = z
    for layer in reversed(layers):
        x = layer.inverse(x)
    y = x
    for layer in layers:
        y, _ = layer(y)
    print("roundtrip", (y - z).abs().max().item() < 1e-4, x.shape)
    print(log_prob(torch.tensor([[0.0, 0.5], [1.0, -0.5], [3.0, 3.0]])))
    print(Normal(0.0, 1.0).log_prob(z).sum(1) - base.log_prob(z))
    A = torch.randn(3, 3)
    T = torch.triu(A) + 3 * torch.eye(3)
    print(torch.linalg.solve_triangular(T, torch.eye(3), upper=True) @ T)
    print(torch.triangular_solve(torch.ones(3, 1), T, upper=True).solution.squeeze(1))
    LU, piv = torch.linalg.lu_factor(A)
    print(piv, torch.linalg.lu_solve(LU, piv, torch.ones(3, 1)).squeeze(1),
          torch.linalg.solve(A, torch.ones(3)))
