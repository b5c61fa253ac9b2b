"""A keyword-spotting-style CNN on synthetic tone "words": each class is a pair of tones with
a class-specific pitch contour, rendered with random phase, gain and noise; features are
log-magnitude STFTs computed in the Dataset; a small Conv2d/BatchNorm/AdaptiveAvgPool model is
trained with AdamW and a cosine schedule, and evaluated with per-class accuracy."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
SR, N = 4000, 2000
FREQS = [(300, 600), (500, 300), (800, 1000), (1000, 700)]


class Tones(Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, len(FREQS), (n,), generator=g)
        self.gains = 0.5 + torch.rand(n, generator=g)
        self.phases = 2 * math.pi * torch.rand(n, 2, generator=g)
        self.noise = 0.3 * torch.randn(n, N, generator=g)
        self.window = torch.hann_window(128)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        f1, f2 = FREQS[self.labels[i]]
        t = torch.arange(N) / SR
        freq = f1 + (f2 - f1) * t / t[-1]
        wave = self.gains[i] * torch.sin(2 * math.pi * torch.cumsum(freq, 0) / SR
                                         + self.phases[i, 0]) + self.noise[i]
        spec = torch.stft(wave, 128, hop_length=64, window=self.window, return_complex=True)
        return torch.log1p(spec.abs()).unsqueeze(0), self.labels[i]


class KWS(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.AdaptiveAvgPool2d((4, 1)))
        self.head = nn.Linear(64, n_classes)

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))


train, test = Tones(96, 1), Tones(48, 2)
x0, y0 = train[0]
print("feature", tuple(x0.shape), int(y0))
loader = DataLoader(train, batch_size=16, shuffle=True)
model = KWS(len(FREQS))
opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-2)
epochs = 4
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * len(loader))
for epoch in range(epochs):
    model.train()
    total = 0.0
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        total += loss.item() * len(yb)
    print(f"epoch {epoch} loss {total / len(train):.5f} lr {sched.get_last_lr()[0]:.6f}")

model.eval()
with torch.no_grad():
    xs, ys = zip(*[test[i] for i in range(len(test))])
    pred = model(torch.stack(xs)).argmax(1)
    ys = torch.stack(ys)
acc = (pred == ys).float().mean().item()
print(f"test accuracy {acc:.4f}")
per_class = torch.zeros(len(FREQS)).index_add_(0, ys, (pred == ys).float())
counts = torch.bincount(ys, minlength=len(FREQS))
print("per-class", [round(v, 4) for v in (per_class / counts.clamp(min=1)).tolist()])
