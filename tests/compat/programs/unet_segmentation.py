"""A small U-Net for binary segmentation: double-conv blocks, MaxPool2d down, ConvTranspose2d and
F.interpolate up, torch.cat skip connections, BCEWithLogitsLoss + Dice loss, IoU metric."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class DoubleConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

    def forward(self, x):
        return self.net(x)


class UNet(nn.Module):
    def __init__(self, cin=1, ncls=1, base=4):
        super().__init__()
        self.inc = DoubleConv(cin, base)
        self.down1 = nn.Sequential(nn.MaxPool2d(2), DoubleConv(base, base * 2))
        self.down2 = nn.Sequential(nn.MaxPool2d(2), DoubleConv(base * 2, base * 4))
        self.up1 = nn.ConvTranspose2d(base * 4, base * 2, kernel_size=2, stride=2)
        self.conv1 = DoubleConv(base * 4, base * 2)
        self.conv2 = DoubleConv(base * 2 + base, base)
        self.outc = nn.Conv2d(base, ncls, kernel_size=1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        u = self.up1(x3)
        diffY, diffX = x2.size(2) - u.size(2), x2.size(3) - u.size(3)
        u = F.pad(u, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])
        u = self.conv1(torch.cat([x2, u], dim=1))
        u = F.interpolate(u, scale_factor=2, mode="bilinear", align_corners=True)
        u = self.conv2(torch.cat([x1, u], dim=1))
        return self.outc(u)


def dice_loss(logits, target, eps=1.0):
    p = torch.sigmoid(logits)
    inter = (p * target).sum(dim=(2, 3))
    union = p.sum(dim=(2, 3)) + target.sum(dim=(2, 3))
    return 1 - ((2 * inter + eps) / (union + eps)).mean()


def make_batch(n=4, size=16):
    imgs = torch.randn(n, 1, size, size) * 0.3
    masks = torch.zeros(n, 1, size, size)
    for i in range(n):
        r, c = torch.randint(2, size - 8, (2,)).tolist()
        masks[i, :, r:r + 6, c:c + 6] = 1.0
    return imgs + masks, masks


model = UNet()
print(model.up1, sum(p.numel() for p in model.parameters()))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
bce = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))
for step in range(8):
    x, y = make_batch()
    logits = model(x)
    loss = bce(logits, y) + dice_loss(logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 2 == 0:
        print(f"step {step} loss {loss.item():.4f} out {tuple(logits.shape)}")

model.eval()
with torch.no_grad():
    x, y = make_batch(2)
    pred = (torch.sigmoid(model(x)) > 0.5).float()
    inter = (pred * y).sum()
    union = ((pred + y) > 0).float().sum()
    print("iou", round((inter / union.clamp(min=1)).item(), 3), pred.mean().item() >= 0)
    odd = model(torch.randn(1, 1, 18, 22))
    print("odd size", odd.shape, F.interpolate(x, size=(7, 9), mode="nearest").shape)
    print(F.interpolate(torch.arange(8.).view(1, 1, 2, 4), scale_factor=1.5, mode="bicubic",
                        align_corners=False))
    print(model.inc.net[1].running_mean, model.inc.net[1].num_batches_tracked)
