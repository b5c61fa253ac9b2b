"""T5's relative position bias as the Mesh-TensorFlow / Hugging Face code writes it: the
bucketing function (exact buckets for short distances, log-spaced buckets up to max_distance,
bidirectional halves, torch.where / torch.min / torch.full_like / .to(torch.long)), an
nn.Embedding(num_buckets, n_heads) looked up with a [q, k] bucket matrix and permuted to
[1, heads, q, k], added to unscaled dot-product scores (T5 has no 1/sqrt(d)), an RMS
LayerNorm without mean subtraction (T5LayerNorm), a causal variant for the decoder, and a
small copy task trained with Adafactor-free AdamW."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def relative_position_bucket(relative_position, bidirectional=True, num_buckets=32, max_distance=128):
    relative_buckets = 0
    if bidirectional:
        num_buckets //= 2
        relative_buckets += (relative_position > 0).to(torch.long) * num_buckets
        relative_position = torch.abs(relative_position)
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    relative_position_if_large = max_exact + (
        torch.log(relative_position.float() / max_exact)
        / math.log(max_distance / max_exact)
        * (num_buckets - max_exact)
    ).to(torch.long)
    relative_position_if_large = torch.min(
        relative_position_if_large, torch.full_like(relative_position_if_large, num_buckets - 1))
    relative_buckets += torch.where(is_small, relative_position, relative_position_if_large)
    return relative_buckets


ctx = torch.arange(12, dtype=torch.long)[:, None]
mem = torch.arange(12, dtype=torch.long)[None, :]
rel = mem - ctx
print("bidirectional buckets row 0", relative_position_bucket(rel, True, 16, 20)[0].tolist())
print("causal buckets row 11", relative_position_bucket(rel, False, 16, 20)[11].tolist())
far = torch.tensor([-200, -50, -9, -1, 0, 1, 9, 50, 200])
print("far", relative_position_bucket(far).tolist())


class T5LayerNorm(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        variance = hidden_states.to(torch.float32).pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states


class T5Attention(nn.Module):
    def __init__(self, d_model=32, n_heads=4, causal=False, num_buckets=16, max_distance=32):
        super().__init__()
        self.n_heads, self.d_kv = n_heads, d_model // n_heads
        self.q = nn.Linear(d_model, d_model, bias=False)
        self.k = nn.Linear(d_model, d_model, bias=False)
        self.v = nn.Linear(d_model, d_model, bias=False)
        self.o = nn.Linear(d_model, d_model, bias=False)
        self.relative_attention_bias = nn.Embedding(num_buckets, n_heads)
        self.causal, self.num_buckets, self.max_distance = causal, num_buckets, max_distance

    def compute_bias(self, q_len, k_len):
        context_position = torch.arange(q_len, dtype=torch.long)[:, None]
        memory_position = torch.arange(k_len, dtype=torch.long)[None, :]
        buckets = relative_position_bucket(memory_position - context_position,
                                           bidirectional=not self.causal,
                                           num_buckets=self.num_buckets,
                                           max_distance=self.max_distance)
        values = self.relative_attention_bias(buckets)  # q, k, heads
        return values.permute([2, 0, 1]).unsqueeze(0)

    def forward(self, x):
        B, L, _ = x.shape
        shape = lambda t: t.view(B, -1, self.n_heads, self.d_kv).transpose(1, 2)  # noqa: E731
        q, k, v = shape(self.q(x)), shape(self.k(x)), shape(self.v(x))
        scores = torch.matmul(q, k.transpose(3, 2))
        position_bias = self.compute_bias(L, L)
        if self.causal:
            mask = torch.triu(torch.ones(L, L, dtype=torch.bool), 1)
            position_bias = position_bias.masked_fill(mask, torch.finfo(scores.dtype).min)
        scores += position_bias
        attn_weights = F.softmax(scores.float(), dim=-1).type_as(scores)
        out = torch.matmul(attn_weights, v).transpose(1, 2).contiguous().view(B, L, -1)
        return self.o(out), position_bias


class Block(nn.Module):
    def __init__(self, causal):
        super().__init__()
        self.ln1, self.ln2 = T5LayerNorm(32), T5LayerNorm(32)
        self.attn = T5Attention(causal=causal)
        self.ff = nn.Sequential(nn.Linear(32, 64, bias=False), nn.ReLU(), nn.Linear(64, 32, bias=False))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))[0]
        return x + self.ff(self.ln2(x))


class TinyT5(nn.Module):
    def __init__(self, vocab=12, causal=False):
        super().__init__()
        self.embed = nn.Embedding(vocab, 32)
        self.blocks = nn.Sequential(Block(causal), Block(causal))
        self.final = T5LayerNorm(32)
        self.lm_head = nn.Linear(32, vocab, bias=False)

    def forward(self, ids):
        h = self.final(self.blocks(self.embed(ids)))
        return self.lm_head(h * (32 ** -0.5))


# task: output the token two positions to the left (needs relative positions, no absolute ones)
for causal in (False, True):
    torch.manual_seed(1)
    model = TinyT5(causal=causal)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for step in range(60):
        ids = torch.randint(2, 12, (16, 10))
        target = torch.roll(ids, 2, dims=1)
        target[:, :2] = -100
        logits = model(ids)
        loss = F.cross_entropy(logits.view(-1, 12), target.view(-1), ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        ids = torch.randint(2, 12, (32, 10))
        pred = model(ids).argmax(-1)
        acc = (pred[:, 2:] == ids[:, :-2]).float().mean().item()
        _, bias = model.blocks[0].attn(model.embed(ids[:1]))
    print(f"causal={causal} loss {loss.item():.4f} shift-2 accuracy {acc:.3f} bias {tuple(bias.shape)}")
    print("  head-0 bias at distance -2..2",
          [round(v, 4) for v in bias[0, 0, 5, 3:8].clamp(min=-1e4).tolist()])
