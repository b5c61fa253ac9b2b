"""An evaluation loop for a translation-style model under torch.no_grad()/torch.inference_mode():
model.eval() turning dropout off, token-level NLL summed with ignore_index for padding,
perplexity as exp of the per-token mean, sentence and corpus BLEU (modified n-gram precision with
clipped counts, brevity penalty, smoothing) computed from tensors with unfold and torch.unique,
and a running accuracy over non-pad tokens."""
import math
from collections import Counter

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(22)
PAD, V = 0, 18


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, 16, padding_idx=PAD)
        self.rnn = nn.GRU(16, 24, batch_first=True)
        self.drop = nn.Dropout(0.3)
        self.out = nn.Linear(24, V)

    def forward(self, x):
        return self.out(self.drop(self.rnn(self.emb(x))[0]))


def ngrams(t, n):
    if t.numel() < n:
        return Counter()
    grams = t.unfold(0, n, 1)
    uniq, counts = torch.unique(grams, dim=0, return_counts=True)
    return Counter({tuple(g.tolist()): int(c) for g, c in zip(uniq, counts)})


def bleu(hyps, refs, max_n=4, smooth=True):
    matches, totals = [0] * max_n, [0] * max_n
    hyp_len = ref_len = 0
    for h, r in zip(hyps, refs):
        hyp_len += h.numel()
        ref_len += r.numel()
        for n in range(1, max_n + 1):
            hc, rc = ngrams(h, n), ngrams(r, n)
            matches[n - 1] += sum(min(c, rc[g]) for g, c in hc.items())
            totals[n - 1] += max(h.numel() - n + 1, 0)
    precisions = [((m + 1) / (t + 1)) if smooth else (m / t if t else 0.0)
                  for m, t in zip(matches, totals)]
    if min(precisions) == 0:
        return 0.0, precisions
    log_p = sum(math.log(p) for p in precisions) / max_n
    bp = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / max(hyp_len, 1))
    return bp * math.exp(log_p), precisions


lengths = torch.randint(4, 11, (24,))
data = torch.randint(1, V, (24, 11)) * (torch.arange(11)[None] < lengths[:, None])
model = Model()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(6):
    model.train()
    for b in range(0, 24, 8):
        x = data[b:b + 8]
        logits = model(x[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, V), x[:, 1:].reshape(-1), ignore_index=PAD)
        opt.zero_grad()
        loss.backward()
        opt.step()

    model.eval()
    total_nll, total_tokens, correct = 0.0, 0, 0
    with torch.no_grad():
        for b in range(0, 24, 8):
            x = data[b:b + 8]
            logits = model(x[:, :-1])
            tgt = x[:, 1:]
            total_nll += F.cross_entropy(logits.reshape(-1, V), tgt.reshape(-1),
                                         ignore_index=PAD, reduction="sum").item()
            mask = tgt != PAD
            total_tokens += int(mask.sum())
            correct += int(((logits.argmax(-1) == tgt) & mask).sum())
    ppl = math.exp(total_nll / total_tokens)
    print(f"epoch {epoch} train {loss.item():.5f} val ppl {ppl:.4f} acc {correct / total_tokens:.4f}")

with torch.inference_mode():
    preds = model(data[:, :-1]).argmax(-1)
    print("inference tensor", preds.is_inference(), preds.requires_grad)
hyps = [p[: int(n) - 1] for p, n in zip(preds, lengths)]
refs = [d[1: int(n)] for d, n in zip(data, lengths)]
score, precisions = bleu(hyps, refs)
print(f"corpus BLEU {score:.5f}", [round(p, 5) for p in precisions])
print("perfect", round(bleu(refs, refs)[0], 5), "unsmoothed",
      round(bleu(hyps, refs, smooth=False)[0], 5))
print(sorted(ngrams(torch.tensor([1, 2, 1, 2, 1]), 2).items()))
