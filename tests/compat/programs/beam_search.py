"""Beam search decoding for a small GRU seq2seq model as in NMT reference code: scores kept as
(batch*beam) log-probs, torch.topk over flattened beam x vocab, integer division and remainder to
recover beam and token, index_select / gather to reorder hidden states and histories,
masked_fill for finished hypotheses, length normalisation; compared with greedy decoding."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
V, H, BOS, EOS = 12, 16, 1, 2


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, H)
        self.gru = nn.GRU(H, H, batch_first=True)
        self.out = nn.Linear(H, V)

    def step(self, tok, h):
        o, h = self.gru(self.emb(tok).unsqueeze(1), h)
        return F.log_softmax(self.out(o.squeeze(1)), dim=-1), h


dec = Decoder()
with torch.no_grad():
    dec.out.bias[EOS] += 1.0
enc = torch.randn(1, 3, H).tanh()  # encoder summary for 3 source sentences


@torch.no_grad()
def beam_search(h0, beam=4, max_len=7, alpha=0.7):
    B = h0.size(1)
    h = h0.repeat_interleave(beam, dim=1)  # (1, B*beam, H)
    tokens = torch.full((B * beam, 1), BOS, dtype=torch.long)
    scores = torch.zeros(B, beam)
    scores[:, 1:] = -1e9  # only the first beam is live at the start
    scores = scores.view(-1)
    finished = torch.zeros(B * beam, dtype=torch.bool)
    for t in range(max_len):
        logp, h = dec.step(tokens[:, -1], h)
        logp = logp.masked_fill(finished.unsqueeze(1), -1e9)
        logp[:, EOS] = torch.where(finished, torch.zeros(()), logp[:, EOS])
        cand = (scores.unsqueeze(1) + logp).view(B, beam * V)
        top_scores, top_idx = torch.topk(cand, beam, dim=1)
        beam_idx = torch.div(top_idx, V, rounding_mode="floor")
        tok_idx = top_idx % V
        base = (torch.arange(B) * beam).unsqueeze(1)
        select = (base + beam_idx).view(-1)
        h = h.index_select(1, select)
        tokens = torch.cat([tokens.index_select(0, select), tok_idx.view(-1, 1)], dim=1)
        finished = finished.gather(0, select) | (tok_idx.view(-1) == EOS)
        scores = top_scores.view(-1)
        if bool(finished.all()):
            break
    lengths = ((tokens != EOS).cumsum(1) == torch.arange(1, tokens.size(1) + 1)).sum(1)
    normed = scores / (lengths.float() ** alpha)
    best = normed.view(B, beam).argmax(1)
    return tokens.view(B, beam, -1), scores.view(B, beam), best


toks, sc, best = beam_search(enc)
print(toks.shape, sc)
print(best, toks[torch.arange(3), best])

with torch.no_grad():
    h, tok, out = enc, torch.full((3,), BOS), []
    for _ in range(7):
        logp, h = dec.step(tok, h)
        val, tok = logp.max(-1)
        out.append(tok)
    print("greedy", torch.stack(out, 1))

# a little training then search again
opt = torch.optim.Adam(dec.parameters(), lr=0.02)
target = torch.tensor([[3, 4, 5, EOS], [6, 7, EOS, 0], [8, 8, 9, EOS]])
for it in range(20):
    h, tok, loss = enc, torch.full((3,), BOS), 0.0
    for t in range(4):
        logp, h = dec.step(tok, h)
        loss = loss + F.nll_loss(logp, target[:, t], ignore_index=0, reduction="sum")
        tok = target[:, t]
    opt.zero_grad()
    (loss / 3).backward()
    opt.step()
    if it % 5 == 0:
        print(it, round(loss.item() / 3, 4))
toks, sc, best = beam_search(enc, beam=3)
print(sc, toks[torch.arange(3), best])
v, i = torch.topk(torch.tensor([[1.0, 3.0, 3.0, 2.0], [0.0, -1.0, 5.0, 5.0]]), 2, largest=False)
print(v, i, torch.topk(torch.arange(10.0), 3, sorted=True))
