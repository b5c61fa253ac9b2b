"""node2vec-style embeddings as graph tutorials write them without PyG: an adjacency list from a
(2, E) edge tensor, second-order biased random walks with return/in-out parameters p and q
(torch.multinomial over unnormalised weights), skip-gram context pairs by sliding windows
(Tensor.unfold), negative samples from the degree^0.75 distribution, a SkipGram module with
in/out nn.Embedding and logsigmoid of dot products (torch.bmm), SparseAdam with sparse
embeddings, and cosine similarity of nodes in and across communities."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
n = 24
edges = []
for c in range(3):
    nodes = list(range(8 * c, 8 * c + 8))
    for i in nodes:
        for j in nodes:
            if i < j and (j - i) in (1, 2, 3):
                edges.append((i, j))
edges += [(7, 8), (15, 16), (23, 0)]
ei = torch.tensor(edges).t()
ei = torch.cat([ei, ei.flip(0)], 1)
neighbors = [ei[1][ei[0] == v] for v in range(n)]
deg = torch.bincount(ei[0], minlength=n)
print(ei.shape, deg.tolist())


def biased_walk(start, length, p, q, gen):
    walk = [start]
    while len(walk) < length:
        cur = walk[-1]
        nbrs = neighbors[cur]
        if len(walk) == 1:
            nxt = nbrs[torch.randint(len(nbrs), (1,), generator=gen)].item()
        else:
            prev = walk[-2]
            prev_nbrs = set(neighbors[prev].tolist())
            w = torch.tensor([1.0 / p if x == prev else 1.0 if x in prev_nbrs else 1.0 / q
                              for x in nbrs.tolist()])
            nxt = nbrs[torch.multinomial(w, 1, generator=gen)].item()
        walk.append(nxt)
    return walk


gen = torch.Generator().manual_seed(1)
walks = torch.tensor([biased_walk(v, 10, p=1.0, q=0.5, gen=gen) for _ in range(4)
                      for v in range(n)])
print(walks.shape, walks[0].tolist())
window = 5
ctx = walks.unfold(1, window, 1)  # (W, L - window + 1, window)
center = ctx[..., window // 2].reshape(-1, 1).expand(-1, window - 1)
others = torch.cat([ctx[..., :window // 2], ctx[..., window // 2 + 1:]], -1).reshape(-1,
                                                                                     window - 1)
pairs = torch.stack([center.reshape(-1), others.reshape(-1)], 1)
print(pairs.shape, pairs[:3].tolist())
noise_dist = deg.float() ** 0.75
noise_dist /= noise_dist.sum()


class SkipGram(nn.Module):
    def __init__(self, n, dim):
        super().__init__()
        self.in_embed = nn.Embedding(n, dim, sparse=True)
        self.out_embed = nn.Embedding(n, dim, sparse=True)
        self.in_embed.weight.data.uniform_(-0.5 / dim, 0.5 / dim)
        self.out_embed.weight.data.zero_()

    def forward(self, center, context, negatives):
        v = self.in_embed(center)                      # (B, D)
        u = self.out_embed(context)                    # (B, D)
        un = self.out_embed(negatives)                 # (B, K, D)
        pos = F.logsigmoid((v * u).sum(-1))
        neg = F.logsigmoid(-torch.bmm(un, v.unsqueeze(2)).squeeze(2)).sum(1)
        return -(pos + neg).mean()


model = SkipGram(n, 16)
opt = torch.optim.SparseAdam(list(model.parameters()), lr=0.05)
for epoch in range(3):
    perm = torch.randperm(len(pairs))
    total = 0.0
    for k in range(0, len(pairs), 256):
        b = pairs[perm[k:k + 256]]
        negs = torch.multinomial(noise_dist, len(b) * 5, replacement=True).view(len(b), 5)
        loss = model(b[:, 0], b[:, 1], negs)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(b)
    print(epoch, f"{total / len(pairs):.5f}", model.in_embed.weight.grad.is_sparse)
emb = F.normalize(model.in_embed.weight.detach(), dim=1)
sim = emb @ emb.t()
comm = torch.arange(n) // 8
same = comm[:, None] == comm[None, :]
off = ~torch.eye(n, dtype=torch.bool)
print(f"{sim[same & off].mean().item():.5f} {sim[~same].mean().item():.5f}",
      F.cosine_similarity(emb[0:1], emb[1:2]).item() > F.cosine_similarity(emb[0:1], emb[12:13]).item())
