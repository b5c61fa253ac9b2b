"""WaveNet-style audio tokens: mu-law companding and quantisation to 64 classes with
torch.bucketize (and the closed-form encoder), decoding back, one-hot inputs via F.one_hot,
a stack of dilated causal Conv1d layers with gated activations (tanh * sigmoid) and left
padding, the receptive field computed from the dilations, and teacher-forced next-sample
cross-entropy training on a synthetic waveform."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
Q = 64
mu = Q - 1


def mulaw_encode(x):
    y = torch.sign(x) * torch.log1p(mu * x.abs()) / math.log1p(mu)
    return ((y + 1) / 2 * mu + 0.5).long().clamp(0, mu)


def mulaw_decode(q):
    y = 2 * q.float() / mu - 1
    return torch.sign(y) * ((1 + mu) ** y.abs() - 1) / mu


t = torch.arange(2000) / 4000
wave = 0.7 * torch.sin(2 * math.pi * 220 * t) * torch.exp(-2 * t) + 0.2 * torch.sin(
    2 * math.pi * 660 * t)
codes = mulaw_encode(wave)
boundaries = torch.linspace(-1, 1, Q + 1)[1:-1]
companded = torch.sign(wave) * torch.log1p(mu * wave.abs()) / math.log1p(mu)
codes_b = torch.bucketize(companded, boundaries)
print("codes range", codes.min().item(), codes.max().item(),
      "bucketize (floor) vs rounding max diff", (codes_b - codes).abs().max().item())
rec = mulaw_decode(codes)
print(f"quantisation snr {10 * torch.log10(wave.pow(2).sum() / (wave - rec).pow(2).sum()).item():.4f}")
hist = torch.bincount(codes, minlength=Q)
print("used codes", (hist > 0).sum().item(), "most common", hist.argmax().item())


class CausalConv(nn.Conv1d):
    def __init__(self, cin, cout, k, dilation):
        super().__init__(cin, cout, k, dilation=dilation)
        self.left = (k - 1) * dilation

    def forward(self, x):
        return super().forward(F.pad(x, (self.left, 0)))


class WaveNet(nn.Module):
    def __init__(self, ch=16, dilations=(1, 2, 4, 8)):
        super().__init__()
        self.inp = nn.Conv1d(Q, ch, 1)
        self.filters = nn.ModuleList([CausalConv(ch, ch, 2, d) for d in dilations])
        self.gates = nn.ModuleList([CausalConv(ch, ch, 2, d) for d in dilations])
        self.res = nn.ModuleList([nn.Conv1d(ch, ch, 1) for _ in dilations])
        self.out = nn.Sequential(nn.ReLU(), nn.Conv1d(ch, ch, 1), nn.ReLU(), nn.Conv1d(ch, Q, 1))
        self.receptive_field = 1 + sum(c.left for c in self.filters)

    def forward(self, x):
        h = self.inp(x)
        skip = 0
        for f, g, r in zip(self.filters, self.gates, self.res):
            z = torch.tanh(f(h)) * torch.sigmoid(g(h))
            skip = skip + z
            h = h + r(z)
        return self.out(skip)


model = WaveNet()
print("receptive field", model.receptive_field)
x = F.one_hot(codes[:-1], Q).float().t().unsqueeze(0)
target = codes[1:].unsqueeze(0)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(25):
    logits = model(x)
    loss = F.cross_entropy(logits, target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 8 == 0 or step == 24:
        acc = (logits.argmax(1) == target).float().mean().item()
        print(f"step {step} loss {loss.item():.4f} acc {acc:.4f}")
# causality: changing a future sample must not change earlier outputs
x2 = x.clone()
x2[..., 1000:] = 0
with torch.no_grad():
    same = torch.allclose(model(x)[..., :1000], model(x2)[..., :1000])
print("causal", same)
