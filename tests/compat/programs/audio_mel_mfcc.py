"""MFCC features built by hand the way many speech repositories do before reaching for
torchaudio: a power spectrogram from torch.stft, an HTK mel filterbank from triangular filters,
log compression with clamp, an orthonormal DCT-II matrix, cepstral mean normalisation, and
delta features by a Conv1d with replicate padding."""
import math

import torch
import torch.nn.functional as F

torch.manual_seed(0)
sr, n_fft, hop, n_mels, n_mfcc = 16000, 400, 160, 40, 13


def hz_to_mel(f):
    return 2595.0 * torch.log10(1.0 + f / 700.0)


def mel_to_hz(m):
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


def mel_filterbank(n_freqs, f_min=0.0, f_max=None):
    f_max = f_max or sr / 2
    all_freqs = torch.linspace(0, sr // 2, n_freqs)
    m_pts = torch.linspace(hz_to_mel(torch.tensor(f_min)), hz_to_mel(torch.tensor(f_max)),
                           n_mels + 2)
    f_pts = mel_to_hz(m_pts)
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts.unsqueeze(0) - all_freqs.unsqueeze(1)
    down = -slopes[:, :-2] / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    return torch.max(torch.zeros(1), torch.min(down, up))


def dct_matrix(n_mfcc, n_mels):
    n = torch.arange(float(n_mels))
    k = torch.arange(float(n_mfcc)).unsqueeze(1)
    dct = torch.cos(math.pi / n_mels * (n + 0.5) * k)
    dct[0] *= 1.0 / math.sqrt(2.0)
    return (dct * math.sqrt(2.0 / n_mels)).t()


t = torch.arange(sr // 2) / sr
wave = 0.6 * torch.sin(2 * math.pi * 440 * t) + 0.3 * torch.sin(2 * math.pi * 1200 * t)
wave = wave * torch.hamming_window(wave.numel(), periodic=False) + 0.01 * torch.randn_like(t)
waves = torch.stack([wave, torch.flip(wave, [0]) * 0.5])

spec = torch.stft(waves, n_fft, hop_length=hop, window=torch.hann_window(n_fft),
                  return_complex=True).abs().pow(2)
print("power spec", tuple(spec.shape))
fb = mel_filterbank(n_fft // 2 + 1)
print("filterbank", tuple(fb.shape), "row sums %.5f" % fb.sum().item())
mel = torch.matmul(spec.transpose(-1, -2), fb).transpose(-1, -2)
log_mel = torch.log(torch.clamp(mel, min=1e-10))
log_mel_db = 10.0 * torch.log10(torch.clamp(mel, min=1e-10))
log_mel_db = torch.max(log_mel_db, log_mel_db.amax(dim=(-2, -1), keepdim=True) - 80.0)
print("log-mel db range %.4f %.4f" % (log_mel_db.min().item(), log_mel_db.max().item()))

mfcc = torch.matmul(log_mel.transpose(-1, -2), dct_matrix(n_mfcc, n_mels)).transpose(-1, -2)
print("mfcc", tuple(mfcc.shape))
mfcc = mfcc - mfcc.mean(dim=-1, keepdim=True)
print("cmn mfcc[0, :4, 10]", [round(v, 4) for v in mfcc[0, :4, 10].tolist()])


def deltas(feat, win=2):
    denom = 2 * sum(i * i for i in range(1, win + 1))
    kernel = torch.arange(-win, win + 1, dtype=feat.dtype).repeat(feat.shape[1], 1, 1)
    padded = F.pad(feat, (win, win), mode="replicate")
    return F.conv1d(padded, kernel, groups=feat.shape[1]) / denom


d1 = deltas(mfcc)
d2 = deltas(d1)
features = torch.cat([mfcc, d1, d2], dim=1)
print("features", tuple(features.shape), "std %.5f" % features.std().item())
print("delta norms %.5f %.5f" % (d1.norm().item(), d2.norm().item()))
