"""A tabular pipeline as in applied-ML tutorials: numeric features standardised with statistics
from the training split only, a continuous feature binned with torch.bucketize (right=False and
right=True) against quantile boundaries from torch.quantile, categorical columns one-hot encoded
with F.one_hot, an MLP trained with class weights for imbalance, early stopping with patience on
validation loss, and metrics: accuracy, precision/recall/F1 and ROC AUC from sorted scores."""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
n = 400
age = torch.rand(n) * 60 + 18
income = torch.randn(n) * 15 + 50
city = torch.randint(0, 4, (n,))
logit = 0.05 * (age - 40) + 0.04 * (income - 50) + torch.tensor([0.0, 0.5, -0.5, 1.0])[city] - 1.2
label = (torch.rand(n) < torch.sigmoid(logit)).long()
print("positives", label.sum().item(), "of", n)

perm = torch.randperm(n)
tr, va, te = perm[:240], perm[240:320], perm[320:]
num = torch.stack([age, income], 1)
mean, std = num[tr].mean(0), num[tr].std(0)
num_z = (num - mean) / std
bounds = torch.quantile(age[tr], torch.tensor([0.25, 0.5, 0.75]))
age_bin = torch.bucketize(age, bounds)
age_bin_r = torch.bucketize(age, bounds, right=True)
print("boundaries", bounds, torch.bincount(age_bin[tr], minlength=4).tolist(),
      torch.equal(age_bin, age_bin_r))
print("bucketize edges", torch.bucketize(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 3.0])),
      torch.bucketize(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 3.0]), right=True))
print("searchsorted", torch.searchsorted(bounds, torch.tensor([30.0, 60.0]), side="right"))
feats = torch.cat([num_z, F.one_hot(age_bin, 4).float(), F.one_hot(city, num_classes=4).float()], 1)
print("features", feats.shape, feats[0])

pos = label[tr].float().mean()
weight = torch.tensor([1 / (1 - pos), 1 / pos]) / 2
model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 2))
opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-4)
best, best_state, patience, wait = float("inf"), None, 5, 0
for epoch in range(100):
    model.train()
    for idx in tr[torch.randperm(len(tr))].split(32):
        loss = F.cross_entropy(model(feats[idx]), label[idx], weight=weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        val = F.cross_entropy(model(feats[va]), label[va], weight=weight).item()
    if val < best - 1e-4:
        best, best_state, wait = val, copy.deepcopy(model.state_dict()), 0
    else:
        wait += 1
        if wait >= patience:
            print("early stop at epoch", epoch)
            break
    if epoch % 5 == 0:
        print(f"epoch {epoch} val {val:.5f}")
model.load_state_dict(best_state)
model.eval()
with torch.no_grad():
    prob = model(feats[te]).softmax(1)[:, 1]
pred = (prob > 0.5).long()
yt = label[te]
tp = ((pred == 1) & (yt == 1)).sum().item()
fp = ((pred == 1) & (yt == 0)).sum().item()
fn = ((pred == 0) & (yt == 1)).sum().item()
prec, rec = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
print("best val", round(best, 5), "acc", (pred == yt).float().mean().item())
print("precision", round(prec, 4), "recall", round(rec, 4), "f1",
      round(2 * prec * rec / max(prec + rec, 1e-12), 4))
order = prob.argsort(descending=True)
ys = yt[order].float()
tpr = torch.cumsum(ys, 0) / ys.sum()
fpr = torch.cumsum(1 - ys, 0) / (1 - ys).sum()
auc = torch.trapezoid(torch.cat([torch.zeros(1), tpr]), torch.cat([torch.zeros(1), fpr]))
print("auc", round(auc.item(), 4))
