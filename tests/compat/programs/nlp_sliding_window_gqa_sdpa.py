"""Mistral-style attention through F.scaled_dot_product_attention: a sliding-window causal mask
built with torch.triu/torch.tril diagonals, grouped-query attention both by repeat_interleave of
the key/value heads and by enable_gqa=True, is_causal=True against an explicit mask, a custom
scale=, the sdpa_kernel(SDPBackend.MATH) context, and HF rotate_half rotary embeddings with
position_ids gathered from cos/sin caches."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

torch.manual_seed(28)
B, T, NH, NKV, HD, W = 2, 9, 4, 2, 8, 4


def sliding_window_mask(T, window):
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    too_old = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=-window + 1)
    return causal & too_old


mask = sliding_window_mask(T, W)
print(mask.int()[-1].tolist(), mask.sum().item())


class RotaryEmbedding(nn.Module):
    def __init__(self, dim, max_position_embeddings=32, base=10000.0):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        t = torch.arange(max_position_embeddings, dtype=torch.int64).type_as(self.inv_freq)
        freqs = torch.outer(t, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos(), persistent=False)
        self.register_buffer("sin_cached", emb.sin(), persistent=False)

    def forward(self, position_ids):
        return self.cos_cached[position_ids], self.sin_cached[position_ids]


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=1):
    cos = cos.unsqueeze(unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim)
    return (q * cos) + (rotate_half(q) * sin), (k * cos) + (rotate_half(k) * sin)


rope = RotaryEmbedding(HD)
q = torch.randn(B, NH, T, HD)
k = torch.randn(B, NKV, T, HD)
v = torch.randn(B, NKV, T, HD)
position_ids = torch.arange(T).unsqueeze(0).expand(B, -1)
cos, sin = rope(position_ids)
q, k = apply_rotary_pos_emb(q, k, cos, sin)
print("rope", tuple(cos.shape), round(q.norm().item(), 4))

k_rep = k.repeat_interleave(NH // NKV, dim=1)
v_rep = v.repeat_interleave(NH // NKV, dim=1)
out_rep = F.scaled_dot_product_attention(q, k_rep, v_rep, attn_mask=mask)
out_gqa = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)
print("gqa == repeat", torch.allclose(out_rep, out_gqa, atol=1e-6), tuple(out_gqa.shape))
scores = q @ k_rep.transpose(-2, -1) / math.sqrt(HD)
manual = scores.masked_fill(~mask, float("-inf")).softmax(-1) @ v_rep
print("manual", torch.allclose(manual, out_rep, atol=1e-5))
causal = F.scaled_dot_product_attention(q, k_rep, v_rep, is_causal=True)
explicit = F.scaled_dot_product_attention(q, k_rep, v_rep,
                                          attn_mask=torch.ones(T, T, dtype=torch.bool).tril())
print("is_causal", torch.allclose(causal, explicit, atol=1e-6))
with sdpa_kernel(SDPBackend.MATH):
    scaled = F.scaled_dot_product_attention(q, k_rep, v_rep, scale=0.1, is_causal=True)
print("scale", round(scaled.sum().item(), 4), round(causal.sum().item(), 4))
with sdpa_kernel([SDPBackend.MATH, SDPBackend.FLASH_ATTENTION]):
    float_mask = torch.zeros(T, T).masked_fill(~mask, float("-inf"))
    print("float mask", torch.allclose(F.scaled_dot_product_attention(q, k_rep, v_rep,
                                                                      attn_mask=float_mask),
                                       out_rep, atol=1e-6))

qp = q.clone().requires_grad_()
kp = k.clone().requires_grad_()
vp = v.clone().requires_grad_()
F.scaled_dot_product_attention(qp, kp, vp, attn_mask=mask, enable_gqa=True).pow(2).sum().backward()
print("grads", tuple(kp.grad.shape), round(qp.grad.norm().item(), 5), round(kp.grad.norm().item(), 5),
      round(vp.grad.norm().item(), 5))
