"""k-fold cross-validation as scikit-learn users rebuild it in PyTorch: a Dataset, shuffled
indices from torch.randperm split with torch.tensor_split into folds, Subset for the train and
validation parts, a fresh model per fold via reset_parameters over model.modules(), per-fold
early best epoch, mean and std of the fold scores, ConcatDataset and random_split for a final
hold-out check, and the out-of-fold predictions assembled with index_copy_."""
import torch
import torch.nn as nn
from torch.utils.data import ConcatDataset, DataLoader, Dataset, Subset, random_split


class Moons(Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        t = torch.rand(n, generator=g) * 3.1416
        lab = torch.randint(0, 2, (n,), generator=g)
        x = torch.stack([torch.cos(t), torch.sin(t)], 1)
        x = torch.where(lab[:, None] == 1, 1 - x * torch.tensor([1.0, 1.0]) - torch.tensor([0, 0.5]),
                        x)
        self.x = x + 0.15 * torch.randn(n, 2, generator=g)
        self.y = lab

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def make_model():
    return nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                         nn.Linear(32, 2))


def reset_weights(m):
    for layer in m.modules():
        if hasattr(layer, "reset_parameters"):
            layer.reset_parameters()


torch.manual_seed(0)
dataset = Moons(300, 0)
k = 5
folds = torch.tensor_split(torch.randperm(len(dataset)), k)
print([len(f) for f in folds])
model = make_model()
oof = torch.zeros(len(dataset), dtype=torch.long)
scores = []
for fold, val_ids in enumerate(folds):
    train_ids = torch.cat([f for j, f in enumerate(folds) if j != fold])
    train_loader = DataLoader(Subset(dataset, train_ids.tolist()), batch_size=32, shuffle=True)
    val_loader = DataLoader(Subset(dataset, val_ids.tolist()), batch_size=100)
    reset_weights(model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    best = (0.0, -1)
    for epoch in range(6):
        model.train()
        for xb, yb in train_loader:
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        correct, preds = 0, []
        with torch.no_grad():
            for xb, yb in val_loader:
                p = model(xb).argmax(1)
                correct += (p == yb).sum().item()
                preds.append(p)
        acc = correct / len(val_ids)
        if acc > best[0]:
            best = (acc, epoch)
            oof.index_copy_(0, val_ids, torch.cat(preds))
    scores.append(best[0])
    print(f"fold {fold}: best acc {best[0]:.4f} at epoch {best[1]}, last loss {loss.item():.5f}")
s = torch.tensor(scores)
print(f"cv {s.mean().item():.4f} +- {s.std().item():.4f}", (oof == dataset.y).float().mean())

full = ConcatDataset([dataset, Moons(100, 1)])
train_set, hold = random_split(full, [0.8, 0.2], generator=torch.Generator().manual_seed(42))
print(len(full), len(train_set), len(hold), hold.indices[:5])
reset_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(4):
    for xb, yb in DataLoader(train_set, batch_size=64, shuffle=True):
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
xs, ys = map(torch.stack, zip(*[hold[i] for i in range(len(hold))]))
with torch.no_grad():
    print("hold-out", (model(xs).argmax(1) == ys).float().mean().item(), f"{loss.item():.5f}")
