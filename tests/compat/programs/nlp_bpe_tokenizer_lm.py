"""A byte-pair-encoding tokenizer trained in a few lines (pair counts with collections.Counter,
merges applied greedily), token ids mapped through a lookup tensor, unigram statistics with
torch.bincount and torch.unique(return_inverse=True, return_counts=True), a bigram language
model as an nn.Embedding of logits (Karpathy's makemore style) trained with full-batch gradient
descent, and sampling with torch.multinomial from a seeded torch.Generator."""
from collections import Counter

import torch
import torch.nn.functional as F

corpus = "low lower lowest newer newest wider widest low new wide lower newer " * 4
words = corpus.split()


def get_stats(vocab):
    pairs = Counter()
    for word, freq in vocab.items():
        symbols = word.split()
        for i in range(len(symbols) - 1):
            pairs[symbols[i], symbols[i + 1]] += freq
    return pairs


def merge_vocab(pair, vocab):
    bigram, joined = " ".join(pair), "".join(pair)
    return {w.replace(bigram, joined): f for w, f in vocab.items()}


vocab = Counter(" ".join(w) + " </w>" for w in words)
merges = []
for _ in range(10):
    pairs = get_stats(vocab)
    best = max(sorted(pairs), key=lambda p: pairs[p])
    merges.append(best)
    vocab = merge_vocab(best, vocab)
print("merges", merges[:6])


def encode(word):
    symbols = list(word) + ["</w>"]
    for a, b in merges:
        i = 0
        while i < len(symbols) - 1:
            if symbols[i] == a and symbols[i + 1] == b:
                symbols[i:i + 2] = [a + b]
            else:
                i += 1
    return symbols


tokens = [t for w in words for t in encode(w)]
itos = sorted(set(tokens)) + ["<s>"]
stoi = {s: i for i, s in enumerate(itos)}
ids = torch.tensor([stoi["<s>"]] + [stoi[t] for t in tokens])
print("vocab", len(itos), "tokens", ids.numel(), encode("lowest"), encode("widen"))
counts = torch.bincount(ids, minlength=len(itos))
uniq, inverse, ucounts = torch.unique(ids, return_inverse=True, return_counts=True)
print("bincount == unique counts", torch.equal(counts[uniq], ucounts),
      torch.equal(uniq[inverse], ids), counts.topk(3).values.tolist())

V = len(itos)
xs, ys = ids[:-1], ids[1:]
N = torch.zeros(V, V, dtype=torch.int32)
N.index_put_((xs, ys), torch.ones_like(xs, dtype=torch.int32), accumulate=True)
P = (N + 1).float()
P /= P.sum(1, keepdim=True)
count_nll = -P[xs, ys].log().mean()
print(f"count model nll {count_nll.item():.5f}")

g = torch.Generator().manual_seed(2147483647)
W = torch.randn((V, V), generator=g, requires_grad=True)
for k in range(30):
    xenc = F.one_hot(xs, num_classes=V).float()
    logits = xenc @ W
    counts_ = logits.exp()
    probs = counts_ / counts_.sum(1, keepdims=True)
    loss = -probs[torch.arange(xs.numel()), ys].log().mean() + 0.01 * (W ** 2).mean()
    W.grad = None
    loss.backward()
    W.data += -20 * W.grad
    if k % 10 == 0:
        print(f"iter {k} loss {loss.item():.5f}")
print(f"final {loss.item():.5f} vs cross_entropy "
      f"{F.cross_entropy(W[xs], ys).item():.5f}")
g = torch.Generator().manual_seed(2147483647)
for _ in range(3):
    out, ix = [], stoi["<s>"]
    for _ in range(8):
        p = F.softmax(W[ix].detach(), dim=0)
        ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
        out.append(itos[ix])
    print("".join(out).replace("</w>", " "))
