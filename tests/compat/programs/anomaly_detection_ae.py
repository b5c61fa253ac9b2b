"""Anomaly detection with an autoencoder on sensor windows, as tutorials write it: a normal
regime of noisy sinusoids, anomalies with spikes, level shifts and frequency changes, a Conv1d
encoder / ConvTranspose1d decoder trained on normal windows only with L1 loss, the threshold as
the 99th percentile of training reconstruction errors (torch.quantile), per-window and
per-timestep scores, precision/recall/F1 computed by hand, ROC-AUC by ranking with argsort,
and an LSTM autoencoder variant repeating the latent code over time."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
L = 32


def normal_windows(n):
    t = torch.arange(L, dtype=torch.float32)
    phase = torch.rand(n, 1) * 6.28
    freq = 0.2 + 0.02 * torch.randn(n, 1)
    return torch.sin(freq * t + phase) + 0.05 * torch.randn(n, L)


def anomalous_windows(n):
    x = normal_windows(n)
    kind = torch.arange(n) % 3
    pos = torch.randint(4, L - 4, (n,))
    for i in range(n):
        if kind[i] == 0:
            x[i, pos[i]] += 3.0
        elif kind[i] == 1:
            x[i, pos[i]:] += 1.5
        else:
            t = torch.arange(L, dtype=torch.float32)
            x[i] = torch.sin(0.7 * t) + 0.05 * torch.randn(L)
    return x


train = normal_windows(256).unsqueeze(1)
test_x = torch.cat([normal_windows(60), anomalous_windows(30)]).unsqueeze(1)
test_y = torch.cat([torch.zeros(60), torch.ones(30)]).bool()


class ConvAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv1d(1, 16, 7, padding=3, stride=2), nn.ReLU(),
            nn.Conv1d(16, 8, 7, padding=3, stride=2), nn.ReLU())
        self.decoder = nn.Sequential(
            nn.ConvTranspose1d(8, 16, 7, padding=3, stride=2, output_padding=1), nn.ReLU(),
            nn.ConvTranspose1d(16, 1, 7, padding=3, stride=2, output_padding=1))

    def forward(self, x):
        return self.decoder(self.encoder(x))


class LSTMAE(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.enc = nn.LSTM(1, hidden, batch_first=True)
        self.dec = nn.LSTM(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        seq = x.transpose(1, 2)
        _, (h, _) = self.enc(seq)
        z = h[-1].unsqueeze(1).repeat(1, seq.shape[1], 1)
        y, _ = self.dec(z)
        return self.out(y).transpose(1, 2)


def fit(model, epochs, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        perm = torch.randperm(len(train))
        for k in range(0, len(train), 64):
            xb = train[perm[k:k + 64]]
            loss = F.l1_loss(model(xb), xb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return loss.item()


def auc(scores, labels):
    order = scores.argsort()
    ranks = torch.empty_like(scores)
    ranks[order] = torch.arange(1, len(scores) + 1, dtype=scores.dtype)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    return ((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)).item()


for name, model, epochs, lr in (("conv", ConvAE(), 15, 5e-3), ("lstm", LSTMAE(), 4, 1e-2)):
    last = fit(model, epochs, lr)
    model.eval()
    with torch.no_grad():
        train_err = (model(train) - train).abs().mean((1, 2))
        threshold = torch.quantile(train_err, 0.99)
        recon = model(test_x)
        per_step = (recon - test_x).abs().squeeze(1)
        score = per_step.mean(1)
    pred = score > threshold
    tp = (pred & test_y).sum().item()
    fp = (pred & ~test_y).sum().item()
    fn = (~pred & test_y).sum().item()
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-8)
    print(name, f"{last:.5f} thr={threshold.item():.5f}", tp, fp, fn,
          f"P={precision:.4f} R={recall:.4f} F1={f1:.4f} AUC={auc(score, test_y):.4f}")
    print(per_step[60:63].argmax(1), score[58:62])
