"""Tabular training from a CSV file as beginner tutorials do: write a CSV with the csv module,
read it back with numpy.genfromtxt / numpy.loadtxt, torch.from_numpy (float64 -> float32 via
.float()), shared memory between the array and the tensor, standardisation with mean/std(0),
one-hot categorical columns, TensorDataset + random_split(generator) + DataLoader, BCE training,
a confusion matrix with torch.bincount, and torch.save / torch.load of the model and scaler."""
import csv
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, random_split

rng = np.random.default_rng(0)
n = 200
age = rng.integers(18, 70, n)
income = rng.normal(50, 15, n).round(2)
city = rng.integers(0, 3, n)
label = ((income > 50) & (age < 50) | (city == 2)).astype(int)
with open("data.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["age", "income", "city", "label"])
    for row in zip(age, income, city, label):
        w.writerow(row)

data = np.genfromtxt("data.csv", delimiter=",", skip_header=1)
data2 = np.loadtxt("data.csv", delimiter=",", skiprows=1, dtype=np.float32)
print(data.shape, data.dtype, data2.dtype, np.allclose(data, data2, atol=1e-4))
t = torch.from_numpy(data)
print(t.dtype, t[:2])
data[0, 0] = 99.0
print("shared", t[0, 0].item())
num = t[:, :2].float()
mean, std = num.mean(0), num.std(0)
num = (num - mean) / std
cat = nn.functional.one_hot(t[:, 2].long(), 3).float()
X = torch.cat([num, cat], 1)
y = t[:, 3].float().unsqueeze(1)
print(X.shape, X[:3], mean, std)
ds = TensorDataset(X, y)
train_ds, val_ds = random_split(ds, [0.8, 0.2], generator=torch.Generator().manual_seed(0))
print(len(train_ds), len(val_ds), train_ds.indices[:5])
torch.manual_seed(0)
train_dl = DataLoader(train_ds, batch_size=16, shuffle=True, drop_last=True)
val_dl = DataLoader(val_ds, batch_size=64)
model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.BatchNorm1d(16), nn.Linear(16, 1),
                      nn.Sigmoid())
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
crit = nn.BCELoss()
for epoch in range(5):
    model.train()
    for xb, yb in train_dl:
        loss = crit(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        preds = torch.cat([model(xb) for xb, _ in val_dl])
        ys = torch.cat([yb for _, yb in val_dl])
    acc = ((preds > 0.5).float() == ys).float().mean()
    print(epoch, f"{loss.item():.5f}", f"{acc.item():.4f}")
cm = torch.bincount((ys.long() * 2 + (preds > 0.5).long()).view(-1), minlength=4).view(2, 2)
print(cm)
torch.save({"model": model.state_dict(), "mean": mean, "std": std}, "ckpt.pt")
ck = torch.load("ckpt.pt")
m2 = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.BatchNorm1d(16), nn.Linear(16, 1),
                   nn.Sigmoid())
m2.load_state_dict(ck["model"])
m2.eval()
print(list(ck["model"].keys())[:6], ck["model"]["2.num_batches_tracked"])
print(torch.allclose(m2(X[:4]), model(X[:4])), ck["mean"])
print(torch.from_numpy(np.arange(6, dtype=np.int32).reshape(2, 3)).T.contiguous().numpy().dtype)
print(torch.as_tensor([[1, 2], [3, 4]], dtype=torch.float64), torch.tensor(np.float32(2.5)))
os.remove("data.csv")
