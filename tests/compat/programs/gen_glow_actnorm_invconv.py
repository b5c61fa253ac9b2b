"""A Glow step on 4x4x2 images as the glow-pytorch ports write it: squeeze (view/permute to
channels x4), ActNorm with data-dependent initialisation on the first batch (a registered
'initialized' buffer), an invertible 1x1 convolution initialised from a QR of a random matrix
with its log|det| from torch.slogdet times H*W, an affine coupling with a sigmoid(scale+2) and a
zero-initialised last conv, the total log-likelihood in bits per dim, an inverse pass that
reconstructs the input, and two training steps."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(13)


def squeeze2d(x, factor=2):
    b, c, h, w = x.shape
    x = x.view(b, c, h // factor, factor, w // factor, factor)
    x = x.permute(0, 1, 3, 5, 2, 4).contiguous()
    return x.view(b, c * factor * factor, h // factor, w // factor)


def unsqueeze2d(x, factor=2):
    b, c, h, w = x.shape
    x = x.view(b, c // factor ** 2, factor, factor, h, w)
    x = x.permute(0, 1, 4, 2, 5, 3).contiguous()
    return x.view(b, c // factor ** 2, h * factor, w * factor)


class ActNorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.logs = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.register_buffer("initialized", torch.tensor(0, dtype=torch.uint8))

    def forward(self, x, reverse=False):
        if not self.initialized.item():
            with torch.no_grad():
                mean = x.mean(dim=(0, 2, 3), keepdim=True)
                std = x.std(dim=(0, 2, 3), keepdim=True, unbiased=False)
                self.bias.data.copy_(-mean)
                self.logs.data.copy_(torch.log(1.0 / (std + 1e-6)))
                self.initialized.fill_(1)
        hw = x.shape[2] * x.shape[3]
        if not reverse:
            return (x + self.bias) * torch.exp(self.logs), self.logs.sum() * hw
        return x * torch.exp(-self.logs) - self.bias, -self.logs.sum() * hw


class InvConv2d(nn.Module):
    def __init__(self, c):
        super().__init__()
        w = torch.linalg.qr(torch.randn(c, c))[0]
        self.weight = nn.Parameter(w)

    def forward(self, x, reverse=False):
        hw = x.shape[2] * x.shape[3]
        logdet = torch.slogdet(self.weight)[1] * hw
        if not reverse:
            return F.conv2d(x, self.weight.view(*self.weight.shape, 1, 1)), logdet
        inv = torch.inverse(self.weight)
        return F.conv2d(x, inv.view(*inv.shape, 1, 1)), -logdet


class ZeroConv2d(nn.Conv2d):
    def __init__(self, cin, cout):
        super().__init__(cin, cout, 3, padding=1)
        self.weight.data.zero_()
        self.bias.data.zero_()


class AffineCoupling(nn.Module):
    def __init__(self, c, hidden=16):
        super().__init__()
        self.nn = nn.Sequential(nn.Conv2d(c // 2, hidden, 3, padding=1), nn.ReLU(),
                                nn.Conv2d(hidden, hidden, 1), nn.ReLU(), ZeroConv2d(hidden, c))

    def forward(self, x, reverse=False):
        xa, xb = x.chunk(2, 1)
        h = self.nn(xa)
        shift, scale = h[:, 0::2], h[:, 1::2]
        scale = torch.sigmoid(scale + 2.0)
        if not reverse:
            yb = (xb + shift) * scale
            logdet = torch.log(scale).flatten(1).sum(1)
        else:
            yb = xb / scale - shift
            logdet = -torch.log(scale).flatten(1).sum(1)
        return torch.cat([xa, yb], 1), logdet


class FlowStep(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layers = nn.ModuleList([ActNorm(c), InvConv2d(c), AffineCoupling(c)])

    def forward(self, x, reverse=False):
        total = torch.zeros(x.shape[0])
        layers = reversed(self.layers) if reverse else self.layers
        for layer in layers:
            x, ld = layer(x, reverse)
            total = total + ld
        return x, total


class Glow(nn.Module):
    def __init__(self):
        super().__init__()
        self.steps = nn.ModuleList([FlowStep(8) for _ in range(2)])

    def forward(self, x):
        z = squeeze2d(x)
        logdet = torch.zeros(x.shape[0])
        for s in self.steps:
            z, ld = s(z)
            logdet = logdet + ld
        return z, logdet

    def reverse(self, z):
        for s in reversed(self.steps):
            z, _ = s(z, reverse=True)
        return unsqueeze2d(z)


def nll_bpd(z, logdet, n_pixels, n_bins=32):
    log_pz = (-0.5 * (z ** 2 + math.log(2 * math.pi))).flatten(1).sum(1)
    ll = log_pz + logdet - math.log(n_bins) * n_pixels
    return (-ll / (math.log(2.0) * n_pixels)).mean()


x = torch.rand(8, 2, 4, 4) * 0.5 + torch.linspace(0, 0.4, 4).view(1, 1, 1, 4)
print("squeeze roundtrip", torch.equal(unsqueeze2d(squeeze2d(x)), x), squeeze2d(x).shape)
model = Glow()
z, logdet = model(x)
print("actnorm initialized", [int(s.layers[0].initialized) for s in model.steps])
print("z mean ~0 per channel", z.mean(dim=(0, 2, 3)).abs().max().item() < 1e-6,
      "std", z.std(dim=(0, 2, 3)))
print("logdet", logdet[:3])
print("reconstruction err", (model.reverse(z) - x).abs().max().item() < 1e-4)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(6):
    z, logdet = model(x)
    loss = nll_bpd(z, logdet, n_pixels=2 * 4 * 4)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step} bpd {loss.item():.5f}")
print("invconv slogdet", [round(torch.slogdet(s.layers[1].weight)[1].item(), 5) for s in model.steps])
