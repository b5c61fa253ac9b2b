"""Resampling audio the quick way (F.interpolate, linear and nearest, align_corners both ways)
and the careful way (a windowed-sinc low-pass FIR applied with conv1d before decimation, and a
polyphase-style upsample by zero insertion), comparing aliasing energy on a two-tone test."""
import math

import torch
import torch.nn.functional as F

torch.manual_seed(0)
sr = 16000
t = torch.arange(1600) / sr
x = torch.sin(2 * math.pi * 440 * t) + 0.5 * torch.sin(2 * math.pi * 6000 * t)
x = x.view(1, 1, -1)

for mode, ac in [("linear", False), ("linear", True), ("nearest", None)]:
    kw = {} if ac is None else {"align_corners": ac}
    y = F.interpolate(x, scale_factor=0.5, mode=mode, **kw)
    z = F.interpolate(x, size=2400, mode=mode, **kw)
    print(f"{mode:8s} ac={ac} down {tuple(y.shape)} {y.pow(2).mean().item():.5f} "
          f"up {tuple(z.shape)} {z.pow(2).mean().item():.5f}")


def sinc_lowpass(cutoff, taps=63, beta=8.0):
    n = torch.arange(taps, dtype=torch.float64) - (taps - 1) / 2
    h = 2 * cutoff * torch.sinc(2 * cutoff * n)
    h = h * torch.kaiser_window(taps, periodic=False, beta=beta, dtype=torch.float64)
    return (h / h.sum()).float()


h = sinc_lowpass(0.23)
print("filter taps", h.numel(), "dc gain %.5f" % h.sum().item())
filtered = F.conv1d(F.pad(x, (31, 31), mode="reflect"), h.view(1, 1, -1))
down = filtered[..., ::2]
naive = x[..., ::2]


def band_energy(sig, rate, lo, hi):
    spec = torch.fft.rfft(sig.flatten() * torch.hann_window(sig.numel()))
    freqs = torch.fft.rfftfreq(sig.numel(), d=1.0 / rate)
    sel = (freqs >= lo) & (freqs < hi)
    return spec.abs().pow(2)[sel].sum().item()


for name, sig in [("naive", naive), ("filtered", down)]:
    alias = band_energy(sig, sr // 2, 1500, 2500)
    tone = band_energy(sig, sr // 2, 400, 480)
    print(f"{name:8s} alias/tone {alias / tone:.6f}")

up = torch.zeros(1, 1, 2 * down.shape[-1])
up[..., ::2] = down
up = 2 * F.conv1d(F.pad(up, (31, 31)), h.view(1, 1, -1))
print("upsampled", tuple(up.shape), "rms %.5f" % up.pow(2).mean().sqrt().item())
err = (up[..., 100:-100] - torch.sin(2 * math.pi * 440 * t).view(1, 1, -1)[..., 100:-100])
print("reconstruction rms err %.5f" % err.pow(2).mean().sqrt().item())
