"""NeRF-style coordinate networks (Mildenhall et al.; Tancik et al.'s Fourier features): a
positional encoding of sin/cos at 2^k frequencies, a random Fourier-feature mapping with a fixed
Gaussian matrix in a buffer, an MLP with a skip connection that re-injects the encoding, fitting
a 1-D signal and a small 2-D image from coordinates made with torch.meshgrid(indexing="ij"),
PSNR, and volume-rendering weights with cumprod of transmittance along rays."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)  # long fits: float32 roundoff grows past 1e-3


def positional_encoding(x, n_freqs, include_input=True):
    freqs = 2.0 ** torch.arange(n_freqs) * math.pi
    xf = x.unsqueeze(-1) * freqs
    enc = torch.cat([torch.sin(xf), torch.cos(xf)], dim=-1).flatten(-2)
    return torch.cat([x, enc], dim=-1) if include_input else enc


class FourierFeatures(nn.Module):
    def __init__(self, d_in, n, scale):
        super().__init__()
        self.register_buffer("B", torch.randn(d_in, n) * scale)

    def forward(self, x):
        proj = 2 * math.pi * x @ self.B
        return torch.cat([proj.sin(), proj.cos()], dim=-1)


class NeRFMLP(nn.Module):
    def __init__(self, d_in, width=64, skip=2, depth=4, d_out=1):
        super().__init__()
        self.skip = skip
        layers = []
        for i in range(depth):
            n_in = d_in if i == 0 else width + (d_in if i == skip else 0)
            layers.append(nn.Linear(n_in, width))
        self.layers = nn.ModuleList(layers)
        self.head = nn.Linear(width, d_out)

    def forward(self, x):
        h = x
        for i, layer in enumerate(self.layers):
            if i == self.skip:
                h = torch.cat([h, x], dim=-1)
            h = F.relu(layer(h))
        return self.head(h)


x = torch.linspace(0, 1, 128).unsqueeze(1)
signal = torch.sin(12 * x) + 0.5 * torch.sign(torch.sin(30 * x))
print("encoding", positional_encoding(x, 6).shape, positional_encoding(x[:2], 2))
for name, enc in (("raw", lambda t: t), ("pe", lambda t: positional_encoding(t, 6))):
    torch.manual_seed(1)
    net = NeRFMLP(enc(x).shape[-1])
    opt = torch.optim.Adam(net.parameters(), lr=5e-3)
    for step in range(150):
        loss = F.mse_loss(net(enc(x)), signal)
        opt.zero_grad()
        loss.backward()
        opt.step()
    psnr = -10 * torch.log10(loss)
    print(f"{name} loss {loss.item():.5f} psnr {psnr.item():.3f}")

H = W = 16
ii, jj = torch.meshgrid(torch.linspace(0, 1, H), torch.linspace(0, 1, W), indexing="ij")
coords = torch.stack([ii, jj], dim=-1).reshape(-1, 2)
image = (torch.sin(8 * ii) * torch.cos(6 * jj)).reshape(-1, 1)
ff = FourierFeatures(2, 32, scale=3.0)
net = NeRFMLP(64, width=48)
opt = torch.optim.Adam(net.parameters(), lr=5e-3)
for step in range(100):
    loss = F.mse_loss(net(ff(coords)), image)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 25 == 0:
        print(f"image {step} loss {loss.item():.5f}")
print("buffer", list(dict(ff.named_buffers()).keys()), ff.B.requires_grad)

# volume rendering along rays
n_rays, n_samples = 4, 16
t = torch.linspace(2.0, 6.0, n_samples).expand(n_rays, n_samples)
sigma = F.relu(torch.randn(n_rays, n_samples) * 2)
rgb = torch.sigmoid(torch.randn(n_rays, n_samples, 3))
delta = torch.cat([t[:, 1:] - t[:, :-1], torch.full((n_rays, 1), 1e10)], dim=-1)
alpha = 1 - torch.exp(-sigma * delta)
trans = torch.cumprod(torch.cat([torch.ones(n_rays, 1), 1 - alpha + 1e-10], dim=-1), dim=-1)[:, :-1]
weights = alpha * trans
color = (weights.unsqueeze(-1) * rgb).sum(1)
depth = (weights * t).sum(1)
print("weights sum", weights.sum(1))
print("color", color)
print("depth", depth)
