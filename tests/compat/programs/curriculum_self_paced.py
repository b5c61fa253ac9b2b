"""Curriculum and self-paced learning as research scripts write them: per-sample losses with
reduction='none' collected under torch.no_grad, difficulty scores turned into sampling weights
(easy first, then annealed toward uniform with a temperature), a WeightedRandomSampler(replacement=
True, generator=...) rebuilt every epoch and handed to a DataLoader, self-paced hard thresholding
(v_i = loss_i < lambda, lambda grown each epoch), focal-style reweighting, and per-difficulty-
bucket accuracy with torch.bucketize."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

torch.manual_seed(0)

N = 400
x = torch.randn(N, 2)
noise_level = torch.rand(N)                      # hidden difficulty
y = ((x[:, 0] + 0.5 * x[:, 1] + noise_level * torch.randn(N) * 2) > 0).long()
ds = TensorDataset(x, y, torch.arange(N))
print("positives", y.sum().item())


def make_model():
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))


def per_sample_losses(model):
    model.eval()
    with torch.no_grad():
        return F.cross_entropy(model(x), y, reduction="none")


def evaluate(model):
    model.eval()
    with torch.no_grad():
        correct = (model(x).argmax(1) == y).float()
    buckets = torch.bucketize(noise_level, torch.tensor([0.33, 0.66]))
    return [round(correct[buckets == b].mean().item(), 4) for b in range(3)]


# 1) curriculum by loss-based sampling weights, annealed to uniform
torch.manual_seed(1)
model = make_model()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
g = torch.Generator().manual_seed(42)
for epoch in range(5):
    losses = per_sample_losses(model)
    temperature = 0.5 + epoch                      # high temperature = nearly uniform
    weights = torch.softmax(-losses / temperature, dim=0)
    sampler = WeightedRandomSampler(weights, num_samples=N, replacement=True, generator=g)
    loader = DataLoader(ds, batch_size=50, sampler=sampler)
    model.train()
    seen = torch.zeros(N)
    for xb, yb, idx in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        seen.index_add_(0, idx, torch.ones(len(idx)))
    hard_frac = seen[noise_level > 0.66].sum() / seen.sum()
    print(f"curriculum epoch {epoch} temp {temperature:.1f} loss {loss.item():.4f} "
          f"max weight {weights.max().item() * N:.3f}x uniform, hard share {hard_frac.item():.3f}")
print("curriculum accuracy by difficulty", evaluate(model))

# 2) self-paced learning: hard threshold on the loss, lambda grows each epoch
torch.manual_seed(1)
model = make_model()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
lam, growth = 0.4, 1.5
for epoch in range(5):
    losses = per_sample_losses(model)
    v = (losses < lam).float()
    if v.sum() == 0:
        v = (losses <= losses.kthvalue(N // 10).values).float()
    model.train()
    perm = torch.randperm(N)
    for b in perm.split(50):
        l = F.cross_entropy(model(x[b]), y[b], reduction="none")
        loss = (l * v[b]).sum() / v[b].sum().clamp(min=1)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"self-paced epoch {epoch} lambda {lam:.3f} selected {int(v.sum().item())} "
          f"mean selected loss {(losses * v).sum().item() / max(v.sum().item(), 1):.4f}")
    lam *= growth
print("self-paced accuracy by difficulty", evaluate(model))

# 3) anti-curriculum: focal-style weights (1 - p_t)^gamma on the per-sample loss
torch.manual_seed(1)
model = make_model()
opt = torch.optim.Adam(model.parameters(), lr=0.02)
for step in range(60):
    model.train()
    logits = model(x)
    logp = F.log_softmax(logits, 1).gather(1, y[:, None]).squeeze(1)
    w = (1 - logp.exp()).pow(2.0).detach()
    loss = -(w * logp).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"focal loss {loss.item():.4f} weight range {w.min().item():.2e}..{w.max().item():.3f}")
print("focal accuracy by difficulty", evaluate(model))
print("sampler draws", list(WeightedRandomSampler([0.1, 0.0, 0.9], 8, generator=torch.Generator().manual_seed(3))))
