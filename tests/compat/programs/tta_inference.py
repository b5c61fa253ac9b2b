"""Test-time augmentation as competition notebooks write it: a small CNN trained a few steps with
random flips and random crops made by F.pad(mode="reflect") and slicing, then at inference the
average of softmax over torch.flip (horizontal/vertical), torch.rot90 (k=1,2,3) and five crops
resized back with F.interpolate, geometric-mean TTA via log_softmax, per-augmentation accuracy,
and the agreement of TTA with the plain prediction."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
n = 96
y = torch.randint(0, 3, (n,))
base = torch.zeros(n, 1, 16, 16)
for i in range(n):
    c = int(y[i])
    if c == 0:
        base[i, 0, 4:12, 7:9] = 1
    elif c == 1:
        base[i, 0, 7:9, 4:12] = 1
    else:
        base[i, 0, 5:11, 5:11] = 1
        base[i, 0, 7:9, 7:9] = 0
x = base + 0.3 * torch.randn_like(base)
model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                      nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(),
                      nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)


def random_augment(xb):
    flip = torch.rand(xb.shape[0]) < 0.5
    xb = torch.where(flip[:, None, None, None], xb.flip(-1), xb)
    padded = F.pad(xb, (2, 2, 2, 2), mode="reflect")
    i, j = torch.randint(0, 5, (2,)).tolist()
    return padded[..., i:i + 16, j:j + 16]


for epoch in range(5):
    perm = torch.randperm(n)
    for k in range(0, n, 32):
        idx = perm[k:k + 32]
        loss = F.cross_entropy(model(random_augment(x[idx])), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(epoch, f"{loss.item():.5f}")

model.eval()
xt = base + 0.5 * torch.randn_like(base)
tta = {
    "id": lambda t: t,
    "hflip": lambda t: torch.flip(t, dims=[-1]),
    "vflip": lambda t: torch.flip(t, dims=[-2]),
    "rot90": lambda t: torch.rot90(t, 1, dims=(-2, -1)),
    "rot180": lambda t: torch.rot90(t, k=2, dims=[2, 3]),
    "rot270": lambda t: torch.rot90(t, -1, (2, 3)),
}
for name, (i, j) in {"tl": (0, 0), "tr": (0, 2), "bl": (2, 0), "br": (2, 2), "c": (1, 1)}.items():
    tta["crop_" + name] = lambda t, i=i, j=j: F.interpolate(
        t[..., i:i + 14, j:j + 14], size=(16, 16), mode="bilinear", align_corners=False)
with torch.no_grad():
    probs, logps = [], []
    for name, f in tta.items():
        logits = model(f(xt))
        acc = (logits.argmax(1) == y).float().mean().item()
        print(f"{name:10s} {acc:.4f} {logits.softmax(1)[0].tolist()[0]:.5f}")
        probs.append(logits.softmax(1))
        logps.append(F.log_softmax(logits, 1))
    mean_p = torch.stack(probs).mean(0)
    geo = torch.stack(logps).mean(0).exp()
    geo = geo / geo.sum(1, keepdim=True)
    plain = model(xt).argmax(1)
print("tta", (mean_p.argmax(1) == y).float().mean().item(),
      (geo.argmax(1) == y).float().mean().item(), (mean_p.argmax(1) == plain).sum().item())
print(mean_p[:3], geo[:3])
