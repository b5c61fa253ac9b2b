"""Modern image-classification regularisers written by hand as timm-style training scripts do:
RandomErasing (area/aspect sampled with math.exp of a log-uniform, per-pixel normal fill) on a
batch, DropPath/stochastic depth with keep-prob scaling and a linearly increasing drop rate per
block (torch.linspace(0, rate, depth)), a squeeze-and-excitation block, cross-entropy with
label_smoothing= and with soft (mixup) probability targets, a SoftTargetCrossEntropy by hand,
and eval() turning DropPath into the identity."""
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(43)
random.seed(43)


class RandomErasing:
    def __init__(self, probability=0.5, min_area=0.02, max_area=1 / 3, min_aspect=0.3):
        self.p, self.min_area, self.max_area = probability, min_area, max_area
        self.log_aspect = (math.log(min_aspect), math.log(1 / min_aspect))

    def erase_one(self, img):
        if random.random() > self.p:
            return img, 0
        c, h, w = img.shape
        area = h * w
        for _ in range(10):
            target = random.uniform(self.min_area, self.max_area) * area
            aspect = math.exp(random.uniform(*self.log_aspect))
            eh = int(round(math.sqrt(target * aspect)))
            ew = int(round(math.sqrt(target / aspect)))
            if ew < w and eh < h:
                top, left = random.randint(0, h - eh), random.randint(0, w - ew)
                img[:, top:top + eh, left:left + ew] = torch.empty((c, eh, ew)).normal_()
                return img, eh * ew
        return img, 0

    def __call__(self, batch):
        sizes = []
        for i in range(batch.shape[0]):
            batch[i], s = self.erase_one(batch[i])
            sizes.append(s)
        return batch, sizes


def drop_path(x, drop_prob=0.0, training=False, scale_by_keep=True):
    if drop_prob == 0.0 or not training:
        return x
    keep_prob = 1 - drop_prob
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    random_tensor = x.new_empty(shape).bernoulli_(keep_prob)
    if keep_prob > 0.0 and scale_by_keep:
        random_tensor.div_(keep_prob)
    return x * random_tensor


class DropPath(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.drop_prob = p

    def forward(self, x):
        return drop_path(x, self.drop_prob, self.training)

    def extra_repr(self):
        return f"drop_prob={round(self.drop_prob, 3):0.3f}"


class SE(nn.Module):
    def __init__(self, c, r=4):
        super().__init__()
        self.fc1, self.fc2 = nn.Conv2d(c, c // r, 1), nn.Conv2d(c // r, c, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        return x * torch.sigmoid(self.fc2(F.relu(self.fc1(s))))


class Block(nn.Module):
    def __init__(self, c, dp):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
                                  nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), SE(c))
        self.drop_path = DropPath(dp)

    def forward(self, x):
        return F.relu(x + self.drop_path(self.conv(x)))


depth = 4
dpr = [x.item() for x in torch.linspace(0, 0.3, depth)]
model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), *[Block(8, p) for p in dpr],
                      nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))
print("drop rates", [round(p, 4) for p in dpr], model[4].drop_path)


def soft_target_ce(x, target):
    return torch.sum(-target * F.log_softmax(x, dim=-1), dim=-1).mean()


eraser = RandomErasing(probability=0.7)
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-5)
for step in range(6):
    x = torch.rand(6, 3, 8, 8)
    y = torch.randint(0, 5, (6,))
    x, sizes = eraser(x)
    out = model(x)
    if step % 2 == 0:
        loss = F.cross_entropy(out, y, label_smoothing=0.1)
    else:
        lam = 0.7
        perm = torch.randperm(6)
        soft = lam * F.one_hot(y, 5).float() + (1 - lam) * F.one_hot(y[perm], 5).float()
        loss = F.cross_entropy(out, soft, label_smoothing=0.1)
        print("   soft-target by hand", soft_target_ce(out, soft * 0.9 + 0.1 / 5).item())
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.5f} erased {sizes}")
model.eval()
x = torch.rand(2, 3, 8, 8)
print("eval deterministic", torch.equal(model(x), model(x)), model(x)[0])
print("drop_path train mean", drop_path(torch.ones(1000, 1), 0.25, True).mean().item())
