"""Super-resolution training as EDSR/SRCNN scripts write it: bicubic-upsampled baseline via
F.interpolate(mode='bicubic', align_corners=False), an EDSR-style net (residual blocks without
BN, residual scaling 0.1, MeanShift as a frozen 1x1 conv, PixelShuffle x2 upsampler), L1 loss,
PSNR on the Y channel with a border crop, SSIM by hand with a Gaussian window (conv2d with
groups=channels), Charbonnier loss, and a cosine LR schedule with a warm-up via LambdaLR."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(41)


def gaussian_window(size=7, sigma=1.5, channels=1):
    g = torch.exp(-(torch.arange(size).float() - size // 2) ** 2 / (2 * sigma ** 2))
    g = g / g.sum()
    w = g[:, None] @ g[None, :]
    return w.expand(channels, 1, size, size).contiguous()


def ssim(img1, img2, size=7, data_range=1.0):
    c = img1.shape[1]
    w = gaussian_window(size, channels=c)
    mu1 = F.conv2d(img1, w, groups=c)
    mu2 = F.conv2d(img2, w, groups=c)
    s11 = F.conv2d(img1 * img1, w, groups=c) - mu1 ** 2
    s22 = F.conv2d(img2 * img2, w, groups=c) - mu2 ** 2
    s12 = F.conv2d(img1 * img2, w, groups=c) - mu1 * mu2
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    m = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1 ** 2 + mu2 ** 2 + c1) * (s11 + s22 + c2))
    return m.mean()


def rgb_to_y(img):
    return (16.0 + (65.481 * img[:, 0] + 128.553 * img[:, 1] + 24.966 * img[:, 2])) / 255.0


def psnr_y(sr, hr, crop=2):
    d = (rgb_to_y(sr) - rgb_to_y(hr))[:, crop:-crop, crop:-crop]
    mse = d.pow(2).mean(dim=(1, 2))
    return (10 * torch.log10(1.0 / mse)).mean()


class MeanShift(nn.Conv2d):
    def __init__(self, rgb_mean, sign=-1):
        super().__init__(3, 3, kernel_size=1)
        self.weight.data = torch.eye(3).view(3, 3, 1, 1)
        self.bias.data = sign * torch.tensor(rgb_mean)
        for p in self.parameters():
            p.requires_grad = False


class ResBlock(nn.Module):
    def __init__(self, c, res_scale=0.1):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU(True), nn.Conv2d(c, c, 3, padding=1))
        self.res_scale = res_scale

    def forward(self, x):
        return x + self.body(x).mul(self.res_scale)


class EDSR(nn.Module):
    def __init__(self, c=16, n_blocks=2, scale=2):
        super().__init__()
        mean = (0.4488, 0.4371, 0.4040)
        self.sub_mean, self.add_mean = MeanShift(mean, -1), MeanShift(mean, 1)
        self.head = nn.Conv2d(3, c, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(c) for _ in range(n_blocks)], nn.Conv2d(c, c, 3, padding=1))
        self.tail = nn.Sequential(nn.Conv2d(c, c * scale ** 2, 3, padding=1), nn.PixelShuffle(scale),
                                  nn.Conv2d(c, 3, 3, padding=1))

    def forward(self, x):
        x = self.head(self.sub_mean(x))
        x = x + self.body(x)
        return self.add_mean(self.tail(x))


def make_hr(n):
    yy, xx = torch.meshgrid(torch.linspace(0, 1, 16), torch.linspace(0, 1, 16), indexing="ij")
    f = torch.rand(n, 3, 1, 1) * 6 + 2
    return (0.5 + 0.4 * torch.sin(f * xx) * torch.cos(f * yy)).clamp(0, 1)


hr = make_hr(4)
lr_img = F.avg_pool2d(hr, 2)
bicubic = F.interpolate(lr_img, scale_factor=2, mode="bicubic", align_corners=False).clamp(0, 1)
print("bicubic psnr", psnr_y(bicubic, hr).item(), "ssim", ssim(bicubic, hr).item())
print("self ssim", ssim(hr, hr).item())

model = EDSR()
print("trainable", sum(p.numel() for p in model.parameters() if p.requires_grad))
opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=2e-3, betas=(0.9, 0.999), eps=1e-8)
total, warm = 12, 3
sched = torch.optim.lr_scheduler.LambdaLR(
    opt, lambda s: (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / (total - warm))))
for step in range(total):
    hr = make_hr(4)
    lr_img = F.avg_pool2d(hr, 2)
    sr = model(lr_img)
    l1 = F.l1_loss(sr, hr)
    charb = torch.sqrt((sr - hr) ** 2 + 1e-6).mean()
    loss = l1 + 0.1 * charb
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    if step % 3 == 0:
        print(f"step {step} l1 {l1.item():.5f} charb {charb.item():.5f} lr {sched.get_last_lr()[0]:.6f}")
model.eval()
with torch.no_grad():
    sr = model(lr_img).clamp(0, 1)
print("sr psnr", psnr_y(sr, hr).item(), "ssim", ssim(sr, hr).item(), sr.shape)
