"""A character-level Transformer language model built on nn.TransformerDecoder (pre-norm
layers with norm_first=True, GELU, batch_first), run decoder-only by handing each layer a
one-token zero memory, a learned position embedding, padded variable-length lines with a
boolean tgt_key_padding_mask and ignore_index in the loss, a causal mask from
nn.Transformer.generate_square_subsequent_mask with tgt_is_causal=True, OneCycleLR, and a
generate() method with greedy, temperature and top-k sampling that stops at the end token."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(2024)
lines = ["hello world", "hello there", "help the world", "the world is here", "well hello"]
chars = sorted(set("".join(lines)))
PAD, BOS, EOS = 0, 1, 2
stoi = {c: i + 3 for i, c in enumerate(chars)}
itos = {i: c for c, i in stoi.items()}
V = len(stoi) + 3


def encode(s):
    return [BOS] + [stoi[c] for c in s] + [EOS]


seqs = [torch.tensor(encode(s)) for s in lines]
batch = nn.utils.rnn.pad_sequence(seqs, batch_first=True, padding_value=PAD)
print("vocab", V, "batch", tuple(batch.shape))


class CharTransformer(nn.Module):
    def __init__(self, vocab, d_model=32, nhead=4, num_layers=2, max_len=32):
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, d_model)
        layer = nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward=64, dropout=0.0,
                                           activation="gelu", batch_first=True,
                                           norm_first=True)
        self.decoder = nn.TransformerDecoder(layer, num_layers, norm=nn.LayerNorm(d_model))
        self.head = nn.Linear(d_model, vocab)

    def forward(self, idx, pad_mask=None):
        B, T = idx.shape
        x = self.tok(idx) + self.pos(torch.arange(T)).unsqueeze(0)
        mask = nn.Transformer.generate_square_subsequent_mask(T)
        memory = torch.zeros(B, 1, x.size(-1))
        h = self.decoder(x, memory, tgt_mask=mask, tgt_is_causal=True,
                         tgt_key_padding_mask=pad_mask)
        return self.head(h)

    @torch.no_grad()
    def generate(self, prefix, max_new_tokens=12, temperature=1.0, top_k=None, greedy=False):
        idx = torch.tensor([encode(prefix)[:-1]])
        for _ in range(max_new_tokens):
            logits = self(idx)[:, -1, :] / temperature
            if top_k is not None:
                v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < v[:, [-1]]] = -float("Inf")
            if greedy:
                nxt = logits.argmax(-1, keepdim=True)
            else:
                nxt = torch.multinomial(F.softmax(logits, dim=-1), num_samples=1)
            if nxt.item() == EOS:
                break
            idx = torch.cat((idx, nxt), dim=1)
        return "".join(itos.get(i, "?") for i in idx[0, 1:].tolist())


model = CharTransformer(V)
print("params", sum(p.numel() for p in model.parameters()))
mask = nn.Transformer.generate_square_subsequent_mask(4)
print(mask)
steps = 60
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, total_steps=steps)
inp, tgt = batch[:, :-1], batch[:, 1:]
pad_mask = inp == PAD
for step in range(steps):
    model.train()
    logits = model(inp, pad_mask)
    loss = F.cross_entropy(logits.reshape(-1, V), tgt.reshape(-1), ignore_index=PAD)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    if step % 15 == 14:
        print(f"step {step + 1} loss {loss.item():.4f} lr {sched.get_last_lr()[0]:.6f}")
model.eval()
print(repr(model.generate("hel", greedy=True)))
print(repr(model.generate("the w", greedy=True)))
torch.manual_seed(0)
print(repr(model.generate("he", temperature=0.8, top_k=3)))
torch.manual_seed(1)
print(repr(model.generate("w", temperature=1.0)))
with torch.no_grad():
    full = model(inp[:1, :6])
    part = model(inp[:1, :4])
print("causal:", torch.allclose(full[:, :4], part, atol=1e-5))
