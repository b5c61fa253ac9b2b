"""Which dtypes torch.einsum gives when its operands differ, the way causal linear attention
(the Performer's prefix-sum form) meets them under CPU autocast: an equation with a subscript
summed between two operands is a batched matrix product (on autocast's bfloat16 list, and refused
for mixed dtypes outside it), one with nothing summed between operands is an elementwise product
that promotes (float32 keys times bfloat16 values give float32). A small causal FAVOR-style
attention is run in float32 and under autocast and the two are compared."""
# compat: rtol=3e-2 atol=3e-2
import math

import torch

torch.manual_seed(4)
B, H, N, D, M = 2, 2, 6, 8, 16


def feature_map(x, proj, is_query):
    # positive random features exp(w.x - |x|^2 / 2 - max) / sqrt(m)
    x = x * D ** -0.25
    wx = torch.einsum("bhnd,md->bhnm", x, proj)
    sq = (x ** 2).sum(dim=-1, keepdim=True) / 2
    stab = wx.amax(dim=-1, keepdim=True) if is_query else wx.amax()
    return (torch.exp(wx - sq - stab) + 1e-4) / math.sqrt(M)


def causal_attention(q, k, v):
    kv = torch.einsum("bhnd,bhne->bhnde", k, v).cumsum(dim=-3)
    k_cum = k.cumsum(dim=-2)
    denom = torch.einsum("bhnd,bhnd->bhn", q, k_cum.type_as(q))
    num = torch.einsum("bhnd,bhnde->bhne", q, kv.type_as(q))
    return num / denom.unsqueeze(-1), kv.dtype


q, k = torch.randn(B, H, N, D), torch.randn(B, H, N, D)
v = torch.randn(B, H, N, D)
proj = torch.randn(M, D)

ref, _ = causal_attention(feature_map(q, proj, True), feature_map(k, proj, False), v)
with torch.autocast("cpu", dtype=torch.bfloat16):
    qf = feature_map(q, proj, True)
    kf = feature_map(k, proj, False)
    vb = v.to(torch.bfloat16)
    out, kv_dtype = causal_attention(qf.float(), kf.float(), vb)
    print("features:", qf.dtype, "kv prefix sums:", kv_dtype, "output:", out.dtype)
    outer = torch.einsum("bi,bj->bij", torch.ones(2, 3), torch.ones(2, 4, dtype=torch.bfloat16))
    inner = torch.einsum("bi,bi->b", torch.ones(2, 3), torch.ones(2, 3, dtype=torch.bfloat16))
    print("outer product:", outer.dtype, "contraction:", inner.dtype)
# the non-causal form: context = k^T v, then (context, q, 1/normaliser) in one einsum, which
# PyTorch contracts left to right: a bfloat16 bmm, then a product with the float32 scale
kf32, qf32 = feature_map(k, proj, False), feature_map(q, proj, True)
d_inv = 1.0 / torch.einsum("bhnd,bhd->bhn", qf32, kf32.sum(dim=-2))
with torch.autocast("cpu", dtype=torch.bfloat16):
    context = torch.einsum("bhnd,bhne->bhde", kf32, v)
    full = torch.einsum("bhde,bhnd,bhn->bhne", context, qf32, d_inv)
    scale_first = torch.einsum("bhn,bhnd,bhde->bhne", d_inv, qf32, context)
print("context:", context.dtype, "three operands:", full.dtype, "scale first:", scale_first.dtype)
print("non-causal row:", [round(x, 3) for x in full[0, 0, -1].float().tolist()])
print("autocast vs float32 max difference below 0.05:", (out.float() - ref).abs().max().item() < 0.05)
print("reference row:", [round(x, 4) for x in ref[0, 0, -1].tolist()])

a = torch.randn(3, 4)
b = torch.randn(3, 5, dtype=torch.float64)
c = torch.arange(12).reshape(3, 4)
print("float32 x float64 outer:", torch.einsum("ni,nj->nij", a, b).dtype)
print("float32 x int64 elementwise:", torch.einsum("ni,ni->ni", a, c).dtype)
mask_outer = torch.einsum("i,j->ij", torch.tensor([True, False]), a[0])
print("bool x float32 outer:", mask_outer.dtype, round(mask_outer.sum().item(), 5))
for eq, x, y in [("ni,nj->ij", a, b), ("ni,ni->n", a, c)]:
    try:
        torch.einsum(eq, x, y)
        print(eq, "accepted")
    except RuntimeError:
        print(eq, "refused: mixed dtypes in a contraction")

# gradients flow back to each operand in its own dtype
x = torch.randn(2, 3, requires_grad=True)
y = torch.randn(2, 4, dtype=torch.float64, requires_grad=True)
torch.einsum("bi,bj->bij", x, y).pow(2).sum().backward()
print("grads:", x.grad.dtype, y.grad.dtype, round(x.grad.sum().item(), 5), round(y.grad.sum().item(), 5))
