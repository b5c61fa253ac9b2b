"""nn.MultiheadAttention with every masking idiom NLP code uses: boolean and float
key_padding_mask, a 2-D causal attn_mask and a per-head 3-D mask of shape (batch*heads, L, S),
need_weights with average_attn_weights=False, add_bias_kv / add_zero_attn, kdim/vdim different
from embed_dim for cross-attention, batch_first, and the masked positions getting zero weight."""
import torch
import torch.nn as nn

torch.manual_seed(19)
B, L, S, E, Hh = 3, 4, 6, 8, 2
q = torch.randn(B, L, E)
kv = torch.randn(B, S, E)
lengths = torch.tensor([6, 4, 2])
kpm = torch.arange(S)[None, :] >= lengths[:, None]
print("padding mask", kpm.int().tolist())

mha = nn.MultiheadAttention(E, Hh, batch_first=True)
out, w = mha(q, kv, kv, key_padding_mask=kpm)
print(tuple(out.shape), tuple(w.shape), "padded weight", w[2, :, 2:].abs().max().item())
print("rows sum to one", torch.allclose(w.sum(-1), torch.ones(B, L)))
float_kpm = torch.zeros(B, S).masked_fill(kpm, float("-inf"))
out_f, _ = mha(q, kv, kv, key_padding_mask=float_kpm)
print("float mask == bool mask", torch.allclose(out, out_f, atol=1e-6))
_, per_head = mha(q, kv, kv, key_padding_mask=kpm, average_attn_weights=False)
print("per head", tuple(per_head.shape), torch.allclose(per_head.mean(1), w, atol=1e-6))

x = torch.randn(B, L, E)
causal = torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1)
y, wc = mha(x, x, x, attn_mask=causal)
print("causal upper zero", wc.triu(1).abs().max().item(), [round(v, 4) for v in y[0, 0].tolist()])
per_example = torch.zeros(B * Hh, L, L)
per_example[Hh:] = float("-inf")
per_example[Hh:, :, 0] = 0.0
y3, w3 = mha(x, x, x, attn_mask=per_example, need_weights=True)
print("3-D mask", tuple(w3.shape), w3[1, :, 0].tolist(), torch.allclose(y3[0], mha(
    x[:1], x[:1], x[:1])[0][0], atol=1e-6))
_, none_w = mha(x, x, x, need_weights=False)
print("need_weights=False", none_w)

cross = nn.MultiheadAttention(E, Hh, kdim=5, vdim=3, batch_first=True)
k5, v3 = torch.randn(B, S, 5), torch.randn(B, S, 3)
co, cw = cross(q, k5, v3, key_padding_mask=kpm)
print("kdim/vdim", tuple(co.shape), cross._qkv_same_embed_dim,
      sorted(n for n, _ in cross.named_parameters()))

extra = nn.MultiheadAttention(E, Hh, add_bias_kv=True, add_zero_attn=True, dropout=0.0)
xt = x.transpose(0, 1)
eo, ew = extra(xt, xt, xt, key_padding_mask=torch.zeros(B, L, dtype=torch.bool))
print("bias_kv + zero_attn", tuple(eo.shape), tuple(ew.shape), tuple(extra.bias_k.shape))

opt = torch.optim.Adam(list(mha.parameters()) + list(cross.parameters()), lr=1e-2)
target = torch.randn(B, L, E)
for step in range(5):
    a, _ = mha(q, kv, kv, key_padding_mask=kpm)
    c, _ = cross(q, k5, v3, key_padding_mask=kpm)
    loss = ((a + c - target) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step} {loss.item():.6f}")
print("in_proj grad", round(mha.in_proj_weight.grad.norm().item(), 5),
      round(cross.q_proj_weight.grad.norm().item(), 5))
