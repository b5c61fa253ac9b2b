"""LoRA fine-tuning in the style of the reference implementations: a small pretrained
transformer is frozen (requires_grad_(False)), its attention projections are wrapped in a
LoRALinear (A with kaiming_uniform_, B zeros, scale alpha/r), only the adapters train, and the
adapters are merged back into the base weights for inference."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(42)


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, r=4, alpha=8):
        super().__init__()
        self.base = base
        self.r = r
        self.scaling = alpha / r
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.merged = False

    def forward(self, x):
        out = self.base(x)
        if not self.merged:
            out = out + (x @ self.lora_A.t() @ self.lora_B.t()) * self.scaling
        return out

    @torch.no_grad()
    def merge(self):
        self.base.weight += (self.lora_B @ self.lora_A) * self.scaling
        self.merged = True


class Block(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.n_head = n_head
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)
        self.ln1 = nn.LayerNorm(d)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        B, T, C = x.shape
        h = self.ln1(x)
        q, k, v = (p(h).view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                   for p in (self.q, self.k, self.v))
        att = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.o(att.transpose(1, 2).contiguous().view(B, T, C))
        return x + self.mlp(self.ln2(x))


class TinyLM(nn.Module):
    def __init__(self, vocab=20, d=32, n_layer=2):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(1, 16, d) * 0.02)
        self.blocks = nn.ModuleList([Block(d, 4) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, idx):
        x = self.tok(idx) + self.pos[:, :idx.size(1)]
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln_f(x))


def batches(n, pattern):
    g = torch.Generator().manual_seed(n)
    start = torch.randint(0, 20, (16, 1), generator=g)
    seq = (start + pattern * torch.arange(13)) % 20
    return seq[:, :-1], seq[:, 1:]


model = TinyLM()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
for step in range(25):  # "pretraining": sequences counting up by 1
    x, y = batches(step, 1)
    loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"pretrain loss {loss.item():.4f}")

model.requires_grad_(False)
for blk in model.blocks:
    blk.q = LoRALinear(blk.q)
    blk.v = LoRALinear(blk.v)
trainable = [n for n, p in model.named_parameters() if p.requires_grad]
n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
n_all = sum(p.numel() for p in model.parameters())
print(trainable)
print(f"trainable {n_train} / {n_all} ({100 * n_train / n_all:.2f}%)")

x, y = batches(100, 3)
with torch.no_grad():
    before = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
print(f"task loss before {before.item():.4f}")
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2,
                        weight_decay=0.0)
base_w = model.blocks[0].q.base.weight.clone()
for step in range(40):
    x, y = batches(200 + step, 3)
    loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 9:
        print(f"lora step {step + 1} loss {loss.item():.4f}")
print("base frozen:", torch.equal(base_w, model.blocks[0].q.base.weight),
      model.blocks[0].q.base.weight.grad is None)
x, y = batches(100, 3)
model.eval()
with torch.no_grad():
    unmerged = model(x)
    for blk in model.blocks:
        blk.q.merge()
        blk.v.merge()
    merged = model(x)
print("merged matches:", torch.allclose(unmerged, merged, atol=1e-5))
print(f"task loss after {F.cross_entropy(merged.flatten(0, 1), y.flatten()).item():.4f}")
print(model.blocks[1].v.lora_B.abs().mean())
