"""Spatial transformer networks (the PyTorch tutorial): a localisation net regressing a 2x3
affine theta initialised to the identity, F.affine_grid + F.grid_sample (bilinear/nearest,
padding modes, align_corners), trained a few steps, plus grid_sample with a hand-made grid."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(21)


class STN(nn.Module):
    def __init__(self):
        super().__init__()
        self.localization = nn.Sequential(nn.Conv2d(1, 4, kernel_size=5), nn.MaxPool2d(2, stride=2),
                                          nn.ReLU(True), nn.Conv2d(4, 6, kernel_size=3),
                                          nn.MaxPool2d(2, stride=2), nn.ReLU(True))
        self.fc_loc = nn.Sequential(nn.Linear(6 * 2 * 2, 16), nn.ReLU(True), nn.Linear(16, 3 * 2))
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))
        self.cls = nn.Sequential(nn.Flatten(), nn.Linear(16 * 16, 4))

    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 6 * 2 * 2)
        theta = self.fc_loc(xs).view(-1, 2, 3)
        grid = F.affine_grid(theta, x.size(), align_corners=False)
        return F.grid_sample(x, grid, align_corners=False), theta

    def forward(self, x):
        x, theta = self.stn(x)
        return F.log_softmax(self.cls(x), dim=1), theta


model = STN()
x = torch.rand(8, 1, 16, 16)
y = torch.randint(0, 4, (8,))
out, theta = model(x)
print(theta[0], torch.allclose(model.stn(x)[0], x, atol=1e-5))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
for step in range(5):
    out, theta = model(x)
    loss = F.nll_loss(out, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(step, round(loss.item(), 5), theta[0].flatten())

img = torch.arange(16.).view(1, 1, 4, 4)
rot = torch.tensor([[[0.0, -1.0, 0.0], [1.0, 0.0, 0.0]]])
for ac in (True, False):
    g = F.affine_grid(rot, (1, 1, 4, 4), align_corners=ac)
    print(g[0, 0], F.grid_sample(img, g, align_corners=ac, mode="nearest")[0, 0])
zoom = torch.tensor([[[1.5, 0.0, 0.1], [0.0, 1.5, -0.2]]])
g = F.affine_grid(zoom, (1, 1, 5, 5), align_corners=False)
for pm in ("zeros", "border", "reflection"):
    print(pm, F.grid_sample(img, g, padding_mode=pm, align_corners=False)[0, 0, 0])
grid = torch.rand(1, 3, 2, 2) * 2 - 1
inp = torch.randn(1, 2, 4, 4, requires_grad=True)
grid.requires_grad_()
o = F.grid_sample(inp, grid, mode="bilinear", align_corners=True)
o.sum().backward()
print(o, inp.grad[0, 0], grid.grad[0, 0])
print(F.grid_sample(img, g, mode="bicubic", align_corners=False)[0, 0, 2])
vol = torch.randn(1, 1, 3, 4, 4)
g3 = F.affine_grid(torch.eye(3, 4)[None] * 0.9, (1, 1, 3, 4, 4), align_corners=False)
print(g3.shape, F.grid_sample(vol, g3, align_corners=False).shape)
