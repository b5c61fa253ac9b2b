# compat: exact
"""Data-dependent ActNorm initialisation, as normalizing-flow libraries write it.

The first batch through an ActNorm layer sets its scale to 1 / std and its shift to
-mean * scale, per feature (or per channel for images). The printed statistics are float32
values read at full precision: PyTorch's variance is accumulated in float64 and rounded once
(std: its root taken before rounding), so these digits are what a flow starts from.
"""
import torch
from torch import nn


class ActNorm(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.s = nn.Parameter(torch.zeros(shape))
        self.t = nn.Parameter(torch.zeros(shape))
        self.register_buffer("initialized", torch.tensor(0.0))
        self.batch_dims = [0] if len(shape) == 1 else [0, 2, 3]

    def inverse(self, z):
        if not self.initialized:
            with torch.no_grad():
                s_init = 1.0 / (z.std(dim=self.batch_dims, keepdim=True) + 1e-6)
                self.s.data.copy_(s_init.reshape(self.s.shape))
                self.t.data.copy_((-z.mean(dim=self.batch_dims, keepdim=True)
                                   * s_init).reshape(self.t.shape))
                self.initialized.fill_(1.0)
        shape = self.s.shape if z.dim() == 2 else (1,) + tuple(self.s.shape[:1]) + (1, 1)
        z = z * self.s.reshape(shape) + self.t.reshape(shape)
        return z, z.mean()


torch.manual_seed(0)
x = torch.randn(64, 3) * torch.tensor([2.0, 0.5, 7.0]) + torch.tensor([0.0, 3.0, -1.0])
layer = ActNorm((3,))
z, log_det = layer.inverse(x)
print("std", x.std(0).tolist())
print("var", x.var(0, unbiased=False).tolist())
print("std all", x.std().item(), "var all", x.var().item())
print("s", layer.s.tolist())
print("t", layer.t.tolist())
print("normalised mean is ~0:", abs(log_det.item()) < 1e-6)

img = torch.rand(8, 4, 5, 5) * 3 + 1
chan = ActNorm((4, 1, 1))
chan.batch_dims = [0, 2, 3]
y, _ = chan.inverse(img)
print("image std", img.std(dim=[0, 2, 3]).tolist())
print("image s", chan.s.flatten().tolist())
std, mean = torch.std_mean(img, dim=(0, 2, 3), keepdim=True)
print("std_mean", std.flatten().tolist())
rows = torch.randn(5, 33) * 1e-3 + 5.0
print("row var", rows.var(1).tolist())
print("row std", rows.std(1, correction=0).tolist())

# the gradient of the scale through std (var_backward's rounding order)
w = (torch.randn(16, 3) * 3).requires_grad_()
w.std(0).sum().backward()
print("grad rows", w.grad[:2].tolist())
