"""Mixup and CutMix as training recipes write them: lam drawn from np.random.beta and from
torch.distributions.Beta, the batch permuted with torch.randperm, a random box from
np.random.randint clipped with np.clip, the label mix written both as a lam-weighted sum of
two cross entropies and as soft one-hot targets, on a small CNN."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Beta

torch.manual_seed(0)
np.random.seed(0)


def mixup_data(x, y, alpha=1.0):
    lam = np.random.beta(alpha, alpha) if alpha > 0 else 1
    index = torch.randperm(x.size(0))
    mixed_x = lam * x + (1 - lam) * x[index, :]
    return mixed_x, y, y[index], lam


def mixup_criterion(criterion, pred, y_a, y_b, lam):
    return lam * criterion(pred, y_a) + (1 - lam) * criterion(pred, y_b)


def rand_bbox(size, lam):
    W, H = size[2], size[3]
    cut_rat = np.sqrt(1.0 - lam)
    cut_w, cut_h = int(W * cut_rat), int(H * cut_rat)
    cx, cy = np.random.randint(W), np.random.randint(H)
    bbx1, bby1 = np.clip(cx - cut_w // 2, 0, W), np.clip(cy - cut_h // 2, 0, H)
    bbx2, bby2 = np.clip(cx + cut_w // 2, 0, W), np.clip(cy + cut_h // 2, 0, H)
    return bbx1, bby1, bbx2, bby2


def cutmix(x, y, alpha=1.0):
    lam = Beta(torch.tensor([alpha]), torch.tensor([alpha])).sample().item()
    rand_index = torch.randperm(x.size()[0])
    bbx1, bby1, bbx2, bby2 = rand_bbox(x.size(), lam)
    x = x.clone()
    x[:, :, bbx1:bbx2, bby1:bby2] = x[rand_index, :, bbx1:bbx2, bby1:bby2]
    lam = 1 - ((bbx2 - bbx1) * (bby2 - bby1) / (x.size()[-1] * x.size()[-2]))
    return x, y, y[rand_index], lam


net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                    nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(),
                    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 4))
images = torch.randn(64, 3, 8, 8)
labels = torch.randint(0, 4, (64,))
images += labels.view(-1, 1, 1, 1).float() * 0.5
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True)
for epoch in range(3):
    for i in range(0, 64, 16):
        inputs, targets = images[i:i + 16], labels[i:i + 16]
        if epoch % 2 == 0:
            inputs, targets_a, targets_b, lam = mixup_data(inputs, targets, alpha=0.4)
        else:
            inputs, targets_a, targets_b, lam = cutmix(inputs, targets, alpha=1.0)
        outputs = net(inputs)
        loss = mixup_criterion(criterion, outputs, targets_a, targets_b, lam)
        soft = lam * F.one_hot(targets_a, 4).float() + (1 - lam) * F.one_hot(targets_b, 4).float()
        loss_soft = torch.sum(-soft * F.log_softmax(outputs, dim=-1), dim=-1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"epoch {epoch} batch {i // 16} lam {float(lam):.4f} loss {loss.item():.4f} "
              f"soft {loss_soft.item():.4f}")
net.eval()
with torch.no_grad():
    acc = (net(images).argmax(1) == labels).float().mean()
print(f"train accuracy {acc.item():.4f}")
d = Beta(torch.tensor([0.5, 2.0]), torch.tensor([0.5, 3.0]))
print(d.mean, d.variance, d.log_prob(torch.tensor([0.3, 0.3])))
torch.manual_seed(7)
print(d.sample((3,)))
print(torch.distributions.Dirichlet(torch.tensor([0.5, 1.0, 2.0])).sample())
