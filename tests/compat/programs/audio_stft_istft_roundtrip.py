"""STFT/ISTFT as audio code uses them: a Hann-windowed complex STFT of a chirp plus noise,
magnitude and phase, a perfect-reconstruction round trip through istft (center=True, the
length= argument), spectral gating in the STFT domain, and a few Griffin-Lim iterations
recovering a signal from its magnitude alone."""
import math

import torch

torch.manual_seed(0)
sr, n_fft, hop = 8000, 256, 64
t = torch.arange(4000) / sr
chirp = torch.sin(2 * math.pi * (200 + 600 * t) * t)
x = chirp + 0.05 * torch.randn_like(chirp)
window = torch.hann_window(n_fft)

X = torch.stft(x, n_fft=n_fft, hop_length=hop, window=window, center=True,
               return_complex=True)
print("stft", tuple(X.shape), X.dtype)
mag, phase = X.abs(), X.angle()
print("mag max %.5f mean %.5f" % (mag.max().item(), mag.mean().item()))
peak_bins = mag.argmax(dim=0)
print("peak bins", peak_bins[::10].tolist())

y = torch.istft(X, n_fft=n_fft, hop_length=hop, window=window, center=True, length=x.numel())
print("round-trip small", (y - x).abs().max().item() < 1e-4)
print("round-trip ok", torch.allclose(x, y, atol=1e-4))

# spectral gating: estimate a noise floor per bin, subtract, keep the noisy phase
noise_floor = mag.median(dim=1, keepdim=True).values
gain = torch.clamp(1 - 1.5 * noise_floor / (mag + 1e-8), min=0.0)
den = torch.istft(X * gain, n_fft=n_fft, hop_length=hop, window=window, length=x.numel())


def snr(clean, est):
    return (10 * torch.log10(clean.pow(2).sum() / (clean - est).pow(2).sum())).item()


print("snr noisy %.3f gated %.3f" % (snr(chirp, x), snr(chirp, den)))

# Griffin-Lim from the magnitude only
angles = torch.exp(2j * math.pi * torch.rand(mag.shape))
for it in range(8):
    sig = torch.istft(mag * angles, n_fft=n_fft, hop_length=hop, window=window,
                      length=x.numel())
    rebuilt = torch.stft(sig, n_fft=n_fft, hop_length=hop, window=window,
                         return_complex=True)
    angles = torch.polar(torch.ones_like(mag), rebuilt.angle())
    if it % 2 == 1:
        sc = torch.linalg.norm(rebuilt.abs() - mag) / torch.linalg.norm(mag)
        print("griffin-lim iter %d spectral convergence %.5f" % (it, sc.item()))

# a batch of signals, onesided=False and normalized=True
batch = torch.stack([x, chirp])
Xb = torch.stft(batch, 128, hop_length=32, window=torch.hann_window(128), normalized=True,
                onesided=False, return_complex=True)
print("batched", tuple(Xb.shape), "energy %.5f" % Xb.abs().pow(2).sum().item())
yb = torch.istft(Xb, 128, hop_length=32, window=torch.hann_window(128), normalized=True,
                 onesided=False, length=batch.shape[-1])
print("batched round trip", torch.allclose(yb.real if yb.is_complex() else yb, batch, atol=1e-4))
