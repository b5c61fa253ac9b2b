"""PixelCNN on 8x8 binary images as the course homework writes it: MaskedConv2d subclasses
nn.Conv2d and registers a 'A'/'B' mask buffer applied in forward (self.weight.data *= mask and the
functional form), gated activations tanh*sigmoid over channel chunks, a residual stack, the
per-pixel BCE negative log-likelihood in bits/dim, receptive-field check by gradient of one
output pixel w.r.t. the input, and raster-scan sampling with torch.bernoulli."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(4)


class MaskedConv2d(nn.Conv2d):
    def __init__(self, mask_type, *args, **kwargs):
        super().__init__(*args, **kwargs)
        assert mask_type in ("A", "B")
        self.register_buffer("mask", self.weight.data.clone())
        _, _, kh, kw = self.weight.size()
        self.mask.fill_(1)
        self.mask[:, :, kh // 2, kw // 2 + (mask_type == "B"):] = 0
        self.mask[:, :, kh // 2 + 1:] = 0

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, self.stride, self.padding)


class GatedResBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = MaskedConv2d("B", ch, 2 * ch, 3, padding=1)
        self.proj = nn.Conv2d(ch, ch, 1)

    def forward(self, x):
        a, b = self.conv(x).chunk(2, dim=1)
        return x + self.proj(torch.tanh(a) * torch.sigmoid(b))


class PixelCNN(nn.Module):
    def __init__(self, ch=16, n_blocks=3):
        super().__init__()
        self.inp = MaskedConv2d("A", 1, ch, 5, padding=2)
        self.blocks = nn.Sequential(*[GatedResBlock(ch) for _ in range(n_blocks)])
        self.out = nn.Sequential(nn.ReLU(), MaskedConv2d("B", ch, ch, 1), nn.ReLU(),
                                 MaskedConv2d("B", ch, 1, 1))

    def forward(self, x):
        return self.out(self.blocks(self.inp(x)))


print("mask A center row", MaskedConv2d("A", 1, 1, 5).mask[0, 0, 2])
print("mask B", MaskedConv2d("B", 1, 1, 3).mask[0, 0])


def data(n):
    imgs = torch.zeros(n, 1, 8, 8)
    for i in range(n):
        r, c = torch.randint(0, 5, (2,)).tolist()
        imgs[i, 0, r:r + 3, c:c + 3] = 1.0
    flip = torch.rand(n, 1, 8, 8) < 0.03
    return torch.where(flip, 1 - imgs, imgs)


model = PixelCNN()
x = torch.rand(1, 1, 8, 8, requires_grad=True)
model(x)[0, 0, 4, 4].backward()
dep = (x.grad[0, 0] != 0).int()
print("receptive field of (4,4)\n", dep)
print("future pixels used:", bool(dep.view(-1)[4 * 8 + 4:].any()))

opt = torch.optim.Adam(model.parameters(), lr=5e-3)
for step in range(14):
    xb = data(16)
    logits = model(xb)
    nll = F.binary_cross_entropy_with_logits(logits, xb, reduction="sum") / xb.shape[0]
    opt.zero_grad()
    nll.backward()
    opt.step()
    if step % 6 == 0:
        print(f"step {step} nll {nll.item():.3f} bits/dim {nll.item() / (64 * math.log(2)):.4f}")


@torch.no_grad()
def sample(model, n):
    x = torch.zeros(n, 1, 8, 8)
    for r in range(8):
        for c in range(8):
            probs = torch.sigmoid(model(x)[:, :, r, c])
            x[:, :, r, c] = torch.bernoulli(probs)
    return x


model.eval()
s = sample(model, 4)
print("samples on-pixels", s.sum(dim=(1, 2, 3)))
print(s[0, 0].int())
