"""Skip-gram word2vec with negative sampling as in the classic reference implementations: a
corpus tokenised with collections.Counter, subsampling of frequent words, a unigram^0.75 noise
distribution sampled with torch.multinomial(replacement=True), center/context nn.Embedding with
uniform_ init, bmm scores, F.logsigmoid loss, SparseAdam-free Adam training, and nearest
neighbours by cosine similarity."""
import collections

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
text = ("the king rules the land . the queen rules the land . a man walks . a woman walks . "
        "the king is a man . the queen is a woman . the prince is a boy . the princess is a girl "
        ". a boy plays . a girl plays .").split()
counts = collections.Counter(text)
vocab = sorted(counts, key=lambda w: (-counts[w], w))
w2i = {w: i for i, w in enumerate(vocab)}
ids = torch.tensor([w2i[w] for w in text])
V = len(vocab)
freq = torch.tensor([counts[w] for w in vocab], dtype=torch.float)
noise = freq.pow(0.75)
noise = noise / noise.sum()
print(V, vocab[:5], noise[:4])

keep_p = (torch.sqrt(freq / (1e-2 * freq.sum())) + 1) * (1e-2 * freq.sum()) / freq
keep = torch.rand(len(ids)) < keep_p[ids].clamp(max=1.0)
sub = ids[keep]
print("kept", keep.sum().item(), "of", len(ids))

window = 2
pairs = []
for i in range(len(sub)):
    for j in range(max(0, i - window), min(len(sub), i + window + 1)):
        if i != j:
            pairs.append((sub[i].item(), sub[j].item()))
pairs = torch.tensor(pairs)
print(pairs.shape, pairs[:4].tolist())


class SkipGram(nn.Module):
    def __init__(self, V, d):
        super().__init__()
        self.center = nn.Embedding(V, d)
        self.context = nn.Embedding(V, d)
        bound = 0.5 / d
        nn.init.uniform_(self.center.weight, -bound, bound)
        nn.init.zeros_(self.context.weight)

    def forward(self, c, o, neg):
        vc = self.center(c).unsqueeze(2)  # (B, d, 1)
        pos = torch.bmm(self.context(o).unsqueeze(1), vc).squeeze()  # (B,)
        negs = torch.bmm(self.context(neg), vc).squeeze(2)  # (B, K)
        return -(F.logsigmoid(pos) + F.logsigmoid(-negs).sum(1)).mean()


model = SkipGram(V, 16)
opt = torch.optim.Adam(model.parameters(), lr=0.02)
K = 5
for epoch in range(8):
    perm = torch.randperm(len(pairs))
    total = 0.0
    for b in perm.split(32):
        c, o = pairs[b, 0], pairs[b, 1]
        neg = torch.multinomial(noise, len(b) * K, replacement=True).view(len(b), K)
        loss = model(c, o, neg)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(b)
    if epoch % 2 == 0:
        print(epoch, f"{total / len(pairs):.5f}")

emb = F.normalize(model.center.weight.detach(), dim=1)
sims = emb @ emb.T
for w in ("king", "woman", "boy"):
    top = sims[w2i[w]].topk(3)
    print(w, [vocab[i] for i in top.indices.tolist()], top.values)
print(F.cosine_similarity(emb[w2i["king"]], emb[w2i["queen"]], dim=0))
print(torch.multinomial(torch.tensor([0.0, 10.0, 3.0, 0.0]), 6, replacement=True))
print(torch.multinomial(torch.tensor([[1.0, 1.0, 1.0], [0.0, 0.0, 5.0]]), 2, replacement=True))
