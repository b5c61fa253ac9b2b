"""Mixed precision on CPU around a transformer classifier: torch.autocast("cpu",
dtype=torch.bfloat16) with the dtypes each op produces (linear, matmul, bmm, softmax, layer_norm,
cross_entropy), torch.is_autocast_enabled, nested autocast(enabled=False) regions that cast back
with .float(), the bf16 weights' master copy staying float32, and GradScaler steps."""
# compat: rtol=2e-2 atol=2e-3 (bfloat16 matmuls: 8-bit mantissas, partial sums may round apart)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(10)


class Classifier(nn.Module):
    def __init__(self, vocab=30, d=16, classes=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.qkv = nn.Linear(d, 3 * d)
        self.norm = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 32), nn.GELU(), nn.Linear(32, d))
        self.head = nn.Linear(d, classes)

    def forward(self, x, log=False):
        h = self.emb(x)
        q, k, v = self.qkv(h).chunk(3, dim=-1)
        att = torch.bmm(q, k.transpose(1, 2)) / 4.0
        p = att.softmax(dim=-1)
        y = torch.matmul(p, v)
        z = self.norm(h + y)
        z = z + self.ff(z)
        with torch.autocast("cpu", enabled=False):
            pooled = z.float().mean(dim=1)
            if log:
                print("  inner enabled", torch.is_autocast_enabled("cpu"), pooled.dtype)
        out = self.head(pooled)
        if log:
            print("  emb", h.dtype, "qkv", q.dtype, "bmm", att.dtype, "softmax", p.dtype,
                  "matmul", y.dtype, "layer_norm", z.dtype, "head", out.dtype)
        return out


model = Classifier()
x = torch.randint(0, 30, (8, 6))
y = torch.randint(0, 3, (8,))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scaler = torch.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=3)
for step in range(6):
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        print("enabled", torch.is_autocast_enabled("cpu"), torch.get_autocast_dtype("cpu"))
        logits = model(x, log=step == 0)
        loss = F.cross_entropy(logits, y)
    if step == 0:
        print("loss dtype", loss.dtype, "param dtype", model.qkv.weight.dtype)
    opt.zero_grad()
    scaler.scale(loss).backward()
    if step == 0:
        print("grad dtype", model.qkv.weight.grad.dtype, "scaled",
              round(model.head.bias.grad.abs().sum().item() / 1024.0, 3))
    scaler.unscale_(opt)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    scaler.step(opt)
    scaler.update()
    print(f"step {step} loss {loss.item():.3f} scale {scaler.get_scale()}")
print("after", torch.is_autocast_enabled("cpu"))
with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
    out = model(x)
print(out.dtype, out.argmax(-1).tolist() == model(x).argmax(-1).tolist())
a = torch.randn(4, 4)
with torch.autocast("cpu", dtype=torch.bfloat16):
    print((a @ a).dtype, (a + a).dtype, torch.addmm(a, a, a).dtype, F.linear(a, a).dtype,
          torch.exp(a).dtype, F.log_softmax(a, -1).dtype, a.sum().dtype)
