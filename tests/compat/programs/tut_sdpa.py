"""The scaled_dot_product_attention tutorial: F.scaled_dot_product_attention against the math
written out, sdpa_kernel(SDPBackend.MATH) as a context, is_causal against an explicit mask, and
the CausalSelfAttention module (c_attn split into q/k/v, heads by view/transpose, dropout only
in training, resid projection) run on a batch, trained a few steps and evaluated."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

torch.manual_seed(0)
device = "cpu"
query, key, value = torch.randn(2, 3, 8, device=device), torch.randn(2, 3, 8, device=device), \
    torch.randn(2, 3, 8, device=device)
out = F.scaled_dot_product_attention(query, key, value)
ref = torch.softmax(query @ key.transpose(-2, -1) / math.sqrt(8), dim=-1) @ value
print(out.shape, torch.allclose(out, ref, atol=1e-6), out.sum().item())

with sdpa_kernel(SDPBackend.MATH):
    out_math = F.scaled_dot_product_attention(query, key, value)
print("math backend equal", torch.allclose(out, out_math, atol=1e-6))

mask = torch.ones(3, 3, dtype=torch.bool).tril()
causal = F.scaled_dot_product_attention(query, key, value, is_causal=True)
masked = F.scaled_dot_product_attention(query, key, value, attn_mask=mask)
print("is_causal == tril mask", torch.allclose(causal, masked, atol=1e-6))


class CausalSelfAttention(nn.Module):
    def __init__(self, num_heads: int, embed_dimension: int, bias: bool = False,
                 is_causal: bool = False, dropout: float = 0.0):
        super().__init__()
        assert embed_dimension % num_heads == 0
        self.c_attn = nn.Linear(embed_dimension, 3 * embed_dimension, bias=bias)
        self.c_proj = nn.Linear(embed_dimension, embed_dimension, bias=bias)
        self.dropout = dropout
        self.resid_dropout = nn.Dropout(dropout)
        self.num_heads = num_heads
        self.embed_dimension = embed_dimension
        self.is_causal = is_causal

    def forward(self, x):
        query_projected = self.c_attn(x)
        batch_size = query_projected.size(0)
        embed_dim = query_projected.size(2)
        head_dim = embed_dim // (self.num_heads * 3)
        query, key, value = query_projected.chunk(3, -1)
        query = query.view(batch_size, -1, self.num_heads, head_dim).transpose(1, 2)
        key = key.view(batch_size, -1, self.num_heads, head_dim).transpose(1, 2)
        value = value.view(batch_size, -1, self.num_heads, head_dim).transpose(1, 2)
        if self.training:
            dropout = self.dropout
            is_causal = self.is_causal
        else:
            dropout = 0.0
            is_causal = False
        y = F.scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=dropout,
                                           is_causal=is_causal)
        y = y.transpose(1, 2).view(batch_size, -1, self.num_heads * head_dim)
        y = self.resid_dropout(self.c_proj(y))
        return y


num_heads = 4
heads_per_dim = 8
embed_dimension = num_heads * heads_per_dim
dtype = torch.float32
model = CausalSelfAttention(num_heads=num_heads, embed_dimension=embed_dimension, bias=False,
                            is_causal=True, dropout=0.0).to(dtype).to(device).eval()
print(model)
batch_size = 4
max_sequence_len = 16
x = torch.rand(batch_size, max_sequence_len, embed_dimension, device=device, dtype=dtype)
with torch.no_grad():
    y = model(x)
print("eval out", y.shape, y.abs().mean().item())

model.train()
target = torch.randn(batch_size, max_sequence_len, embed_dimension)
opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
for step in range(4):
    opt.zero_grad()
    loss = F.mse_loss(model(x), target)
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.6f}")
# causality: changing the last position leaves earlier outputs unchanged in training mode
x2 = x.clone()
x2[:, -1] += 1.0
with torch.no_grad():
    a, b = model(x), model(x2)
print("causal prefix unchanged", torch.allclose(a[:, :-1], b[:, :-1], atol=1e-6),
      "last changed", not torch.allclose(a[:, -1], b[:, -1]))
