"""Rotary position embeddings given explicit per-sample positions, as x-transformers-style
decoders accept them: positions repeated over the batch (``pos`` of shape (b, n)) must give the
same logits as the implicit ``arange(n)`` positions, bit for bit, since every element's angle
is the same number; the library's own test asserts ``allclose`` with default tolerances. The
cos/sin of the batched angle table is a larger tensor than the unbatched one."""
# compat: xfail (gradkit's float32 cos/sin round once from float64 for tensors of at most 256 elements and use NumPy's float32 kernels above, so the same angle gets a result one ulp apart depending on the tensor's size)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(3)


class Rotary(nn.Module):
    def __init__(self, dim, base=10000):
        super().__init__()
        self.register_buffer("inv_freq", 1.0 / base ** (torch.arange(0, dim, 2).float() / dim))

    def forward(self, pos):
        if pos.ndim == 1:
            pos = pos[None]
        freqs = torch.einsum("b i, j -> b i j", pos.type_as(self.inv_freq), self.inv_freq)
        return torch.stack((freqs, freqs), dim=-1).flatten(-2)


def rotate_half(x):
    x1, x2 = x.unflatten(-1, (-1, 2)).unbind(-1)
    return torch.stack((-x2, x1), dim=-1).flatten(-2)


def apply_rotary(t, freqs):
    freqs = freqs[:, None]  # b 1 n d: one table for all heads
    return t * freqs.cos() + rotate_half(t) * freqs.sin()


class Decoder(nn.Module):
    def __init__(self, vocab=64, dim=32, heads=4):
        super().__init__()
        self.heads = heads
        self.emb = nn.Embedding(vocab, dim)
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        self.out = nn.Linear(dim, vocab)
        self.rotary = Rotary(dim // heads)

    def forward(self, x, pos=None):
        b, n = x.shape
        pos = torch.arange(n) if pos is None else pos
        freqs = self.rotary(pos)
        q, k, v = self.qkv(self.emb(x)).chunk(3, dim=-1)
        q, k, v = (t.unflatten(-1, (self.heads, -1)).transpose(1, 2) for t in (q, k, v))
        q, k = apply_rotary(q, freqs), apply_rotary(k, freqs)
        h = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.out(h.transpose(1, 2).flatten(2))


model = Decoder()
x = torch.randint(0, 64, (6, 12))
pos = torch.arange(12).repeat(6, 1)
implicit, explicit = model(x), model(x, pos=pos)
print("angle tables equal:", torch.equal(model.rotary(pos)[:1], model.rotary(torch.arange(12))))
print("cos tables equal:", torch.equal(model.rotary(pos).cos()[:1],
                                       model.rotary(torch.arange(12)).cos()))
print("logits equal:", torch.equal(implicit, explicit))
print("logits allclose:", torch.allclose(implicit, explicit))
shifted = model(x, pos=pos + 5)
print("shifted positions change logits:", not torch.allclose(implicit, shifted))
