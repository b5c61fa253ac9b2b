"""Fast neural style transfer (Johnson et al.) as the pytorch/examples-derived scripts write it:
a transformer net with ReflectionPad2d convs, InstanceNorm2d(affine=True), residual blocks and
upsample-then-conv (nn.Upsample nearest / interpolate), a frozen small VGG-like loss network
returning features from several layers via a namedtuple, Gram matrices normalised by c*h*w,
content + style + total-variation losses, normalisation by ImageNet mean/std with view(-1,1,1),
and a few Adam steps; prints losses, output range and the Gram of the output."""
from collections import namedtuple

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(8)


class ConvLayer(nn.Module):
    def __init__(self, cin, cout, k, stride):
        super().__init__()
        self.pad = nn.ReflectionPad2d(k // 2)
        self.conv = nn.Conv2d(cin, cout, k, stride)

    def forward(self, x):
        return self.conv(self.pad(x))


class ResidualBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.in1 = ConvLayer(c, c, 3, 1), nn.InstanceNorm2d(c, affine=True)
        self.c2, self.in2 = ConvLayer(c, c, 3, 1), nn.InstanceNorm2d(c, affine=True)

    def forward(self, x):
        return x + self.in2(self.c2(F.relu(self.in1(self.c1(x)))))


class UpsampleConv(nn.Module):
    def __init__(self, cin, cout, k, upsample):
        super().__init__()
        self.upsample = upsample
        self.conv = ConvLayer(cin, cout, k, 1)

    def forward(self, x):
        if self.upsample:
            x = F.interpolate(x, mode="nearest", scale_factor=self.upsample)
        return self.conv(x)


class TransformerNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.Sequential(ConvLayer(3, 8, 5, 1), nn.InstanceNorm2d(8, affine=True), nn.ReLU(),
                                  ConvLayer(8, 16, 3, 2), nn.InstanceNorm2d(16, affine=True), nn.ReLU())
        self.res = nn.Sequential(ResidualBlock(16), ResidualBlock(16))
        self.up = nn.Sequential(UpsampleConv(16, 8, 3, 2), nn.InstanceNorm2d(8, affine=True), nn.ReLU(),
                                nn.Upsample(scale_factor=1, mode="nearest"), ConvLayer(8, 3, 5, 1))

    def forward(self, x):
        return self.up(self.res(self.down(x)))


LossOutputs = namedtuple("LossOutputs", ["relu1", "relu2", "relu3"])


class LossNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.s1 = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
        self.s2 = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU())
        self.s3 = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(16, 16, 3, padding=1), nn.ReLU())
        for p in self.parameters():
            p.requires_grad = False

    def forward(self, x):
        h1 = self.s1(x)
        h2 = self.s2(h1)
        return LossOutputs(h1, h2, self.s3(h2))


def gram_matrix(y):
    b, ch, h, w = y.size()
    features = y.view(b, ch, w * h)
    return features.bmm(features.transpose(1, 2)) / (ch * h * w)


def normalize_batch(batch):
    mean = batch.new_tensor([0.485, 0.456, 0.406]).view(-1, 1, 1)
    std = batch.new_tensor([0.229, 0.224, 0.225]).view(-1, 1, 1)
    return (batch - mean) / std


def tv_loss(img):
    return (img[:, :, 1:, :] - img[:, :, :-1, :]).abs().mean() + \
        (img[:, :, :, 1:] - img[:, :, :, :-1]).abs().mean()


yy, xx = torch.meshgrid(torch.linspace(0, 1, 16), torch.linspace(0, 1, 16), indexing="ij")
style = torch.stack([torch.sin(12 * xx) * 0.5 + 0.5, torch.cos(12 * yy) * 0.5 + 0.5, xx * yy])[None]
content = torch.rand(4, 3, 16, 16)

vgg = LossNet().eval()
net = TransformerNet()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
gram_style = [gram_matrix(f) for f in vgg(normalize_batch(style))]
print("style grams", [tuple(g.shape) for g in gram_style], gram_style[0][0, :2, :2])
content_weight, style_weight, tv_weight = 1.0, 1e3, 1e-2
for step in range(5):
    y = net(content)
    fy, fx = vgg(normalize_batch(y)), vgg(normalize_batch(content))
    c_loss = content_weight * F.mse_loss(fy.relu2, fx.relu2)
    s_loss = 0.0
    for ft, gm_s in zip(fy, gram_style):
        s_loss = s_loss + F.mse_loss(gram_matrix(ft), gm_s.expand(ft.shape[0], -1, -1))
    s_loss = style_weight * s_loss
    t_loss = tv_weight * tv_loss(y)
    total = c_loss + s_loss + t_loss
    opt.zero_grad()
    total.backward()
    opt.step()
    print(f"step {step} content {c_loss.item():.5f} style {s_loss.item():.5f} tv {t_loss.item():.6f}")
with torch.no_grad():
    out = net(content[:1]).clamp(0, 255)
print("out", out.shape, out.mean().item(), gram_matrix(vgg(out).relu1)[0, 0, :3])
print("frozen", all(not p.requires_grad for p in vgg.parameters()), "in running stats:",
      net.down[1].running_mean is None)
