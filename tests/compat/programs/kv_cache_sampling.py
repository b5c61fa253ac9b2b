"""Incremental decoding with a key/value cache, the way small-LLM reference code writes it:
each step feeds only the new token, past keys/values are torch.cat-ed along the time axis, and
the next token is sampled with temperature, top-k (torch.topk + masked -inf) and nucleus top-p
(sort, cumsum, scatter back) filtering and torch.multinomial; the cached and uncached logits
agree."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(3)
V, D, H, L = 24, 32, 4, 2


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(D, 3 * D)
        self.c_proj = nn.Linear(D, D)

    def forward(self, x, past=None):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, H, C // H).transpose(1, 2)
        k = k.view(B, T, H, C // H).transpose(1, 2)
        v = v.view(B, T, H, C // H).transpose(1, 2)
        if past is not None:
            pk, pv = past
            k = torch.cat([pk, k], dim=-2)
            v = torch.cat([pv, v], dim=-2)
        present = (k, v)
        S = k.size(-2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        mask = torch.tril(torch.ones(S, S, dtype=torch.bool))[S - T:S]
        att = att.masked_fill(~mask, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y), present


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(D)
        self.attn = CausalSelfAttention()
        self.ln_2 = nn.LayerNorm(D)
        self.mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(approximate="tanh"),
                                 nn.Linear(4 * D, D))

    def forward(self, x, past=None):
        a, present = self.attn(self.ln_1(x), past)
        x = x + a
        return x + self.mlp(self.ln_2(x)), present


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(V, D)
        self.wpe = nn.Embedding(64, D)
        self.h = nn.ModuleList([Block() for _ in range(L)])
        self.ln_f = nn.LayerNorm(D)
        self.lm_head = nn.Linear(D, V, bias=False)
        self.lm_head.weight = self.wte.weight  # weight tying

    def forward(self, idx, past=None):
        past_len = 0 if past is None else past[0][0].size(-2)
        pos = torch.arange(past_len, past_len + idx.size(1), dtype=torch.long).unsqueeze(0)
        x = self.wte(idx) + self.wpe(pos)
        presents = []
        for i, block in enumerate(self.h):
            x, p = block(x, None if past is None else past[i])
            presents.append(p)
        return self.lm_head(self.ln_f(x)), presents


def top_k_top_p_filtering(logits, top_k=0, top_p=1.0, filter_value=-float("inf")):
    if top_k > 0:
        kth = torch.topk(logits, top_k)[0][..., -1, None]
        logits = logits.masked_fill(logits < kth, filter_value)
    if top_p < 1.0:
        sorted_logits, sorted_indices = torch.sort(logits, descending=True)
        cumulative_probs = torch.cumsum(F.softmax(sorted_logits, dim=-1), dim=-1)
        sorted_to_remove = cumulative_probs > top_p
        sorted_to_remove[..., 1:] = sorted_to_remove[..., :-1].clone()
        sorted_to_remove[..., 0] = 0
        to_remove = sorted_to_remove.scatter(1, sorted_indices, sorted_to_remove)
        logits = logits.masked_fill(to_remove, filter_value)
    return logits


@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=1.0, top_k=0, top_p=1.0, use_cache=True):
    past = None
    inp = idx
    for _ in range(max_new_tokens):
        if use_cache:
            logits, past = model(inp, past)
        else:
            logits, _ = model(idx)
        logits = logits[:, -1, :] / temperature
        logits = top_k_top_p_filtering(logits, top_k=top_k, top_p=top_p)
        probs = F.softmax(logits, dim=-1)
        nxt = torch.multinomial(probs, num_samples=1)
        idx = torch.cat((idx, nxt), dim=1)
        inp = nxt
    return idx


model = GPT()
print("tied:", model.lm_head.weight is model.wte.weight)
opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
data = torch.arange(200) % V
for step in range(40):
    ix = torch.randint(0, len(data) - 17, (8,))
    x = torch.stack([data[i:i + 16] for i in ix])
    y = torch.stack([data[i + 1:i + 17] for i in ix])
    logits, _ = model(x)
    loss = F.cross_entropy(logits.view(-1, V), y.view(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    if step % 10 == 9:
        print(f"step {step + 1} loss {loss.item():.4f}")
model.eval()

prompt = torch.tensor([[3, 4, 5], [10, 11, 12]])
with torch.no_grad():
    full, _ = model(torch.cat([prompt, prompt[:, -1:] + 1], 1))
    _, past = model(prompt)
    inc, _ = model(prompt[:, -1:] + 1, past)
print("cache agrees:", torch.allclose(full[:, -1], inc[:, -1], atol=1e-5))
print("cache shapes:", [tuple(k.shape) for k, v in past])

torch.manual_seed(0)
a = generate(model, prompt, 8, temperature=0.8, top_k=5)
torch.manual_seed(0)
b = generate(model, prompt, 8, temperature=0.8, top_k=5, use_cache=False)
print(a.tolist())
print("same with and without cache:", torch.equal(a, b))
torch.manual_seed(1)
print(generate(model, prompt, 8, temperature=1.2, top_p=0.9).tolist())
torch.manual_seed(2)
print(generate(model, prompt, 6, temperature=0.5, top_k=3, top_p=0.8).tolist())
logits = torch.tensor([[2.0, 1.0, 0.5, 0.1, -1.0]])
print(top_k_top_p_filtering(logits.clone(), top_k=3))
print(top_k_top_p_filtering(logits.clone(), top_p=0.7))
