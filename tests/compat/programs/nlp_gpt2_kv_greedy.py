"""A GPT-2 block the way Hugging Face's modeling_gpt2 writes it: Conv1D layers (weight stored
transposed, torch.addmm), a causal-mask buffer registered with persistent=False, a tied lm_head,
past_key_values threaded through greedy generation, and the cached and full forward passes
compared token by token."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Conv1D(nn.Module):
    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


class Attention(nn.Module):
    def __init__(self, n_embd, n_head, n_ctx):
        super().__init__()
        self.n_head = n_head
        self.split_size = n_embd
        self.register_buffer("bias", torch.tril(torch.ones((n_ctx, n_ctx), dtype=torch.bool))
                             .view(1, 1, n_ctx, n_ctx), persistent=False)
        self.register_buffer("masked_bias", torch.tensor(-1e4), persistent=False)
        self.c_attn = Conv1D(3 * n_embd, n_embd)
        self.c_proj = Conv1D(n_embd, n_embd)

    def _split_heads(self, x):
        new_shape = x.size()[:-1] + (self.n_head, x.size(-1) // self.n_head)
        return x.view(new_shape).permute(0, 2, 1, 3)

    def _merge_heads(self, x):
        x = x.permute(0, 2, 1, 3).contiguous()
        return x.view(x.size()[:-2] + (x.size(-2) * x.size(-1),))

    def forward(self, hidden, layer_past=None, use_cache=False):
        query, key, value = self.c_attn(hidden).split(self.split_size, dim=2)
        query, key, value = map(self._split_heads, (query, key, value))
        if layer_past is not None:
            past_key, past_value = layer_past
            key = torch.cat((past_key, key), dim=-2)
            value = torch.cat((past_value, value), dim=-2)
        present = (key, value) if use_cache else None
        w = torch.matmul(query, key.transpose(-1, -2)) / math.sqrt(value.size(-1))
        nd, ns = w.size(-2), w.size(-1)
        mask = self.bias[:, :, ns - nd:ns, :ns]
        w = torch.where(mask, w, self.masked_bias.to(w.dtype))
        w = nn.functional.softmax(w, dim=-1)
        out = self._merge_heads(torch.matmul(w, value))
        return self.c_proj(out), present


class Block(nn.Module):
    def __init__(self, n_embd, n_head, n_ctx):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd, eps=1e-5)
        self.attn = Attention(n_embd, n_head, n_ctx)
        self.ln_2 = nn.LayerNorm(n_embd, eps=1e-5)
        self.c_fc = Conv1D(4 * n_embd, n_embd)
        self.c_proj = Conv1D(n_embd, 4 * n_embd)

    def forward(self, x, layer_past=None, use_cache=False):
        a, present = self.attn(self.ln_1(x), layer_past, use_cache)
        x = x + a
        m = self.c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))
        return x + m, present


class GPT2LMHeadModel(nn.Module):
    def __init__(self, vocab=40, n_ctx=32, n_embd=32, n_head=4, n_layer=2):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(n_ctx, n_embd)
        self.h = nn.ModuleList([Block(n_embd, n_head, n_ctx) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab, bias=False)
        self.lm_head.weight = self.wte.weight

    def forward(self, input_ids, past_key_values=None, use_cache=False, labels=None):
        past_length = 0 if past_key_values is None else past_key_values[0][0].size(-2)
        position_ids = torch.arange(past_length, input_ids.size(-1) + past_length,
                                    dtype=torch.long).unsqueeze(0)
        h = self.wte(input_ids) + self.wpe(position_ids)
        presents = []
        for i, block in enumerate(self.h):
            h, present = block(h, None if past_key_values is None else past_key_values[i],
                               use_cache)
            presents.append(present)
        logits = self.lm_head(self.ln_f(h))
        loss = None
        if labels is not None:
            shift_logits = logits[..., :-1, :].contiguous()
            shift_labels = labels[..., 1:].contiguous()
            loss = F.cross_entropy(shift_logits.view(-1, shift_logits.size(-1)),
                                   shift_labels.view(-1))
        return loss, logits, (tuple(presents) if use_cache else None)


model = GPT2LMHeadModel()
print(sorted(k for k in model.state_dict() if "bias" in k and "attn" in k)[:3])
print("buffers", [n for n, _ in model.named_buffers()][:2], len(model.state_dict()))
print("tied", model.lm_head.weight is model.wte.weight,
      sum(p.numel() for p in model.parameters()))

opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
data = torch.randint(0, 40, (8, 16))
for step in range(6):
    loss, _, _ = model(data, labels=data)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.5f}")

model.eval()


@torch.no_grad()
def generate(ids, max_new_tokens):
    loss, logits, past = model(ids, use_cache=True)
    for _ in range(max_new_tokens):
        next_tok = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        ids = torch.cat([ids, next_tok], dim=-1)
        _, logits, past = model(next_tok, past_key_values=past, use_cache=True)
    return ids, past


prompt = torch.tensor([[1, 5, 7], [2, 3, 9]])
out, past = generate(prompt, 8)
print(out.tolist())
print("cache", len(past), tuple(past[0][0].shape))
with torch.no_grad():
    _, full_logits, _ = model(out[:, :-1])
    _, step_logits, _ = model(out[:, -2:-1], past_key_values=[(k[:, :, :-2], v[:, :, :-2])
                                                              for k, v in past], use_cache=True)
print("max diff cached vs full", (full_logits[:, -1] - step_logits[:, -1]).abs().max().item()
      < 1e-5)
print("last logits", [round(v, 4) for v in full_logits[0, -1, :6].tolist()])
