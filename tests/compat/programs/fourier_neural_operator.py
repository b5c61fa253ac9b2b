# A small 2-D Fourier neural operator (FNO) trained a few steps with Adam: rfft2, a complex
# einsum with complex nn.Parameter weights (torch.cfloat), irfft2.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class SpectralConv2d(nn.Module):
    def __init__(self, cin, cout, modes1, modes2):
        super().__init__()
        self.modes1, self.modes2, self.cout = modes1, modes2, cout
        scale = 1 / (cin * cout)
        self.weights1 = nn.Parameter(scale * torch.rand(cin, cout, modes1, modes2,
                                                        dtype=torch.cfloat))
        self.weights2 = nn.Parameter(scale * torch.rand(cin, cout, modes1, modes2,
                                                        dtype=torch.cfloat))

    def forward(self, x):
        b, _, h, w = x.shape
        x_ft = torch.fft.rfft2(x)
        out_ft = torch.zeros(b, self.cout, h, w // 2 + 1, dtype=torch.cfloat)
        m1, m2 = self.modes1, self.modes2
        out_ft[:, :, :m1, :m2] = torch.einsum("bixy,ioxy->boxy", x_ft[:, :, :m1, :m2],
                                              self.weights1)
        out_ft[:, :, -m1:, :m2] = torch.einsum("bixy,ioxy->boxy", x_ft[:, :, -m1:, :m2],
                                               self.weights2)
        return torch.fft.irfft2(out_ft, s=(h, w))


class FNO2d(nn.Module):
    def __init__(self, modes=4, width=8):
        super().__init__()
        self.lift = nn.Linear(3, width)
        self.conv0 = SpectralConv2d(width, width, modes, modes)
        self.conv1 = SpectralConv2d(width, width, modes, modes)
        self.w0 = nn.Conv2d(width, width, 1)
        self.w1 = nn.Conv2d(width, width, 1)
        self.proj = nn.Linear(width, 1)

    def forward(self, a):
        b, h, w, _ = a.shape
        gx = torch.linspace(0, 1, h).reshape(1, h, 1, 1).expand(b, h, w, 1)
        gy = torch.linspace(0, 1, w).reshape(1, 1, w, 1).expand(b, h, w, 1)
        x = self.lift(torch.cat([a, gx, gy], dim=-1)).permute(0, 3, 1, 2)
        x = F.gelu(self.conv0(x) + self.w0(x))
        x = self.conv1(x) + self.w1(x)
        return self.proj(x.permute(0, 2, 3, 1))


model = FNO2d()
print("complex parameters:", sum(p.is_complex() for p in model.parameters()))
print("weights dtype:", model.conv0.weights1.dtype, tuple(model.conv0.weights1.shape))
a = torch.randn(4, 16, 16, 1)
u = torch.sin(3.0 * a) + 0.5 * a.roll(1, dims=1)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(5):
    opt.zero_grad()
    loss = F.mse_loss(model(a), u)
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.6f}")
g = model.conv0.weights1
print("weights1 after training:", g.real.sum().item(), g.imag.sum().item())
spec = torch.fft.rfft2(u.squeeze(-1))
print("spectrum:", tuple(spec.shape), spec.dtype, spec.abs().mean().item())
