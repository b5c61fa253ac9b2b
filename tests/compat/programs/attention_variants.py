"""Attention variants: scaled_dot_product_attention with boolean/float masks, is_causal, scale,
dropout after a seed, GQA-style repeat_interleave; MultiheadAttention with key padding masks,
averaged and per-head weights, kdim/vdim, batch_first on and off; gradients of each."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
B, H, T, D = 2, 4, 5, 8
q, k, v = (torch.randn(B, H, T, D, requires_grad=True) for _ in range(3))
bool_mask = torch.ones(T, T, dtype=torch.bool).tril()
float_mask = torch.zeros(B, 1, T, T).masked_fill(~bool_mask, float("-inf"))
outs = {
    "plain": F.scaled_dot_product_attention(q, k, v),
    "causal": F.scaled_dot_product_attention(q, k, v, is_causal=True),
    "bool": F.scaled_dot_product_attention(q, k, v, attn_mask=bool_mask),
    "float": F.scaled_dot_product_attention(q, k, v, attn_mask=float_mask, scale=0.5),
    "gqa": F.scaled_dot_product_attention(q, k[:, :2].repeat_interleave(2, 1),
                                          v[:, :2].repeat_interleave(2, 1), is_causal=True),
}
torch.manual_seed(1)
outs["dropout"] = F.scaled_dot_product_attention(q, k, v, dropout_p=0.3)
for name, o in outs.items():
    gq, gk, gv = torch.autograd.grad(o.square().sum(), (q, k, v))
    print(name, round(o.sum().item(), 4), round(gq.abs().sum().item(), 4),
          round(gk.abs().sum().item(), 4), round(gv.abs().sum().item(), 4))
x = torch.randn(T, B, 16, requires_grad=True)
mha = nn.MultiheadAttention(16, 4, dropout=0.0)
pad = torch.tensor([[False] * 5, [False, False, False, True, True]])
o, w = mha(x, x, x, key_padding_mask=pad)
print(o.shape, w.shape, round(w.sum().item(), 4), round(o.sum().item(), 4))
o, w = mha(x, x, x, key_padding_mask=pad, need_weights=True, average_attn_weights=False,
           attn_mask=nn.Transformer.generate_square_subsequent_mask(T))
print(w.shape, round(w[1, 2].sum().item(), 4))
o.sum().backward()
print(round(x.grad.abs().sum().item(), 4), round(mha.in_proj_weight.grad.abs().sum().item(), 4))
cross = nn.MultiheadAttention(16, 2, kdim=6, vdim=3, batch_first=True)
kv = torch.randn(B, 7, 6)
o, w = cross(torch.randn(B, T, 16), kv, torch.randn(B, 7, 3))
print(o.shape, w.shape, sorted(n for n, _ in cross.named_parameters()))
enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32, dropout=0.1, activation="gelu",
                                                       batch_first=True), num_layers=2)
torch.manual_seed(2)
y = enc(torch.randn(B, T, 16), src_key_padding_mask=pad)
print(round(y.sum().item(), 4), y.shape)
enc.eval()
print(round(enc(torch.randn(B, T, 16), mask=nn.Transformer.generate_square_subsequent_mask(T), is_causal=True).sum().item(), 4))
