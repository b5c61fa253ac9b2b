"""Class imbalance and label smoothing as training scripts write them: class weights from
inverse frequencies (torch.bincount), nn.CrossEntropyLoss(weight=..., label_smoothing=...,
ignore_index=...), the same loss written by hand (log_softmax, scatter_ of the smoothed
distribution, fill_, weighted mean) for comparison, probability targets, a
WeightedRandomSampler-fed DataLoader, and per-class precision/recall with a confusion matrix."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

torch.manual_seed(77)
C = 4


class LabelSmoothingCrossEntropy(nn.Module):
    """The hand-written version from before PyTorch had label_smoothing=."""

    def __init__(self, smoothing=0.1):
        super().__init__()
        self.smoothing = smoothing

    def forward(self, pred, target):
        logp = pred.log_softmax(dim=-1)
        with torch.no_grad():
            true_dist = torch.zeros_like(logp)
            true_dist.fill_(self.smoothing / (pred.size(-1) - 1))
            true_dist.scatter_(1, target.data.unsqueeze(1), 1.0 - self.smoothing)
        return torch.mean(torch.sum(-true_dist * logp, dim=-1))


counts = torch.tensor([120, 40, 25, 15])
y = torch.cat([torch.full((int(n),), i) for i, n in enumerate(counts)])
x = torch.randn(len(y), 6) + F.one_hot(y, 6)[:, :6].float() * 1.5
print("bincount", torch.bincount(y).tolist())
class_weights = len(y) / (C * torch.bincount(y).float())
print("class weights", class_weights)

logits = torch.randn(8, C, requires_grad=True)
target = torch.tensor([0, 1, 2, 3, 0, 1, -100, 2])
for ls in (0.0, 0.1, 0.3):
    crit = nn.CrossEntropyLoss(weight=class_weights, label_smoothing=ls, ignore_index=-100)
    loss = crit(logits, target)
    g, = torch.autograd.grad(loss, logits)
    print(f"ls={ls} weighted loss {loss.item():.5f} grad[6] {g[6].abs().sum().item():.1f} "
          f"grad[0] {g[0]}")
valid = target != -100
print("hand-written (K-1 spread):", LabelSmoothingCrossEntropy(0.1)(logits[valid], target[valid]))
print("builtin (K spread):", F.cross_entropy(logits[valid], target[valid], label_smoothing=0.1))
soft = F.softmax(torch.randn(8, C), dim=1)
print("prob targets", F.cross_entropy(logits, soft, label_smoothing=0.2),
      F.cross_entropy(logits, soft, weight=class_weights, reduction="sum"))
print("none", F.cross_entropy(logits, target, reduction="none", label_smoothing=0.1))

sample_weights = class_weights[y]
sampler = WeightedRandomSampler(sample_weights, num_samples=len(y), replacement=True)
loader = DataLoader(TensorDataset(x, y), batch_size=50, sampler=sampler)
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, C))
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(4):
    seen = torch.zeros(C, dtype=torch.long)
    total = 0.0
    for xb, yb in loader:
        seen += torch.bincount(yb, minlength=C)
        loss = criterion(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(yb)
    print(f"epoch {epoch} loss {total / len(y):.4f} sampled per class {seen.tolist()}")

with torch.no_grad():
    pred = model(x).argmax(1)
conf = torch.zeros(C, C, dtype=torch.int64)
for t, p in zip(y, pred):
    conf[t, p] += 1
print(conf)
precision = conf.diag() / conf.sum(0).clamp(min=1)
recall = conf.diag() / conf.sum(1)
f1 = 2 * precision * recall / (precision + recall)
print("precision", precision, "recall", recall)
print(f"macro f1 {f1.mean().item():.4f} balanced acc {recall.mean().item():.4f}")
