"""A Mamba-style selective state-space layer written the way minimal re-implementations
(mamba-minimal, mamba.py) write it: input-dependent delta, B and C from a linear projection,
softplus(delta) and A = -exp(A_log) with an S4D-real initialisation (torch.arange repeat),
discretisation deltaA = exp(delta * A), a sequential reference scan in a Python loop and a
parallel scan with cumsum of log-decays (exp(cumsum) ratios masked with tril), a depthwise causal
Conv1d(groups=d_inner, padding=k-1) cut back to length, SiLU gating, RMSNorm and residual blocks,
trained as a tiny language model on a selective-copy task."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def selective_scan_loop(u, delta, A, B, C, D):
    b, l, d_in = u.shape
    n = A.shape[1]
    deltaA = torch.exp(torch.einsum("bld,dn->bldn", delta, A))
    deltaB_u = torch.einsum("bld,bln,bld->bldn", delta, B, u)
    x = torch.zeros((b, d_in, n))
    ys = []
    for i in range(l):
        x = deltaA[:, i] * x + deltaB_u[:, i]
        y = torch.einsum("bdn,bn->bd", x, C[:, i, :])
        ys.append(y)
    y = torch.stack(ys, dim=1)
    return y + u * D


def selective_scan_parallel(u, delta, A, B, C, D):
    """h_t = sum_{s<=t} exp(sum_{s<r<=t} delta_r A) delta_s B_s u_s, via cumsum of log decays."""
    dA = torch.einsum("bld,dn->bldn", delta, A)           # log decay, <= 0
    cs = torch.cumsum(dA, dim=1)                           # b l d n
    deltaB_u = torch.einsum("bld,bln,bld->bldn", delta, B, u)
    L = u.shape[1]
    diff = cs.unsqueeze(2) - cs.unsqueeze(1)               # b t s d n: cs_t - cs_s
    mask = torch.tril(torch.ones(L, L, dtype=torch.bool))[None, :, :, None, None]
    weights = torch.exp(diff.masked_fill(~mask, float("-inf")))
    h = (weights * deltaB_u.unsqueeze(1)).sum(2)           # b t d n
    y = torch.einsum("bldn,bln->bld", h, C)
    return y + u * D


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class MambaBlock(nn.Module):
    def __init__(self, d_model, d_state=8, expand=2, d_conv=4, parallel=False):
        super().__init__()
        d_inner = expand * d_model
        self.d_inner, self.d_state = d_inner, d_state
        self.dt_rank = math.ceil(d_model / 16)
        self.in_proj = nn.Linear(d_model, d_inner * 2, bias=False)
        self.conv1d = nn.Conv1d(d_inner, d_inner, kernel_size=d_conv, groups=d_inner,
                                padding=d_conv - 1, bias=True)
        self.x_proj = nn.Linear(d_inner, self.dt_rank + d_state * 2, bias=False)
        self.dt_proj = nn.Linear(self.dt_rank, d_inner, bias=True)
        A = torch.arange(1, d_state + 1).repeat(d_inner, 1).float()
        self.A_log = nn.Parameter(torch.log(A))
        self.D = nn.Parameter(torch.ones(d_inner))
        self.out_proj = nn.Linear(d_inner, d_model, bias=False)
        self.parallel = parallel

    def forward(self, x):
        b, l, d = x.shape
        x_and_res = self.in_proj(x)
        x, res = x_and_res.split(split_size=[self.d_inner, self.d_inner], dim=-1)
        x = x.transpose(1, 2)
        x = self.conv1d(x)[:, :, :l]
        x = x.transpose(1, 2)
        x = F.silu(x)
        A = -torch.exp(self.A_log.float())
        x_dbl = self.x_proj(x)
        delta, B, C = x_dbl.split(split_size=[self.dt_rank, self.d_state, self.d_state], dim=-1)
        delta = F.softplus(self.dt_proj(delta))
        scan = selective_scan_parallel if self.parallel else selective_scan_loop
        y = scan(x, delta, A, B, C, self.D.float())
        y = y * F.silu(res)
        return self.out_proj(y)


class ResidualBlock(nn.Module):
    def __init__(self, d_model, parallel):
        super().__init__()
        self.mixer = MambaBlock(d_model, parallel=parallel)
        self.norm = RMSNorm(d_model)

    def forward(self, x):
        return self.mixer(self.norm(x)) + x


class TinyMamba(nn.Module):
    def __init__(self, vocab=10, d_model=16, n_layer=2, parallel=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab, d_model)
        self.layers = nn.ModuleList([ResidualBlock(d_model, parallel) for _ in range(n_layer)])
        self.norm_f = RMSNorm(d_model)
        self.lm_head = nn.Linear(d_model, vocab, bias=False)
        self.lm_head.weight = self.embedding.weight  # tied

    def forward(self, ids):
        x = self.embedding(ids)
        for layer in self.layers:
            x = layer(x)
        return self.lm_head(self.norm_f(x))


# the two scans agree (values and gradients)
u = torch.randn(2, 12, 6, requires_grad=True)
delta = F.softplus(torch.randn(2, 12, 6))
A = -torch.exp(torch.randn(6, 4))
Bm, Cm, Dv = torch.randn(2, 12, 4), torch.randn(2, 12, 4), torch.randn(6)
y1 = selective_scan_loop(u, delta, A, Bm, Cm, Dv)
y2 = selective_scan_parallel(u, delta, A, Bm, Cm, Dv)
g1, = torch.autograd.grad(y1.pow(2).sum(), u)
g2, = torch.autograd.grad(y2.pow(2).sum(), u)
print("scan outputs agree", torch.allclose(y1, y2, atol=1e-5), "grads agree",
      torch.allclose(g1, g2, atol=1e-4), y1.shape)


def batch(n=16, L=16):
    # selective copy: 3 data tokens (2..9) scattered among noise (1); after the marker 0, repeat them
    seq = torch.ones(n, L, dtype=torch.long)
    data = torch.randint(2, 10, (n, 3))
    for i in range(n):
        pos = torch.randperm(L - 4)[:3].sort().values
        seq[i, pos] = data[i]
    seq[:, L - 4] = 0
    seq[:, L - 3:] = data
    return seq


for parallel in (False, True):
    torch.manual_seed(3)
    model = TinyMamba(parallel=parallel)
    print("parameters", sum(p.numel() for p in model.parameters()))
    opt = torch.optim.AdamW(model.parameters(), lr=4e-3, weight_decay=0.01)
    for step in range(40):
        seq = batch()
        logits = model(seq[:, :-1])
        loss = F.cross_entropy(logits[:, -3:].reshape(-1, 10), seq[:, -3:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 10 == 0:
            print(f"parallel={parallel} step {step} loss {loss.item():.4f}")
    with torch.no_grad():
        seq = batch(64)
        acc = (model(seq[:, :-1])[:, -3:].argmax(-1) == seq[:, -3:]).float().mean()
    print(f"parallel={parallel} copy accuracy {acc.item():.3f}")
