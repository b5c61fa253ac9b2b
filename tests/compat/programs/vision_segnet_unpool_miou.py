"""SegNet-style segmentation on synthetic shapes: an encoder with MaxPool2d(return_indices=True)
and a decoder with MaxUnpool2d reusing the indices (output_size given), cross entropy with
ignore_index=255 on border pixels and class weights from inverse frequency, a combined soft Dice
+ CE loss, pixel accuracy and mean IoU from a confusion matrix built with bincount over
num_classes * target + pred, and per-class IoU with nan for absent classes (nanmean)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(31)
NC = 3


def make_batch(n, size=16):
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    imgs, masks = [], []
    for _ in range(n):
        cx, cy, r = torch.randint(4, 12, (3,)).tolist()
        circle = ((xx - cx) ** 2 + (yy - cy) ** 2) < (r // 2 + 2) ** 2
        square = (xx > 10) & (yy < 5)
        mask = torch.zeros(size, size, dtype=torch.long)
        mask[circle] = 1
        mask[square] = 2
        img = torch.stack([mask.float() * 0.4, (mask == 2).float(), circle.float() * 0.3])
        imgs.append(img + 0.1 * torch.randn(3, size, size))
        mask[0, :] = 255
        masks.append(mask)
    return torch.stack(imgs), torch.stack(masks)


class SegNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc1 = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.enc2 = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.pool = nn.MaxPool2d(2, 2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2, 2)
        self.dec2 = nn.Sequential(nn.Conv2d(16, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.dec1 = nn.Conv2d(8, NC, 3, padding=1)

    def forward(self, x):
        h1 = self.enc1(x)
        p1, i1 = self.pool(h1)
        h2 = self.enc2(p1)
        p2, i2 = self.pool(h2)
        u2 = self.unpool(p2, i2, output_size=h2.size())
        d2 = self.dec2(u2)
        u1 = self.unpool(d2, i1, output_size=h1.size())
        return self.dec1(u1)


def dice_loss(logits, target, ignore=255, eps=1.0):
    valid = (target != ignore).unsqueeze(1).float()
    t = target.clone()
    t[t == ignore] = 0
    probs = logits.softmax(1) * valid
    onehot = F.one_hot(t, NC).permute(0, 3, 1, 2).float() * valid
    inter = (probs * onehot).sum(dim=(0, 2, 3))
    denom = probs.sum(dim=(0, 2, 3)) + onehot.sum(dim=(0, 2, 3))
    return 1 - ((2 * inter + eps) / (denom + eps)).mean()


def confusion(pred, target, ignore=255):
    k = target != ignore
    return torch.bincount(NC * target[k] + pred[k], minlength=NC ** 2).reshape(NC, NC)


x, y = make_batch(8)
counts = torch.bincount(y[y != 255], minlength=NC).float()
weights = counts.sum() / (NC * counts)
print("class weights", weights)
pool = nn.MaxPool2d(2, 2, return_indices=True)
p, idx = pool(x[:1, :1, :4, :4])
print("indices", idx.flatten().tolist(), nn.MaxUnpool2d(2)(p, idx).flatten()[:8])

model = SegNet()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
ce = nn.CrossEntropyLoss(weight=weights, ignore_index=255)
for step in range(20):
    x, y = make_batch(8)
    logits = model(x)
    loss = ce(logits, y) + dice_loss(logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 0:
        print(f"step {step} loss {loss.item():.4f}")

model.eval()
with torch.no_grad():
    x, y = make_batch(8)
    pred = model(x).argmax(1)
cm = confusion(pred, y)
iou = cm.diag().float() / (cm.sum(0) + cm.sum(1) - cm.diag()).float()
iou = torch.where(cm.sum(1) > 0, iou, torch.tensor(float("nan")))
print("confusion\n", cm)
print("pixel acc", (cm.diag().sum() / cm.sum()).item(), "iou", iou, "miou", iou.nanmean().item())
