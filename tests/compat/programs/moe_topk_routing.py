"""A sparse mixture-of-experts layer as in Switch/Mixtral reference code: a linear router,
softmax + torch.topk over experts, renormalised gates, tokens dispatched with index_select and
combined with index_add_, the load-balancing auxiliary loss, and a scatter_-built one-hot."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Expert(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.w1 = nn.Linear(d, h)
        self.w2 = nn.Linear(h, d)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)))


class MoE(nn.Module):
    def __init__(self, d, h, n_experts=4, k=2):
        super().__init__()
        self.k = k
        self.n_experts = n_experts
        self.router = nn.Linear(d, n_experts, bias=False)
        self.experts = nn.ModuleList([Expert(d, h) for _ in range(n_experts)])

    def forward(self, x):
        B, T, D = x.shape
        flat = x.reshape(-1, D)
        logits = self.router(flat)
        probs = F.softmax(logits, dim=-1)
        topv, topi = torch.topk(probs, self.k, dim=-1)
        topv = topv / topv.sum(dim=-1, keepdim=True)
        out = torch.zeros_like(flat)
        for e, expert in enumerate(self.experts):
            token_idx, slot = torch.where(topi == e)
            if token_idx.numel() == 0:
                continue
            y = expert(flat.index_select(0, token_idx))
            out.index_add_(0, token_idx, y * topv[token_idx, slot].unsqueeze(-1))
        # load-balancing loss: fraction of tokens routed to each expert x mean router prob
        one_hot = torch.zeros(flat.size(0), self.n_experts).scatter_(1, topi[:, :1], 1.0)
        frac = one_hot.mean(0)
        mean_prob = probs.mean(0)
        aux = self.n_experts * (frac * mean_prob).sum()
        counts = torch.bincount(topi.flatten(), minlength=self.n_experts)
        return out.reshape(B, T, D), aux, counts


class Model(nn.Module):
    def __init__(self, vocab=16, d=16):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.moe = MoE(d, 32)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, idx):
        h = self.emb(idx)
        m, aux, counts = self.moe(self.norm(h))
        return self.head(h + m), aux, counts


model = Model()
print("params", sum(p.numel() for p in model.parameters()))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
x = torch.randint(0, 16, (8, 12))
y = torch.roll(x, shifts=-1, dims=1)
for step in range(30):
    logits, aux, counts = model(x)
    ce = F.cross_entropy(logits.view(-1, 16), y.view(-1))
    loss = ce + 0.01 * aux
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0 or step == 29:
        print(f"step {step:2d} ce {ce.item():.4f} aux {aux.item():.4f} counts {counts.tolist()}")

with torch.no_grad():
    probs = F.softmax(model.moe.router(model.norm(model.emb(x[:1]))), -1)
    gates, experts = probs.topk(2, dim=-1)
    print(experts[0].tolist())
    print(gates[0, :4])
    g = torch.gather(probs[0], 1, experts[0])
    print(torch.allclose(g, gates[0]))
    print(model.moe.router.weight.grad.norm().item() > 0)
