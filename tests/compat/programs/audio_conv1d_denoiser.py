"""A 1-D convolutional denoiser in the style of small speech-enhancement U-Nets: strided Conv1d
encoder, ConvTranspose1d decoder with skip connections (cropped to length), PReLU, weight_norm
on the first layer, trained on synthetic harmonic signals plus noise with an L1 + multi-
resolution STFT magnitude loss, and SI-SDR reported before and after."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm

torch.manual_seed(0)
L = 512


def batch(n):
    t = torch.arange(L) / 2000.0
    f0 = 100 + 200 * torch.rand(n, 1)
    clean = sum(torch.sin(2 * math.pi * k * f0 * t) / k for k in (1, 2, 3))
    return clean + 0.3 * torch.randn(n, L), clean


class Denoiser(nn.Module):
    def __init__(self, ch=8):
        super().__init__()
        self.e1 = weight_norm(nn.Conv1d(1, ch, 8, stride=4, padding=2))
        self.e2 = nn.Conv1d(ch, 2 * ch, 8, stride=4, padding=2)
        self.d2 = nn.ConvTranspose1d(2 * ch, ch, 8, stride=4, padding=2)
        self.d1 = nn.ConvTranspose1d(ch, 1, 8, stride=4, padding=2)
        self.act1, self.act2 = nn.PReLU(), nn.PReLU()

    def forward(self, x):
        x = x.unsqueeze(1)
        h1 = self.act1(self.e1(x))
        h2 = self.act2(self.e2(h1))
        u2 = self.d2(h2)[..., :h1.shape[-1]] + h1
        return (self.d1(F.relu(u2))[..., :x.shape[-1]] + x).squeeze(1)


def stft_mag(x, n_fft):
    return torch.stft(x, n_fft, hop_length=n_fft // 4, window=torch.hann_window(n_fft),
                      return_complex=True).abs()


def mr_stft_loss(est, ref):
    loss = 0.0
    for n_fft in (64, 128):
        e, r = stft_mag(est, n_fft), stft_mag(ref, n_fft)
        sc = torch.linalg.norm(r - e, dim=(-2, -1)) / torch.linalg.norm(r, dim=(-2, -1))
        mag = F.l1_loss(torch.log1p(e), torch.log1p(r))
        loss = loss + sc.mean() + mag
    return loss / 2


def si_sdr(est, ref):
    ref = ref - ref.mean(-1, keepdim=True)
    est = est - est.mean(-1, keepdim=True)
    proj = (est * ref).sum(-1, keepdim=True) / ref.pow(2).sum(-1, keepdim=True) * ref
    return 10 * torch.log10(proj.pow(2).sum(-1) / (est - proj).pow(2).sum(-1))


model = Denoiser()
print("params", sum(p.numel() for p in model.parameters()))
print([n for n, _ in model.named_parameters()][:4])
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
noisy_val, clean_val = batch(8)
print(f"si-sdr noisy {si_sdr(noisy_val, clean_val).mean().item():.4f}")
for step in range(30):
    noisy, clean = batch(16)
    est = model(noisy)
    loss = F.l1_loss(est, clean) + mr_stft_loss(est, clean)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    opt.step()
    if step % 10 == 9:
        print(f"step {step + 1} loss {loss.item():.5f}")
with torch.no_grad():
    print(f"si-sdr denoised {si_sdr(model(noisy_val), clean_val).mean().item():.4f}")
