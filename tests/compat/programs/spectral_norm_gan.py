"""A spectral-normalised GAN on a 2-D ring of Gaussians (Miyato et al.'s SN-GAN recipe): a
discriminator whose linear layers are wrapped in torch.nn.utils.parametrizations.spectral_norm,
hinge losses, Adam with betas=(0.0, 0.9), n_critic discriminator steps, the power-iteration
buffers (u, v) advancing in train mode and frozen in eval, the largest singular value of the
normalised weight close to 1 (torch.linalg.matrix_norm ord=2), and the legacy
torch.nn.utils.spectral_norm hook for comparison."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.parametrizations import spectral_norm

torch.manual_seed(0)


def real_batch(n):
    k = torch.randint(0, 8, (n,)).float()
    ang = 2 * math.pi * k / 8
    return torch.stack([ang.cos(), ang.sin()], 1) * 2 + 0.05 * torch.randn(n, 2)


G = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
D = nn.Sequential(spectral_norm(nn.Linear(2, 64)), nn.LeakyReLU(0.2),
                  spectral_norm(nn.Linear(64, 64)), nn.LeakyReLU(0.2),
                  spectral_norm(nn.Linear(64, 1)))
print(D[0].parametrizations.weight.original.shape, sorted(n for n, _ in D[0].named_buffers()))
optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.0, 0.9))
optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.0, 0.9))
for it in range(60):
    for _ in range(2):
        real = real_batch(64)
        fake = G(torch.randn(64, 4)).detach()
        lossD = F.relu(1 - D(real)).mean() + F.relu(1 + D(fake)).mean()
        optD.zero_grad()
        lossD.backward()
        optD.step()
    lossG = -D(G(torch.randn(64, 4))).mean()
    optG.zero_grad()
    lossG.backward()
    optG.step()
    if it % 15 == 0:
        print(f"it {it} D {lossD.item():.5f} G {lossG.item():.5f}")

with torch.no_grad():
    for layer in D[::2]:
        sigma = torch.linalg.matrix_norm(layer.weight, ord=2)
        print("sigma", round(sigma.item(), 3))
    u0 = D[0].parametrizations.weight[0]._u.clone()
    D.eval()
    w1 = D[0].weight.clone()
    w2 = D[0].weight
    print("eval frozen", torch.equal(u0, D[0].parametrizations.weight[0]._u), torch.equal(w1, w2))
    D.train()
    _ = D[0].weight
    print("train moves u", not torch.equal(u0, D[0].parametrizations.weight[0]._u))
    samples = G(torch.randn(500, 4))
    r = samples.norm(dim=1)
    print("radius", r.mean().item(), r.std().item())

lin = nn.utils.spectral_norm(nn.Linear(5, 7), n_power_iterations=3)
print(sorted(n for n, _ in lin.named_parameters()), sorted(n for n, _ in lin.named_buffers()))
x = torch.randn(2, 5)
out = lin(x)
print("legacy sigma", torch.linalg.matrix_norm(lin.weight.detach(), ord=2).item(), out.shape)
nn.utils.remove_spectral_norm(lin)
print("removed", sorted(n for n, _ in lin.named_parameters()))
