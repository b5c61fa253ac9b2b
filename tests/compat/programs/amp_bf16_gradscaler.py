"""Mixed precision on CPU: torch.autocast("cpu", dtype=torch.bfloat16) around the forward pass,
which ops run in bfloat16 and which stay float32, torch.amp.GradScaler's scale/step/update."""
# compat: rtol=2e-2 atol=1e-3 (bfloat16 matmuls: the two libraries may round partial sums apart)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.LayerNorm(16), nn.Linear(16, 3))
opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 8, growth_interval=2)
print(scaler.is_enabled(), scaler.get_scale())
x = torch.randn(32, 8)
y = torch.randint(0, 3, (32,))
with torch.autocast("cpu", dtype=torch.bfloat16):
    h = model[0](x)
    print(h.dtype, model[1](h).dtype, model[2](h).dtype, torch.is_autocast_enabled("cpu"))
    print(torch.get_autocast_dtype("cpu"), (x @ x.T).dtype, (x + 1).dtype, x.sum().dtype)
    print(F.softmax(h, -1).dtype, torch.mm(x, x.T).dtype, F.conv1d(x[None], torch.randn(2, 32, 3)).dtype)
    with torch.autocast("cpu", enabled=False):
        print((x @ x.T).dtype, torch.is_autocast_enabled("cpu"))
print(torch.is_autocast_enabled("cpu"))
for step in range(6):
    opt.zero_grad()
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        out = model(x)
        loss = F.cross_entropy(out, y)
    print(step, out.dtype, loss.dtype, f"{loss.item():.3f}")
    scaler.scale(loss).backward()
    scaler.unscale_(opt)
    gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(opt)
    scaler.update()
    print("  scale", scaler.get_scale(), "grad dtype", model[0].weight.grad.dtype, f"{gn.item():.2f}")
# an inf gradient makes the scaler skip the step and halve the scale
before = model[0].weight.detach().clone()
opt.zero_grad()
with torch.autocast("cpu", dtype=torch.bfloat16):
    loss = model(x).float().sum() * float("inf")
scaler.scale(loss).backward()
scaler.step(opt)
scaler.update()
print("skipped", torch.equal(before, model[0].weight), scaler.get_scale())
print(sorted(scaler.state_dict().keys()), scaler.state_dict()["scale"])


@torch.autocast("cpu", dtype=torch.bfloat16)
def fwd(inp):
    return model(inp)


print(fwd(x[:2]).dtype, torch.tensor([1.0, 2.0]).bfloat16(), torch.randn(3).to(torch.bfloat16).dtype)
a = torch.tensor([1.0001, 3.14159, 100.7, 1e-3])
print(a.bfloat16(), a.bfloat16().float(), a.half(), (a.bfloat16() * 3).dtype)
