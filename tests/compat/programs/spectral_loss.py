# A spectral loss (FFT and STFT magnitudes) and FFT convolution: torch.fft and torch.stft with
# gradients, fftfreq, fftshift, complex arithmetic.
import torch

torch.manual_seed(0)
signal = torch.randn(2, 64)
target = torch.sin(torch.linspace(0, 12.0, 64)).expand(2, 64)
w = torch.zeros(2, 64, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.05)


window = torch.hann_window(16)


def spectral_loss(x, y):
    fx, fy = torch.fft.rfft(x, norm="ortho"), torch.fft.rfft(y, norm="ortho")
    mag = (fx.abs() - fy.abs()).pow(2).mean()
    sx = torch.stft(x, 16, hop_length=4, window=window, return_complex=True).abs()
    sy = torch.stft(y, 16, hop_length=4, window=window, return_complex=True).abs()
    stft_mag = (sx - sy).abs().mean() + (torch.log(sx + 1e-5) - torch.log(sy + 1e-5)).abs().mean()
    return mag + stft_mag + (x - y).pow(2).mean()


for step in range(5):
    opt.zero_grad()
    loss = spectral_loss(signal + w, target)
    loss.backward()
    opt.step()
    print(f"step {step}: spectral loss {loss.item():.6f}")

# FFT convolution against a direct circular convolution
k = torch.randn(64)
conv = torch.fft.irfft(torch.fft.rfft(signal) * torch.fft.rfft(k), n=64)
direct = torch.stack([sum(signal[:, (i - j) % 64] * k[j] for j in range(64)) for i in range(64)],
                     dim=1)
print("fft conv matches:", torch.allclose(conv, direct, atol=1e-4), tuple(conv.shape))
freqs = torch.fft.fftfreq(8, d=0.1)
print("fftfreq:", freqs.tolist())
print("fftshift:", torch.fft.fftshift(freqs).tolist())
spec = torch.fft.fft(torch.arange(8.0))
print("fft:", spec)
print("angle:", spec.angle())
z = torch.complex(torch.tensor([1.0, -2.0]), torch.tensor([0.5, 3.0]))
print("complex ops:", z * z.conj(), (z / (1 + 2j)), torch.view_as_real(z.exp()))
print("ifft2 round trip:", torch.allclose(torch.fft.ifft2(torch.fft.fft2(signal)).real, signal,
                                          atol=1e-5))
spec = torch.stft(signal, 16, hop_length=4, window=window, return_complex=True)
print("stft:", tuple(spec.shape), spec.dtype, spec.abs().sum().item())
back = torch.istft(spec, 16, hop_length=4, window=window, length=64)
print("istft round trip:", torch.allclose(back, signal, atol=1e-5))
