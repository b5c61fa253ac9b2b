"""Super-resolution (the ESPCN example): conv layers with orthogonal_ init and
calculate_gain, nn.PixelShuffle(upscale) and PixelUnshuffle, a downsampled target made with
F.interpolate(antialias=True) and avg_pool2d, PSNR from MSE, channels_last inputs, and
torch.nn.functional.pixel_shuffle on a batch."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(10)


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super().__init__()
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 16, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(16, 16, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(16, 8, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(8, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        return self.pixel_shuffle(self.conv4(x))

    def _initialize_weights(self):
        nn.init.orthogonal_(self.conv1.weight, nn.init.calculate_gain("relu"))
        nn.init.orthogonal_(self.conv2.weight, nn.init.calculate_gain("relu"))
        nn.init.orthogonal_(self.conv3.weight, nn.init.calculate_gain("relu"))
        nn.init.orthogonal_(self.conv4.weight)


model = Net(upscale_factor=2)
print(model.pixel_shuffle, nn.init.calculate_gain("leaky_relu", 0.2), nn.init.calculate_gain("tanh"))
w = model.conv2.weight.flatten(1)
print(torch.allclose(w @ w.T, 2.0 * torch.eye(16), atol=1e-4))
hr = torch.rand(4, 1, 16, 16)
lr = F.avg_pool2d(hr, 2)
lr2 = F.interpolate(hr, scale_factor=0.5, mode="bilinear", antialias=True, align_corners=False)
print(lr.shape, lr2.shape, (lr - lr2).abs().max().item() < 0.2)
criterion = nn.MSELoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(5):
    out = model(lr)
    loss = criterion(out, hr)
    opt.zero_grad()
    loss.backward()
    opt.step()
    psnr = 10 * math.log10(1 / loss.item())
    print(f"===> Epoch {epoch} Complete: Avg. Loss: {loss.item():.4f} PSNR {psnr:.4f} dB")
x = torch.arange(32.).view(1, 8, 2, 2)
ps = F.pixel_shuffle(x, 2)
print(ps.shape, ps[0, 0], torch.equal(F.pixel_unshuffle(ps, 2), x), nn.PixelUnshuffle(2)(ps).shape)
cl = torch.randn(2, 1, 8, 8).to(memory_format=torch.channels_last)
print(cl.is_contiguous(), cl.is_contiguous(memory_format=torch.channels_last), model(cl).shape)
m_cl = Net(3).to(memory_format=torch.channels_last)
print(m_cl(torch.randn(1, 1, 4, 4)).shape)
print(F.interpolate(torch.arange(16.).view(1, 1, 4, 4), size=(2, 2), mode="bicubic", antialias=True, align_corners=False))
print(F.interpolate(torch.arange(16.).view(1, 1, 4, 4), scale_factor=0.5, mode="area"))
