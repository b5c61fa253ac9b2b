"""bfloat16 autocast on a CNN (CPU): which layers run in bfloat16 (conv, linear, matmul, bmm)
and which in float32 (batch_norm's output follows its input, softmax/log_softmax, losses,
pooling), the dtypes of activations seen by forward hooks, a model cast with .to(torch.bfloat16),
and torch.autocast nested inside torch.no_grad for evaluation."""
# compat: rtol=3e-2 atol=2e-2 (bfloat16 convolutions: 8-bit mantissas)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(6)
model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                      nn.MaxPool2d(2), nn.Conv2d(8, 8, 3, padding=1), nn.GroupNorm(2, 8),
                      nn.GELU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))
seen = []
for name, m in model.named_children():
    m.register_forward_hook(lambda mod, inp, out, name=name: seen.append(f"{name}:{type(mod).__name__}:{out.dtype}"))
x = torch.randn(4, 3, 8, 8)
y = torch.tensor([0, 1, 2, 3])
with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
    out = model(x)
    loss = F.cross_entropy(out, y)
    sm = F.softmax(out, 1)
    lsm = F.log_softmax(out, 1)
    mm = torch.bmm(torch.randn(2, 3, 4), torch.randn(2, 4, 5))
    lay = F.layer_norm(out, (4,))
print(seen)
print(out.dtype, loss.dtype, sm.dtype, lsm.dtype, mm.dtype, lay.dtype)
loss.backward()
print(model[0].weight.grad.dtype, model[0].weight.dtype, round(loss.item(), 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for i in range(3):
    opt.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    print(i, round(loss.item(), 2))
model.eval()
with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
    pred = model(x)
print(pred.dtype, pred.argmax(1).shape)
m16 = nn.Linear(4, 2).to(torch.bfloat16)
print(m16.weight.dtype, m16(torch.randn(3, 4, dtype=torch.bfloat16)).dtype)
with torch.autocast("cpu", dtype=torch.bfloat16, enabled=False):
    print(model[0](x).dtype)
print(torch.tensor([1.0, 2.0], dtype=torch.bfloat16) + torch.tensor([1.0, 2.0]), (torch.ones(2, dtype=torch.bfloat16) * 2.5).dtype)
