"""Rotary position embeddings (the cos/sin "rotate_half" form of LLaMA/GPT-NeoX reference code,
with a precomputed cache from torch.outer) and ALiBi linear biases (per-head slopes, a
relative-distance matrix, a causal mask with masked_fill(-inf)), in a tiny causal attention
model trained on a copy task."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(7)


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class RotaryEmbedding(nn.Module):
    def __init__(self, dim, max_seq=64, base=10000.0):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        t = torch.arange(max_seq, dtype=torch.float32)
        freqs = torch.outer(t, inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos()[None, None], persistent=False)
        self.register_buffer("sin_cached", emb.sin()[None, None], persistent=False)

    def forward(self, q, k):
        T = q.shape[-2]
        cos, sin = self.cos_cached[..., :T, :], self.sin_cached[..., :T, :]
        return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin


def alibi_slopes(n_heads):
    start = 2 ** (-(2 ** -(math.log2(n_heads) - 3)))
    return torch.tensor([start * start ** i for i in range(n_heads)])


def alibi_bias(n_heads, T):
    pos = torch.arange(T)
    rel = pos[None, :] - pos[:, None]
    bias = alibi_slopes(n_heads)[:, None, None] * rel[None].float()
    causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    return bias.masked_fill(causal, float("-inf"))


class Attention(nn.Module):
    def __init__(self, d, n_heads, pos="rope"):
        super().__init__()
        self.h, self.dh, self.pos = n_heads, d // n_heads, pos
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.proj = nn.Linear(d, d)
        self.rope = RotaryEmbedding(self.dh)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.h, self.dh).transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.dh)
        if self.pos == "rope":
            q, k = self.rope(q, k)
            scores = q @ k.transpose(-2, -1) / math.sqrt(self.dh)
            mask = torch.tril(torch.ones(T, T)).view(1, 1, T, T)
            scores = scores.masked_fill(mask == 0, float("-inf"))
        else:
            scores = scores + alibi_bias(self.h, T)
        att = F.softmax(scores, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        return self.proj(y)


q = torch.randn(1, 2, 5, 8)
k = torch.randn(1, 2, 5, 8)
rope = RotaryEmbedding(8)
qr, kr = rope(q, k)
print("norms kept:", torch.allclose(qr.norm(dim=-1), q.norm(dim=-1), atol=1e-5))
# relative property: <R(m)q, R(n)k> depends on m - n only
q1 = torch.randn(8).expand(1, 1, 5, 8)
k1 = torch.randn(8).expand(1, 1, 5, 8)
a, b = rope(q1, k1)
d1 = (a[0, 0, 3] * b[0, 0, 1]).sum()
d2 = (a[0, 0, 4] * b[0, 0, 2]).sum()
print(f"relative: {d1.item():.5f} {d2.item():.5f}")
print(alibi_slopes(4))
print(alibi_bias(2, 4)[1])

for pos in ("rope", "alibi"):
    torch.manual_seed(1)
    model = nn.Sequential(nn.Embedding(10, 32), Attention(32, 4, pos), nn.LayerNorm(32),
                          nn.Linear(32, 10))
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    for step in range(60):
        x = torch.randint(0, 10, (16, 10))
        y = torch.cat([x[:, :1], x[:, :-1]], dim=1)  # predict the previous token
        loss = F.cross_entropy(model(x).reshape(-1, 10), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 20 == 19:
            print(f"{pos} step {step + 1} loss {loss.item():.4f}")
    with torch.no_grad():
        x = torch.randint(0, 10, (4, 10))
        acc = (model(x).argmax(-1)[:, 1:] == x[:, :-1]).float().mean()
    print(f"{pos} accuracy {acc.item():.3f}")
