"""The AdamW parameter-grouping recipe from BERT/timm/nanoGPT trainers: named_parameters split
into decay (weights of Linear/Conv, ndim >= 2) and no-decay (biases, norm weights, embeddings
by module type via named_modules), an assertion that the groups partition the parameters,
AdamW(fused=None, foreach=...) with per-group weight_decay, clip_grad_norm_ with
error_if_nonfinite and foreach, zero_grad(set_to_none=True) leaving grads None, and the
optimizer state layout (exp_avg/exp_avg_sq/step) printed after two steps."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(83)


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(10, 8)
        self.pos = nn.Parameter(torch.zeros(1, 5, 8))
        self.ln = nn.LayerNorm(8)
        self.attn = nn.Linear(8, 24)
        self.proj = nn.Linear(8, 8, bias=False)
        self.conv = nn.Conv1d(8, 8, 3, padding=1)
        self.head = nn.Linear(8, 10)

    def forward(self, idx):
        h = self.tok(idx) + self.pos
        q, k, v = self.attn(self.ln(h)).split(8, dim=-1)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        h = h + self.proj(a)
        h = h + self.conv(h.transpose(1, 2)).transpose(1, 2)
        return self.head(h)


model = Tiny()
decay, no_decay = set(), set()
whitelist, blacklist = (nn.Linear, nn.Conv1d), (nn.LayerNorm, nn.Embedding)
for mn, m in model.named_modules():
    for pn, p in m.named_parameters(recurse=False):
        fpn = f"{mn}.{pn}" if mn else pn
        if pn.endswith("bias"):
            no_decay.add(fpn)
        elif pn.endswith("weight") and isinstance(m, whitelist):
            decay.add(fpn)
        elif pn.endswith("weight") and isinstance(m, blacklist):
            no_decay.add(fpn)
no_decay.add("pos")
param_dict = dict(model.named_parameters())
assert len(decay & no_decay) == 0 and len(param_dict.keys() - (decay | no_decay)) == 0
print("decay", sorted(decay))
print("no_decay", sorted(no_decay))
by_ndim = {n for n, p in model.named_parameters() if p.dim() >= 2}
print("ndim rule agrees", by_ndim == decay | {"tok.weight", "pos"}, sorted(by_ndim - decay))

groups = [{"params": [param_dict[n] for n in sorted(decay)], "weight_decay": 0.1},
          {"params": [param_dict[n] for n in sorted(no_decay)], "weight_decay": 0.0}]
opt = torch.optim.AdamW(groups, lr=3e-3, betas=(0.9, 0.95), foreach=False)
idx = torch.randint(0, 10, (4, 5))
for step in range(3):
    logits = model(idx)
    loss = F.cross_entropy(logits.view(-1, 10), idx.roll(-1, dims=1).view(-1))
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True, foreach=True)
    opt.step()
    opt.zero_grad(set_to_none=True)
    print(f"step {step} loss {loss.item():.6f} norm {norm.item():.6f} grads None "
          f"{all(p.grad is None for p in model.parameters())}")
st = opt.state[param_dict["attn.weight"]]
print("state keys", sorted(st), st["step"], st["exp_avg"].shape, st["exp_avg_sq"].sum().item())
print("group wd", [g["weight_decay"] for g in opt.param_groups], [len(g["params"]) for g in opt.param_groups],
      opt.param_groups[0]["foreach"], opt.param_groups[0]["amsgrad"])
model.head.weight.grad = torch.full_like(model.head.weight, float("nan"))
try:
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
except RuntimeError as e:
    print("nonfinite:", type(e).__name__, "non-finite" in str(e))
