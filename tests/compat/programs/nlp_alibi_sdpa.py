"""ALiBi attention biases as in the BLOOM/MPT code: get_slopes for a head count that is not a
power of two, a (heads, 1, keys) bias built from arange distances, added to a causal float mask
and handed to F.scaled_dot_product_attention as attn_mask; compared with the explicit softmax
computation, then a short training run."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(4)


def get_slopes(n):
    def get_slopes_power_of_2(n):
        start = 2 ** (-2 ** -(math.log2(n) - 3))
        ratio = start
        return [start * ratio ** i for i in range(n)]

    if math.log2(n).is_integer():
        return get_slopes_power_of_2(n)
    closest_power_of_2 = 2 ** math.floor(math.log2(n))
    return (get_slopes_power_of_2(closest_power_of_2)
            + get_slopes(2 * closest_power_of_2)[0::2][: n - closest_power_of_2])


def alibi_bias(n_heads, seq_len):
    slopes = torch.tensor(get_slopes(n_heads))
    context = torch.arange(seq_len)[:, None]
    memory = torch.arange(seq_len)[None, :]
    rel = (memory - context).float()
    bias = slopes[:, None, None] * rel[None]
    causal = torch.ones(seq_len, seq_len, dtype=torch.bool).tril()
    return bias.masked_fill(~causal, float("-inf"))


print([round(s, 6) for s in get_slopes(6)])
print([round(s, 6) for s in get_slopes(8)][:4])
bias = alibi_bias(6, 5)
print(bias[1])


class AlibiLM(nn.Module):
    def __init__(self, vocab=32, d=36, heads=6, layers=2):
        super().__init__()
        self.heads = heads
        self.emb = nn.Embedding(vocab, d)
        self.qkv = nn.ModuleList(nn.Linear(d, 3 * d) for _ in range(layers))
        self.proj = nn.ModuleList(nn.Linear(d, d) for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        self.head = nn.Linear(d, vocab)

    def forward(self, idx, explicit=False):
        B, T = idx.shape
        x = self.emb(idx)
        bias = alibi_bias(self.heads, T)
        for qkv, proj, norm in zip(self.qkv, self.proj, self.norms):
            q, k, v = qkv(norm(x)).chunk(3, dim=-1)
            q, k, v = (t.view(B, T, self.heads, -1).transpose(1, 2) for t in (q, k, v))
            if explicit:
                att = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)) + bias
                y = att.softmax(dim=-1) @ v
            else:
                y = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
            x = x + proj(y.transpose(1, 2).reshape(B, T, -1))
        return self.head(x)


model = AlibiLM()
idx = torch.randint(0, 32, (3, 10))
with torch.no_grad():
    a = model(idx)
    b = model(idx, explicit=True)
print("sdpa == explicit", torch.allclose(a, b, atol=1e-5), tuple(a.shape))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for step in range(6):
    logits = model(idx[:, :-1])
    loss = F.cross_entropy(logits.transpose(1, 2), idx[:, 1:])
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step}: {loss.item():.5f}")
with torch.no_grad():
    longer = torch.randint(0, 32, (1, 20))
    print("extrapolates to T=20", tuple(model(longer).shape),
          round(model(longer)[0, -1].logsumexp(-1).item(), 4))
