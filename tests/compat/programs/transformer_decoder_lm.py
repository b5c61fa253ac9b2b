"""A word-level language model in the style of the tutorials: a tiny whitespace tokenizer with a
vocab dict, nn.Embedding + sinusoidal positional encoding + nn.TransformerDecoder (decoder-only,
causal mask from generate_square_subsequent_mask), AdamW with a LambdaLR warmup, and generate()
with temperature, top-k filtering via torch.topk and torch.multinomial sampling."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

text = ("the cat sat on the mat . the dog sat on the log . a cat saw a dog . "
        "the dog saw the cat on the mat .")
words = text.split()
vocab = {w: i for i, w in enumerate(["<pad>", "<bos>"] + sorted(set(words)))}
itos = {i: w for w, i in vocab.items()}
ids = torch.tensor([vocab[w] for w in words], dtype=torch.long)
print("vocab", len(vocab), "tokens", ids.numel(), ids[:10])


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=64):
        super().__init__()
        pos = torch.arange(max_len).unsqueeze(1)
        div = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(pos * div)
        pe[:, 0, 1::2] = torch.cos(pos * div)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[: x.size(0)]


class LM(nn.Module):
    def __init__(self, ntok, d=32, nhead=4, layers=2):
        super().__init__()
        self.emb = nn.Embedding(ntok, d, padding_idx=0)
        self.pos = PositionalEncoding(d)
        layer = nn.TransformerDecoderLayer(d, nhead, dim_feedforward=64, dropout=0.0)
        self.dec = nn.TransformerDecoder(layer, layers, norm=nn.LayerNorm(d))
        self.head = nn.Linear(d, ntok)
        self.d = d

    def forward(self, src):  # src: (T, B)
        x = self.pos(self.emb(src) * math.sqrt(self.d))
        mask = nn.Transformer.generate_square_subsequent_mask(src.size(0))
        memory = torch.zeros(1, src.size(1), self.d)
        return self.head(self.dec(x, memory, tgt_mask=mask, tgt_is_causal=True))


torch.manual_seed(0)
model = LM(len(vocab))
print("params", sum(p.numel() for p in model.parameters()))
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 5))
bptt, batch = 8, 4
for step in range(25):
    starts = torch.randint(0, ids.numel() - bptt - 1, (batch,))
    x = torch.stack([ids[s:s + bptt] for s in starts.tolist()], dim=1)
    y = torch.stack([ids[s + 1:s + bptt + 1] for s in starts.tolist()], dim=1)
    logits = model(x)
    loss = F.cross_entropy(logits.view(-1, len(vocab)), y.reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    opt.step()
    sched.step()
    if step % 6 == 0:
        print(step, f"{loss.item():.4f}", f"{gn.item():.4f}", sched.get_last_lr())


@torch.no_grad()
def generate(model, prompt, n, temperature=1.0, top_k=None):
    model.eval()
    seq = torch.tensor([vocab[w] for w in prompt.split()]).unsqueeze(1)
    for _ in range(n):
        logits = model(seq)[-1, 0] / temperature
        if top_k is not None:
            v, _ = torch.topk(logits, top_k)
            logits[logits < v[-1]] = -float("inf")
        probs = F.softmax(logits, dim=-1)
        nxt = torch.multinomial(probs, num_samples=1)
        seq = torch.cat([seq, nxt.view(1, 1)], dim=0)
    return " ".join(itos[i] for i in seq.squeeze(1).tolist())


torch.manual_seed(1)
print(generate(model, "the cat", 8, temperature=0.8, top_k=3))
print(generate(model, "a dog", 8, temperature=1.5))
greedy = model(torch.tensor([[vocab["the"]], [vocab["dog"]]]))[-1, 0]
print("greedy", itos[greedy.argmax().item()], greedy.softmax(-1).max().item())
probs = torch.softmax(greedy, -1)
print(torch.multinomial(probs, 5, replacement=True), torch.multinomial(probs, 3))
print(torch.multinomial(probs.expand(2, -1), 2))
