"""A tabular classifier as Kaggle notebooks write one: categorical columns label-encoded with
pandas-free dict lookups, one nn.Embedding per column with the fastai size rule
min(50, (n + 1) // 2), continuous columns through BatchNorm1d, embedding dropout, an imbalanced
target handled three ways: CrossEntropyLoss(weight=class weights), a hand-written focal loss with
gather and alpha, and a WeightedRandomSampler drawing minority rows more often; per-class recall
from a confusion matrix built with torch.bincount."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

torch.manual_seed(0)
n = 600
cities = ["paris", "lyon", "nice", "lille", "nantes"]
jobs = ["eng", "doc", "art", "law", "chef", "dev", "ops"]
g = torch.Generator().manual_seed(1)
city_col = [cities[i] for i in torch.randint(0, len(cities), (n,), generator=g).tolist()]
job_col = [jobs[i] for i in torch.randint(0, len(jobs), (n,), generator=g).tolist()]
cont = torch.randn(n, 3, generator=g) * torch.tensor([10.0, 1.0, 0.1]) + torch.tensor([40, 0, 1])
vocab = {c: {v: i for i, v in enumerate(sorted(set(col)))} for c, col in
         (("city", city_col), ("job", job_col))}
cat = torch.tensor([[vocab["city"][a], vocab["job"][b]] for a, b in zip(city_col, job_col)])
logit = 0.08 * (cont[:, 0] - 40) + 1.5 * (cat[:, 1] == 2).float() - 2.0 + cont[:, 1]
y = (logit > 0.5).long()
print(cat[:3].tolist(), cont.shape, torch.bincount(y).tolist())
emb_szs = [(len(vocab[c]), min(50, (len(vocab[c]) + 1) // 2)) for c in ("city", "job")]
print(emb_szs)


class TabularModel(nn.Module):
    def __init__(self, emb_szs, n_cont, out_sz, layers, ps=0.1, emb_drop=0.05):
        super().__init__()
        self.embeds = nn.ModuleList([nn.Embedding(ni, nf) for ni, nf in emb_szs])
        self.emb_drop = nn.Dropout(emb_drop)
        self.bn_cont = nn.BatchNorm1d(n_cont)
        n_emb = sum(e.embedding_dim for e in self.embeds)
        sizes = [n_emb + n_cont] + layers
        mods = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            mods += [nn.Linear(a, b), nn.ReLU(inplace=True), nn.BatchNorm1d(b), nn.Dropout(ps)]
        mods.append(nn.Linear(sizes[-1], out_sz))
        self.layers = nn.Sequential(*mods)

    def forward(self, x_cat, x_cont):
        x = torch.cat([e(x_cat[:, i]) for i, e in enumerate(self.embeds)], 1)
        x = self.emb_drop(x)
        x = torch.cat([x, self.bn_cont(x_cont)], 1)
        return self.layers(x)


def focal_loss(logits, target, gamma=2.0, alpha=None):
    logp = F.log_softmax(logits, dim=1)
    logpt = logp.gather(1, target.unsqueeze(1)).squeeze(1)
    pt = logpt.exp()
    loss = -((1 - pt) ** gamma) * logpt
    if alpha is not None:
        loss = alpha.gather(0, target) * loss
    return loss.mean()


counts = torch.bincount(y).float()
class_weights = counts.sum() / (len(counts) * counts)
print("class weights", class_weights)
train_idx, test_idx = torch.arange(0, 480), torch.arange(480, n)


def evaluate(model):
    model.eval()
    with torch.no_grad():
        pred = model(cat[test_idx], cont[test_idx]).argmax(1)
    cm = torch.bincount(y[test_idx] * 2 + pred, minlength=4).reshape(2, 2)
    recall = cm.diag().float() / cm.sum(1).clamp(min=1)
    return cm.tolist(), [round(r, 4) for r in recall.tolist()]


for mode in ("weighted_ce", "focal", "sampler"):
    torch.manual_seed(0)
    model = TabularModel(emb_szs, 3, 2, [32, 16])
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-4)
    ds = TensorDataset(cat[train_idx], cont[train_idx], y[train_idx])
    if mode == "sampler":
        sample_weights = class_weights[y[train_idx]]
        sampler = WeightedRandomSampler(sample_weights, num_samples=len(ds), replacement=True)
        dl = DataLoader(ds, batch_size=64, sampler=sampler)
    else:
        dl = DataLoader(ds, batch_size=64, shuffle=True)
    crit = nn.CrossEntropyLoss(weight=class_weights)
    for epoch in range(4):
        model.train()
        total, seen = 0.0, 0
        for xc, xn, yb in dl:
            out = model(xc, xn)
            if mode == "weighted_ce":
                loss = crit(out, yb)
            elif mode == "focal":
                loss = focal_loss(out, yb, alpha=class_weights / class_weights.sum())
            else:
                loss = F.cross_entropy(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
            seen += len(yb)
        if mode == "sampler" and epoch == 0:
            print("minority share in epoch 0", f"{yb.float().mean().item():.4f}")
    print(mode, f"{total / seen:.5f}", *evaluate(model))
