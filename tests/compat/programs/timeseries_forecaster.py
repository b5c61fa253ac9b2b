"""A time-series forecaster as in forecasting tutorials: a synthetic seasonal series, z-score
normalisation, sliding windows with Tensor.unfold, a Conv1d + GRU encoder with a linear head for a
multi-step horizon, TensorDataset + DataLoader(shuffle) after a torch.Generator seed, ReduceLROnPlateau,
autoregressive roll-out with torch.cat, and MAE/RMSE metrics."""
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
t = torch.arange(0, 300, dtype=torch.float32)
series = torch.sin(2 * math.pi * t / 24) + 0.5 * torch.sin(2 * math.pi * t / 7) + 0.01 * t
series = series + 0.1 * torch.randn_like(series)
train, test = series[:240], series[240:]
mu, sd = train.mean(), train.std()
norm = (series - mu) / sd

win, horizon = 24, 4
windows = norm[:240].unfold(0, win + horizon, 1)  # (N, win+horizon)
print(windows.shape, windows.stride(), windows[0, :3], windows[1, :3])
X, Y = windows[:, :win].unsqueeze(-1), windows[:, win:]
print(X.shape, Y.shape)
g = torch.Generator().manual_seed(42)
loader = DataLoader(TensorDataset(X, Y), batch_size=32, shuffle=True, generator=g)


class Forecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 8, kernel_size=5, padding=2, padding_mode="replicate")
        self.gru = nn.GRU(8, 16, num_layers=2, batch_first=True, dropout=0.1)
        self.head = nn.Linear(16, horizon)

    def forward(self, x):  # (B, T, 1)
        h = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
        out, hn = self.gru(h)
        return self.head(out[:, -1])


model = Forecaster()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
for epoch in range(4):
    model.train()
    total = 0.0
    for xb, yb in loader:
        loss = nn.functional.mse_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        val = nn.functional.mse_loss(model(X[-20:]), Y[-20:]).item()
    sched.step(val)
    print(epoch, f"{total / len(X):.5f}", f"{val:.5f}", opt.param_groups[0]["lr"])

with torch.no_grad():
    ctx = norm[240 - win:240].view(1, win, 1)
    preds = []
    for _ in range(60 // horizon):
        p = model(ctx)
        preds.append(p)
        ctx = torch.cat([ctx[:, horizon:], p.unsqueeze(-1)], dim=1)
    fc = torch.cat(preds, 1).squeeze(0) * sd + mu
    print("mae", (fc - test).abs().mean().item(), "rmse", (fc - test).pow(2).mean().sqrt().item())
    print(fc[:6])
x = torch.arange(10.0).view(2, 5)
print(x.unfold(1, 3, 2), x.unfold(0, 2, 1).shape, torch.arange(8).unfold(0, 4, 4))
print(nn.functional.unfold(torch.arange(16.0).view(1, 1, 4, 4), 2, stride=2))
