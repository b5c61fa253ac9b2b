"""Sequence-to-sequence forecasting with an LSTM encoder-decoder, as forecasting blog posts write
it: a multivariate synthetic series, min-max scaling fitted on the train part, windows
(input_len, target_len) with a Dataset, an nn.LSTM encoder (2 layers, dropout, batch_first=True)
whose (h, c) initialise an LSTMCell-free decoder nn.LSTM fed one step at a time, teacher forcing
with a decaying ratio drawn by random.random(), gradient clipping, MultiStepLR, and recursive
forecasts inverse-scaled, with MAE per horizon step."""
import math
import random

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

random.seed(0)
torch.manual_seed(0)
T = 400
t = torch.arange(T, dtype=torch.float32)
series = torch.stack([torch.sin(2 * math.pi * t / 25) + 0.1 * torch.randn(T),
                      0.5 * torch.cos(2 * math.pi * t / 40) + 0.01 * t], 1)
train_end = 300
mn, mx = series[:train_end].min(0).values, series[:train_end].max(0).values
scaled = (series - mn) / (mx - mn)
print(mn, mx, scaled.shape)


class Windows(Dataset):
    def __init__(self, data, input_len=24, target_len=6):
        self.data, self.i, self.o = data, input_len, target_len

    def __len__(self):
        return len(self.data) - self.i - self.o + 1

    def __getitem__(self, k):
        return self.data[k:k + self.i], self.data[k + self.i:k + self.i + self.o]


class Encoder(nn.Module):
    def __init__(self, n_features, hidden, layers):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden, num_layers=layers, batch_first=True, dropout=0.1)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return h, c


class Decoder(nn.Module):
    def __init__(self, n_features, hidden, layers):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden, num_layers=layers, batch_first=True, dropout=0.1)
        self.fc = nn.Linear(hidden, n_features)

    def forward(self, x, h, c):
        out, (h, c) = self.lstm(x.unsqueeze(1), (h, c))
        return self.fc(out.squeeze(1)), h, c


class Seq2Seq(nn.Module):
    def __init__(self, n_features=2, hidden=32, layers=2):
        super().__init__()
        self.encoder = Encoder(n_features, hidden, layers)
        self.decoder = Decoder(n_features, hidden, layers)

    def forward(self, src, target_len, trg=None, teacher_forcing_ratio=0.0):
        h, c = self.encoder(src)
        x = src[:, -1, :]
        outputs = torch.zeros(src.shape[0], target_len, src.shape[2])
        for step in range(target_len):
            pred, h, c = self.decoder(x, h, c)
            outputs[:, step] = pred
            if trg is not None and random.random() < teacher_forcing_ratio:
                x = trg[:, step]
            else:
                x = pred
        return outputs


train_ds = Windows(scaled[:train_end])
test_ds = Windows(scaled[train_end - 24:])
loader = DataLoader(train_ds, batch_size=32, shuffle=True, drop_last=True)
print(len(train_ds), len(test_ds), [tuple(a.shape) for a in train_ds[0]])
model = Seq2Seq()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 3], gamma=0.5)
criterion = nn.MSELoss()
for epoch in range(4):
    model.train()
    tf = 0.6 * (0.5 ** epoch)
    total, nb = 0.0, 0
    for src, trg in loader:
        out = model(src, 6, trg, teacher_forcing_ratio=tf)
        loss = criterion(out, trg)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        opt.step()
        total += loss.item()
        nb += 1
    sched.step()
    print(epoch, f"tf={tf:.3f}", f"{total / nb:.6f}", sched.get_last_lr())
model.eval()
with torch.no_grad():
    src = torch.stack([test_ds[k][0] for k in range(len(test_ds))])
    trg = torch.stack([test_ds[k][1] for k in range(len(test_ds))])
    pred = model(src, 6)
    inv = pred * (mx - mn) + mn
    true = trg * (mx - mn) + mn
    mae = (inv - true).abs().mean((0, 2))
print("MAE per step", mae)
print(inv[0], true[0])
