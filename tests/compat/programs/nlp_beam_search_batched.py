"""Batched beam search as seq2seq libraries write it: beams flattened into the batch with
repeat_interleave, log-probabilities added to running beam scores, topk over beam*vocab,
integer division and remainder to recover beam and token ids, index_select to reorder hidden
states, a length penalty ((5 + len) / 6) ** alpha when ranking finished hypotheses."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(7)
V, BOS, EOS, H = 16, 1, 2, 24


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, 16)
        self.cell = nn.LSTMCell(16, H)
        self.out = nn.Linear(H, V)

    def forward(self, tok, state):
        h, c = self.cell(self.emb(tok), state)
        return F.log_softmax(self.out(h), dim=-1), (h, c)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, 16)
        self.rnn = nn.LSTM(16, H, batch_first=True)

    def forward(self, src):
        _, (h, c) = self.rnn(self.emb(src))
        return h[-1], c[-1]


enc, dec = Encoder(), Decoder()
params = list(enc.parameters()) + list(dec.parameters())
opt = torch.optim.Adam(params, lr=1e-2)
src = torch.randint(3, V, (12, 6))
tgt = torch.cat([torch.full((12, 1), BOS), src.flip(1), torch.full((12, 1), EOS)], 1)
for epoch in range(15):
    state = enc(src)
    loss = 0.0
    for t in range(tgt.size(1) - 1):
        logp, state = dec(tgt[:, t], state)
        loss = loss + F.nll_loss(logp, tgt[:, t + 1])
    loss = loss / (tgt.size(1) - 1)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if epoch % 5 == 4:
        print(f"epoch {epoch} loss {loss.item():.5f}")


def length_penalty(length, alpha=0.6):
    return ((5.0 + length) / 6.0) ** alpha


@torch.no_grad()
def beam_search(src, beam_size=3, max_len=10):
    batch = src.size(0)
    h, c = enc(src)
    h = h.repeat_interleave(beam_size, dim=0)
    c = c.repeat_interleave(beam_size, dim=0)
    tokens = torch.full((batch * beam_size, 1), BOS, dtype=torch.long)
    beam_scores = torch.zeros(batch, beam_size)
    beam_scores[:, 1:] = -1e9
    beam_scores = beam_scores.view(-1)
    finished = [[] for _ in range(batch)]
    for step in range(max_len):
        logp, (h, c) = dec(tokens[:, -1], (h, c))
        scores = logp + beam_scores[:, None]
        scores = scores.view(batch, beam_size * V)
        top_scores, top_ids = torch.topk(scores, 2 * beam_size, dim=1, largest=True, sorted=True)
        beam_idx = torch.div(top_ids, V, rounding_mode="floor")
        tok_idx = top_ids % V
        next_scores = torch.zeros(batch, beam_size)
        next_tok = torch.zeros(batch, beam_size, dtype=torch.long)
        next_beam = torch.zeros(batch, beam_size, dtype=torch.long)
        for b in range(batch):
            k = 0
            for s, bi, ti in zip(top_scores[b].tolist(), beam_idx[b].tolist(),
                                 tok_idx[b].tolist()):
                if ti == EOS:
                    hyp = tokens[b * beam_size + bi, 1:].tolist()
                    finished[b].append((s / length_penalty(len(hyp) + 1), hyp))
                    continue
                next_scores[b, k], next_tok[b, k], next_beam[b, k] = s, ti, bi
                k += 1
                if k == beam_size:
                    break
        flat = (next_beam + torch.arange(batch)[:, None] * beam_size).view(-1)
        h, c = h.index_select(0, flat), c.index_select(0, flat)
        tokens = torch.cat([tokens.index_select(0, flat), next_tok.view(-1, 1)], dim=1)
        beam_scores = next_scores.view(-1)
        if all(len(f) >= beam_size for f in finished):
            break
    out = []
    for b in range(batch):
        if not finished[b]:
            finished[b].append((beam_scores[b * beam_size].item(), tokens[b * beam_size, 1:]
                                .tolist()))
        best = max(finished[b], key=lambda x: x[0])
        out.append((round(best[0], 4), best[1]))
    return out


for score, hyp in beam_search(src[:3]):
    print(score, hyp)
print("targets", src[:3].flip(1).tolist())
print(beam_search(src[3:5], beam_size=1))
