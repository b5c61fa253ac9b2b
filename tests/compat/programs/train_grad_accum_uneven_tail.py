"""Gradient accumulation as fine-tuning scripts write it when the epoch does not divide into
the accumulation steps: the loss is divided by the number of micro-batches actually in the
current window (a short last window), token-weighted accumulation (sum of losses / total
tokens across micro-batches with reduction='sum'), `(i + 1) % accum == 0 or i + 1 == len(loader)`
stepping, and a check that accumulated gradients equal the full-batch gradient
(torch.allclose), with zero_grad(set_to_none=False) leaving zeros behind."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(3)
X = torch.randn(22, 6)
lengths = torch.randint(1, 6, (22,))
Y = (X[:, 0] > 0).long()
loader = DataLoader(TensorDataset(X, Y, lengths), batch_size=4, shuffle=False)
print("batches", len(loader), [len(b[0]) for b in loader])


def make():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 2))


# 1) mean-of-means accumulation must equal the full batch when micro-batches are equal-sized
model = make()
full = F.cross_entropy(model(X[:16]), Y[:16])
g_full = torch.autograd.grad(full, list(model.parameters()))
model.zero_grad(set_to_none=False)
for k in range(4):
    (F.cross_entropy(model(X[4 * k:4 * k + 4]), Y[4 * k:4 * k + 4]) / 4).backward()
print("equal-size accumulation matches", all(torch.allclose(a, p.grad, atol=1e-6)
                                              for a, p in zip(g_full, model.parameters())))
model.zero_grad(set_to_none=False)
print("zeros kept", [p.grad.abs().sum().item() for p in model.parameters()][:2])

# 2) training with a short last window
accum = 3
model = make()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
n_batches = len(loader)
steps = 0
for epoch in range(2):
    opt.zero_grad()
    for i, (xb, yb, _) in enumerate(loader):
        window_start = (i // accum) * accum
        window = min(accum, n_batches - window_start)
        loss = F.cross_entropy(model(xb), yb) / window
        loss.backward()
        if (i + 1) % accum == 0 or i + 1 == n_batches:
            gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
            opt.step()
            opt.zero_grad()
            steps += 1
            print(f"epoch {epoch} batch {i} window {window} loss*w {loss.item() * window:.5f} "
                  f"gnorm {gnorm.item():.5f}")
print("optimizer steps", steps, "momentum buffers", len(opt.state))

# 3) token-weighted accumulation: sum reduction and a global normaliser
model = make()
head = nn.Linear(2, 3)
opt = torch.optim.AdamW(list(model.parameters()) + list(head.parameters()), lr=1e-2)
batches = list(loader)[:3]
total_tokens = sum(int(b[2].sum()) for b in batches)
opt.zero_grad()
acc_loss = 0.0
for xb, yb, ln in batches:
    tok_mask = torch.arange(5)[None, :] < ln[:, None]
    logits = head(model(xb)).unsqueeze(1).expand(-1, 5, -1)
    targets = (yb[:, None] + torch.arange(5)[None]) % 3
    loss_sum = F.cross_entropy(logits[tok_mask], targets[tok_mask], reduction="sum")
    (loss_sum / total_tokens).backward()
    acc_loss += loss_sum.item()
print("tokens", total_tokens, "mean token loss", round(acc_loss / total_tokens, 5))
flat = torch.cat([p.grad.flatten() for p in head.parameters()])
print("head grad", flat[:5], flat.norm().item())
opt.step()
print("after step", head.bias.data)
