"""GPT-style causal LM code as Hugging Face modeling files write it: a causal mask buffer
(tril ... view(1, 1, n, n), persistent=False), masking with torch.where and a mask value of
torch.finfo(dtype).min, a padding mask combined with the causal mask, get/set_input_embeddings
and tie_weights (lm_head.weight = wte.weight), gradient-checkpointing flags that route blocks
through torch.utils.checkpoint.checkpoint(use_reentrant=False) in training, shifted labels with
-100 ignored, resize_token_embeddings, and greedy generation with an attention mask."""
from dataclasses import dataclass

import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint


@dataclass
class GPTConfig:
    vocab_size: int = 40
    n_positions: int = 24
    n_embd: int = 32
    n_head: int = 4
    n_layer: int = 2
    tie_word_embeddings: bool = True


class Attention(nn.Module):
    def __init__(self, config):
        super().__init__()
        n = config.n_positions
        self.register_buffer("bias", torch.tril(torch.ones((n, n), dtype=torch.bool)).view(
            1, 1, n, n), persistent=False)
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)
        self.n_head, self.head_dim = config.n_head, config.n_embd // config.n_head

    def forward(self, x, attention_mask=None):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, self.head_dim).transpose(1, 2) for t in (q, k, v))
        w = torch.matmul(q, k.transpose(-1, -2)) / torch.full([], v.size(-1) ** 0.5,
                                                               dtype=q.dtype)
        causal = self.bias[:, :, :T, :T]
        mask_value = torch.full([], torch.finfo(w.dtype).min, dtype=w.dtype)
        w = torch.where(causal, w, mask_value)
        if attention_mask is not None:
            w = w + attention_mask
        w = nn.functional.softmax(w, dim=-1)
        out = torch.matmul(w, v).transpose(1, 2).reshape(B, T, C)
        return self.c_proj(out)


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(config.n_embd), nn.LayerNorm(config.n_embd)
        self.attn = Attention(config)
        self.mlp = nn.Sequential(nn.Linear(config.n_embd, 4 * config.n_embd),
                                 nn.GELU(approximate="tanh"),
                                 nn.Linear(4 * config.n_embd, config.n_embd))

    def forward(self, x, attention_mask=None):
        x = x + self.attn(self.ln_1(x), attention_mask)
        return x + self.mlp(self.ln_2(x))


class GPTLMHeadModel(nn.Module):
    supports_gradient_checkpointing = True

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.n_positions, config.n_embd)
        self.h = nn.ModuleList([Block(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.gradient_checkpointing = False
        self.apply(self._init_weights)
        self.tie_weights()

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
        for name, p in module.named_parameters(recurse=False):
            if name == "weight" and isinstance(module, nn.Linear) and module.out_features == \
                    self.config.n_embd and module.in_features == 4 * self.config.n_embd:
                nn.init.normal_(p, mean=0.0, std=0.02 / (2 * self.config.n_layer) ** 0.5)

    def get_input_embeddings(self):
        return self.wte

    def set_input_embeddings(self, value):
        self.wte = value

    def tie_weights(self):
        if self.config.tie_word_embeddings:
            self.lm_head.weight = self.get_input_embeddings().weight

    def gradient_checkpointing_enable(self):
        self.gradient_checkpointing = True

    def resize_token_embeddings(self, new_num):
        old = self.get_input_embeddings()
        new = nn.Embedding(new_num, old.embedding_dim)
        self._init_weights(new)
        n = min(old.num_embeddings, new_num)
        with torch.no_grad():
            new.weight[:n] = old.weight[:n]
        self.set_input_embeddings(new)
        self.lm_head = nn.Linear(old.embedding_dim, new_num, bias=False)
        self.config.vocab_size = new_num
        self.tie_weights()
        return new

    def forward(self, input_ids, attention_mask=None, labels=None):
        B, T = input_ids.shape
        if attention_mask is not None:
            attention_mask = attention_mask.view(B, 1, 1, T).to(self.wte.weight.dtype)
            attention_mask = (1.0 - attention_mask) * torch.finfo(self.wte.weight.dtype).min
            position_ids = (attention_mask.view(B, T) == 0).long().cumsum(-1) - 1
            position_ids = position_ids.clamp(min=0)
        else:
            position_ids = torch.arange(T).unsqueeze(0)
        x = self.wte(input_ids) + self.wpe(position_ids)
        for block in self.h:
            if self.gradient_checkpointing and self.training:
                x = checkpoint(block, x, attention_mask, use_reentrant=False)
            else:
                x = block(x, attention_mask)
        logits = self.lm_head(self.ln_f(x))
        loss = None
        if labels is not None:
            shift_logits = logits[..., :-1, :].contiguous()
            shift_labels = labels[..., 1:].contiguous()
            loss = nn.CrossEntropyLoss()(shift_logits.view(-1, shift_logits.size(-1)),
                                         shift_labels.view(-1))
        return loss, logits


torch.manual_seed(0)
config = GPTConfig()
model = GPTLMHeadModel(config)
print("tied", model.lm_head.weight is model.wte.weight,
      "params", sum(p.numel() for p in model.parameters()))
print("state_dict has bias buffer", any(k.endswith(".attn.bias") for k in model.state_dict()))
print("state_dict keys", len(model.state_dict()))

pattern = torch.tensor([1, 2, 3, 4, 5, 6, 7, 8])
data = torch.stack([torch.roll(pattern, int(s)) for s in torch.randint(0, 8, (16,))])
data = torch.cat([data, data], dim=1)[:, :12]
labels = data.clone()
labels[:4, :3] = -100
model.gradient_checkpointing_enable()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
for step in range(25):
    model.train()
    loss, _ = model(data, labels=labels)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if step % 8 == 0 or step == 24:
        print(f"step {step} loss {loss.item():.5f}")
print("still tied after training", model.lm_head.weight is model.wte.weight)

model.eval()
prompt = torch.tensor([[0, 0, 3, 4, 5], [1, 2, 3, 4, 5]])
mask = torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]])
ids = prompt
with torch.no_grad():
    for _ in range(5):
        _, logits = model(ids, attention_mask=mask)
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        ids = torch.cat([ids, nxt], dim=1)
        mask = torch.cat([mask, torch.ones_like(nxt)], dim=1)
print("generated", ids[:, 5:].tolist())

new = model.resize_token_embeddings(44)
print("resized", tuple(new.weight.shape), "tied", model.lm_head.weight is model.wte.weight,
      "old rows kept", torch.equal(new.weight[:40], model.wte.weight[:40]))
print("vocab", model.config.vocab_size, "logits", tuple(model(prompt)[1].shape))
