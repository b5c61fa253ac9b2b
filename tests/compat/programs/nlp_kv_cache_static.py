"""A static (pre-allocated) key/value cache as in gpt-fast and transformers' StaticCache: cache
buffers registered on the module, written in place at cache_position with index_copy_ under
torch.no_grad, attention over the whole buffer with a mask built from cache_position, prefill then
one-token decode steps, reset with zero_(), and the result compared with a full recompute."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(23)
MAX_LEN, D, H, V = 16, 16, 2, 20


class KVCache(nn.Module):
    def __init__(self, batch, heads, max_len, head_dim):
        super().__init__()
        shape = (batch, heads, max_len, head_dim)
        self.register_buffer("k_cache", torch.zeros(shape), persistent=False)
        self.register_buffer("v_cache", torch.zeros(shape), persistent=False)

    def update(self, input_pos, k_val, v_val):
        self.k_cache.index_copy_(2, input_pos, k_val)
        self.v_cache[:, :, input_pos] = v_val
        return self.k_cache, self.v_cache


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.wqkv = nn.Linear(D, 3 * D, bias=False)
        self.wo = nn.Linear(D, D, bias=False)
        self.kv_cache = None

    def forward(self, x, mask, input_pos=None):
        B, T, _ = x.shape
        q, k, v = self.wqkv(x).split(D, dim=-1)
        q, k, v = (t.view(B, T, H, D // H).transpose(1, 2) for t in (q, k, v))
        if self.kv_cache is not None:
            k, v = self.kv_cache.update(input_pos, k, v)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=0.0)
        return self.wo(y.transpose(1, 2).contiguous().view(B, T, D))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(V, D)
        self.pos = nn.Embedding(MAX_LEN, D)
        self.layers = nn.ModuleList(Attention() for _ in range(2))
        self.norm = nn.LayerNorm(D)
        self.out = nn.Linear(D, V)
        self.register_buffer("causal_mask", torch.tril(torch.ones(MAX_LEN, MAX_LEN,
                                                                  dtype=torch.bool)))

    def setup_caches(self, batch):
        for layer in self.layers:
            layer.kv_cache = KVCache(batch, H, MAX_LEN, D // H)

    def forward(self, idx, input_pos):
        mask = self.causal_mask[None, None, input_pos]
        if self.layers[0].kv_cache is None:
            mask = mask[..., : idx.size(1)]
        x = self.tok(idx) + self.pos(input_pos)
        for layer in self.layers:
            x = x + layer(x, mask, input_pos)
        return self.out(self.norm(x))


model = Model()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
data = torch.randint(0, V, (6, MAX_LEN))
for step in range(8):
    logits = model(data[:, :-1], torch.arange(MAX_LEN - 1))
    loss = F.cross_entropy(logits.reshape(-1, V), data[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"loss {loss.item():.5f}", "buffers", [n for n, _ in model.named_buffers()])

model.eval()
prompt = torch.tensor([[3, 7, 1, 9], [2, 2, 5, 11]])
with torch.no_grad():
    model.setup_caches(2)
    print("cache buffers", len(list(model.buffers())), "state_dict", len(model.state_dict()))
    T = prompt.size(1)
    logits = model(prompt, torch.arange(T))
    seq = prompt
    for pos in range(T, 10):
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        seq = torch.cat([seq, nxt], 1)
        logits = model(nxt, torch.tensor([pos]))
    cached_last = logits[:, -1]
    print("decoded", seq.tolist())
    filled = (model.layers[0].kv_cache.k_cache.abs().sum(-1) > 0).sum(-1)
    print("filled slots", filled.tolist())
    for layer in model.layers:
        layer.kv_cache.k_cache.zero_()
        layer.kv_cache.v_cache.zero_()
        layer.kv_cache = None
    full = model(seq, torch.arange(seq.size(1)))[:, -1]
    print("cached == full", torch.allclose(cached_last, full, atol=1e-5),
          [round(v, 4) for v in full[0, :5].tolist()])
    q = torch.randn(1, 1, 3, 4)
    k = torch.randn(1, 1, 5, 4)
    m = torch.tensor([[True, True, False, False, False]] * 3)
    ref = (q @ k.transpose(-1, -2) / math.sqrt(4)).masked_fill(~m, -math.inf).softmax(-1) @ k
    print(torch.allclose(F.scaled_dot_product_attention(q, k, k, attn_mask=m), ref, atol=1e-6))
