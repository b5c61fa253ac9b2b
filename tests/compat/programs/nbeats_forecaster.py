"""N-BEATS (Oreshkin et al.) as its reference implementations write it: generic blocks of
fully connected layers emitting backcast and forecast through theta projections, trend blocks
with a fixed polynomial basis and seasonality blocks with a Fourier basis registered as buffers,
doubly residual stacking (x = x - backcast; forecast = forecast + f), MASE/sMAPE losses, windows
from Tensor.unfold, and evaluation under torch.no_grad with model.eval()."""
import math

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
np.random.seed(0)

backcast_len, horizon = 24, 8

t = np.arange(600, dtype=np.float32)
series = 10 + 0.02 * t + 2 * np.sin(2 * np.pi * t / 12) + np.random.randn(600).astype(np.float32) * 0.3
series = torch.from_numpy(series)
windows = series.unfold(0, backcast_len + horizon, 1)
x_all, y_all = windows[:, :backcast_len], windows[:, backcast_len:]
n_train = 450
print("windows", windows.shape, x_all.dtype)


class Block(nn.Module):
    def __init__(self, units, thetas_dim, basis=None, share_thetas=False):
        super().__init__()
        self.fc = nn.Sequential(
            nn.Linear(backcast_len, units), nn.ReLU(),
            nn.Linear(units, units), nn.ReLU(),
            nn.Linear(units, units), nn.ReLU())
        if share_thetas:
            self.theta_b = self.theta_f = nn.Linear(units, thetas_dim, bias=False)
        else:
            self.theta_b = nn.Linear(units, thetas_dim, bias=False)
            self.theta_f = nn.Linear(units, thetas_dim, bias=False)
        if basis is None:
            self.backcast_fc = nn.Linear(thetas_dim, backcast_len)
            self.forecast_fc = nn.Linear(thetas_dim, horizon)
        else:
            self.register_buffer("Tb", basis[0])
            self.register_buffer("Tf", basis[1])
        self.generic = basis is None

    def forward(self, x):
        h = self.fc(x)
        tb, tf = self.theta_b(h), self.theta_f(h)
        if self.generic:
            return self.backcast_fc(tb), self.forecast_fc(tf)
        return tb @ self.Tb, tf @ self.Tf


def linspace(b, f):
    ls = np.arange(-b, f, 1) / b
    return torch.tensor(ls[:b], dtype=torch.float32), torch.tensor(ls[b:], dtype=torch.float32)


def trend_basis(p):
    tb, tf = linspace(backcast_len, horizon)
    return (torch.stack([tb ** i for i in range(p)]), torch.stack([tf ** i for i in range(p)]))


def seasonality_basis(p):
    tb, tf = linspace(backcast_len, horizon)
    p1, p2 = (p // 2, p // 2) if p % 2 == 0 else (p // 2, p // 2 + 1)
    def make(tt):
        s1 = torch.stack([torch.cos(2 * math.pi * i * tt) for i in range(p1)])
        s2 = torch.stack([torch.sin(2 * math.pi * i * tt) for i in range(p2)])
        return torch.cat([s1, s2])
    return make(tb), make(tf)


class NBeats(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList(
            [Block(64, 3, trend_basis(3), share_thetas=True) for _ in range(2)]
            + [Block(64, 8, seasonality_basis(8), share_thetas=True) for _ in range(2)]
            + [Block(64, 6) for _ in range(2)])

    def forward(self, x):
        forecast = torch.zeros(x.size(0), horizon)
        for b in self.blocks:
            bc, f = b(x)
            x = x - bc
            forecast = forecast + f
        return x, forecast


def smape(y, yhat):
    return 200 * torch.mean((y - yhat).abs() / (y.abs() + yhat.abs() + 1e-8))


def mase(x, y, yhat, m=12):
    scale = (x[:, m:] - x[:, :-m]).abs().mean(1, keepdim=True)
    return ((y - yhat).abs() / scale).mean()


model = NBeats()
print("parameters", sum(p.numel() for p in model.parameters()))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
mu = x_all[:n_train].mean()
sd = x_all[:n_train].std()
for epoch in range(6):
    model.train()
    perm = torch.randperm(n_train)
    total = 0.0
    for i in range(0, n_train, 64):
        idx = perm[i:i + 64]
        xb, yb = (x_all[idx] - mu) / sd, (y_all[idx] - mu) / sd
        _, f = model(xb)
        loss = nn.functional.mse_loss(f, yb)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        total += loss.item() * len(idx)
    print(f"epoch {epoch} train mse {total / n_train:.5f}")

model.eval()
with torch.no_grad():
    xt, yt = x_all[n_train:], y_all[n_train:]
    resid, f = model((xt - mu) / sd)
    pred = f * sd + mu
    print("test sMAPE", round(smape(yt, pred).item(), 4))
    print("test MASE", round(mase(xt, yt, pred).item(), 4))
    print("residual norm", resid.norm(dim=1).mean().item())
    print("first forecast", pred[0])
    print("naive seasonal sMAPE", round(smape(yt, xt[:, -12:-4]).item(), 4))
