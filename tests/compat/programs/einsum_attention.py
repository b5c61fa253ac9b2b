"""Attention written with torch.einsum (no einops): multi-head self-attention with a causal mask
from torch.triu, rotary position embeddings, relative-position bias, scaled_dot_product_attention
with attn_mask / is_causal compared to the einsum form, and einsum's common spellings."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(12)


def rotary(x, base=10000):
    b, h, n, d = x.shape
    inv = 1.0 / (base ** (torch.arange(0, d, 2).float() / d))
    t = torch.arange(n).float()
    freqs = torch.einsum("i,j->ij", t, inv)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return x * cos + torch.cat((-x2, x1), dim=-1) * sin


class EinsumAttention(nn.Module):
    def __init__(self, dim, heads, max_len=16):
        super().__init__()
        self.h, self.dh = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.out = nn.Linear(dim, dim)
        self.rel = nn.Parameter(torch.zeros(heads, 2 * max_len - 1))
        idx = torch.arange(max_len)
        self.register_buffer("rel_idx", (idx[None, :] - idx[:, None]) + max_len - 1)

    def forward(self, x, causal=True):
        b, n, _ = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.h, self.dh).permute(2, 0, 3, 1, 4).unbind(0)
        q, k = rotary(q), rotary(k)
        scores = torch.einsum("bhid,bhjd->bhij", q, k) / math.sqrt(self.dh)
        scores = scores + self.rel[:, self.rel_idx[:n, :n]]
        if causal:
            mask = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
            scores = scores.masked_fill(mask, float("-inf"))
        attn = scores.softmax(dim=-1)
        o = torch.einsum("bhij,bhjd->bhid", attn, v)
        return self.out(o.transpose(1, 2).reshape(b, n, -1)), attn


attn = EinsumAttention(16, 4)
x = torch.randn(2, 6, 16)
y, a = attn(x)
print(y.shape, a.shape, a[0, 0], a.sum(-1).allclose(torch.ones(2, 4, 6)))
opt = torch.optim.Adam(attn.parameters(), lr=1e-2)
target = torch.randn(2, 6, 16)
for step in range(5):
    y, _ = attn(x)
    loss = F.mse_loss(y, target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(step, round(loss.item(), 5), attn.rel.grad.abs().sum().item() > 0)

q, k, v = torch.randn(3, 2, 2, 5, 4).unbind(0)
ein = torch.einsum("bhqd,bhkd->bhqk", q, k) / 2.0
causal = torch.ones(5, 5).tril().bool()
ref = torch.einsum("bhqk,bhkd->bhqd", ein.masked_fill(~causal, -1e9).softmax(-1), v)
sdpa = F.scaled_dot_product_attention(q, k, v, is_causal=True)
print(torch.allclose(ref, sdpa, atol=1e-5), sdpa[0, 0, -1])
bias = torch.randn(5, 5)
print(torch.allclose(F.scaled_dot_product_attention(q, k, v, attn_mask=bias),
                     torch.einsum("bhqk,bhkd->bhqd", (ein + bias).softmax(-1), v), atol=1e-5))
print(F.scaled_dot_product_attention(q, k, v, attn_mask=causal, scale=0.3)[1, 1, 2])
m = torch.randn(3, 4)
print(torch.einsum("ii", torch.eye(3) * 2), torch.einsum("ij->ji", m).shape, torch.einsum("ij->", m))
print(torch.einsum("i,i->", m[0], m[1]), torch.einsum("ij,j->i", m, m[0]), torch.einsum("b i j, b j k -> b i k", q[0], k[0].transpose(1, 2)).shape)
print(torch.einsum("...ij,...jk->...ik", q, k.transpose(-1, -2)).shape, torch.einsum("bn,anm,bm->ba", m[:2], torch.randn(3, 4, 4), m[1:]))
print(torch.einsum(m, [0, 1], m, [0, 1], [1]), torch.einsum("i,j->ij", torch.arange(3.), torch.arange(2.)))
