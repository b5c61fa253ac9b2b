"""Training-loop safety nets as users write them: torch.autograd.detect_anomaly catching the
backward of a NaN-producing op (the RuntimeError's message names it), set_detect_anomaly,
torch.isfinite / isnan / nan_to_num checks on losses and gradients, skipping a step when the
gradient norm is not finite, clip_grad_norm_ (error_if_nonfinite), clip_grad_value_, gradient
hooks that clamp, and torch.nan_to_num on data."""
import math
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(99)
warnings.simplefilter("ignore")

x = torch.tensor([1.0, -1.0, 4.0], requires_grad=True)
try:
    with torch.autograd.detect_anomaly():
        y = torch.sqrt(x)
        y.sum().backward()
except RuntimeError as e:
    msg = str(e)
    print("anomaly caught:", "SqrtBackward0" in msg, "nan" in msg.lower())
print("grad after", x.grad)

torch.autograd.set_detect_anomaly(True)
print("anomaly enabled:", torch.is_anomaly_enabled())
torch.autograd.set_detect_anomaly(False)
print("anomaly enabled:", torch.is_anomaly_enabled())

t = torch.tensor([1.0, float("nan"), float("inf"), -float("inf"), 0.0])
print(torch.isfinite(t), torch.isnan(t), torch.isinf(t))
print(torch.nan_to_num(t), torch.nan_to_num(t, nan=0.0, posinf=1e4, neginf=-1e4))
print(t.isfinite().all().item(), torch.isfinite(t[[0, 4]]).all().item())

model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
data = torch.randn(64, 4)
target = data.sum(1, keepdim=True) ** 2
data[5, 2] = float("nan")  # a corrupted sample
skipped = 0
for step in range(12):
    idx = torch.arange(step * 16, step * 16 + 16) % 64
    xb, yb = data[idx], target[idx]
    if not torch.isfinite(xb).all():
        xb = torch.nan_to_num(xb)
    loss = F.mse_loss(model(xb), yb)
    if step == 7:
        loss = loss * float("inf")  # a blown-up loss
    opt.zero_grad()
    if not torch.isfinite(loss):
        skipped += 1
        print(f"step {step}: non-finite loss {loss.item()}, skipped")
        continue
    loss.backward()
    total_norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
    if not math.isfinite(total_norm):
        skipped += 1
        continue
    opt.step()
    print(f"step {step} loss {loss.item():.4f} grad norm before clip {total_norm.item():.4f}")
print("skipped", skipped)

for p in model.parameters():
    p.grad = torch.full_like(p, float("nan"))
try:
    nn.utils.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
except RuntimeError as e:
    print("clip error:", "non-finite" in str(e))
norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
print("norm of nan grads:", norm)

model.zero_grad()
loss = F.mse_loss(model(data[:8].nan_to_num()), target[:8]) * 100
loss.backward()
nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
print("max |grad| after clip_grad_value_:", max(p.grad.abs().max().item() for p in model.parameters()))
print(nn.utils.clip_grad_norm_(model.parameters(), 1.0, norm_type=float("inf")))
print(nn.utils.clip_grad_norm_(model.parameters(), 1.0, norm_type=1.0))

w = torch.randn(3, requires_grad=True)
h = w.register_hook(lambda g: g.clamp(-0.1, 0.1))
(w * torch.tensor([1.0, -5.0, 0.05])).sum().backward()
print(w.grad)
h.remove()
w.grad = None
(w * 10).sum().backward()
print(w.grad)
z = torch.tensor([0.0, 1.0], requires_grad=True)
(z / z).sum().backward()
print(z.grad, torch.isnan(z.grad).any().item())
