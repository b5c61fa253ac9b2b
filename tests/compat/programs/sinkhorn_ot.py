"""Entropic optimal transport with Sinkhorn iterations in log space (as in POT / GeomLoss
tutorials): cost by torch.cdist, dual potentials updated with torch.logsumexp, the plan's
marginals, the Sinkhorn divergence debiased with the self-transport terms, differentiating the
OT cost w.r.t. point positions to flow one cloud onto another, and a batched version."""
import math

import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


def sinkhorn(x, y, eps=0.1, iters=200):
    n, m = x.shape[-2], y.shape[-2]
    C = torch.cdist(x, y) ** 2
    log_a = torch.full(x.shape[:-1], -math.log(n))
    log_b = torch.full(y.shape[:-1], -math.log(m))
    f = torch.zeros_like(log_a)
    g = torch.zeros_like(log_b)
    for _ in range(iters):
        f = -eps * torch.logsumexp((g.unsqueeze(-2) - C) / eps + log_b.unsqueeze(-2), dim=-1)
        g = -eps * torch.logsumexp((f.unsqueeze(-1) - C) / eps + log_a.unsqueeze(-1), dim=-2)
    logP = (f.unsqueeze(-1) + g.unsqueeze(-2) - C) / eps + log_a.unsqueeze(-1) + log_b.unsqueeze(-2)
    P = logP.exp()
    cost = (P * C).sum((-2, -1))
    return cost, P, f, g


x = torch.randn(30, 2)
y = torch.randn(40, 2) * 0.5 + torch.tensor([3.0, 1.0])
cost, P, f, g = sinkhorn(x, y)
print("cost", cost.item())
print("marginals", (P.sum(1) - 1 / 30).abs().max().item() < 1e-6,
      (P.sum(0) - 1 / 40).abs().max().item() < 1e-6)
print("dual", (f.mean() + g.mean()).item())
print("plan", P.max().item(), P.argmax(1)[:8].tolist())


def divergence(x, y):
    return sinkhorn(x, y)[0] - 0.5 * sinkhorn(x, x)[0] - 0.5 * sinkhorn(y, y)[0]


print("divergence", divergence(x, y).item(), divergence(y, y).item())

z = x.clone().requires_grad_(True)
opt = torch.optim.SGD([z], lr=15.0)
for it in range(20):
    opt.zero_grad()
    loss = sinkhorn(z, y, iters=50)[0]
    loss.backward()
    opt.step()
    if it % 5 == 0:
        print(f"flow {it} cost {loss.item():.5f} grad {z.grad.norm().item():.5f}")
print("moved mean", z.detach().mean(0), y.mean(0))

xb = torch.randn(3, 10, 2)
yb = torch.randn(3, 12, 2) + torch.arange(3.0).view(3, 1, 1)
cb, Pb, _, _ = sinkhorn(xb, yb, eps=0.5, iters=100)
print("batched", cb, Pb.shape, Pb.sum((-2, -1)))
w1d = torch.sort(torch.randn(100)).values - torch.sort(torch.randn(100) + 1).values
print("1d W2^2", (w1d ** 2).mean().item())
