"""TransE knowledge-graph embeddings as the reference code writes them: entity and relation
nn.Embedding tables initialised uniform(-6/sqrt(k), 6/sqrt(k)) with relations L2-normalised,
corrupted triples (head or tail replaced, torch.where on a Bernoulli coin), the L1/L2 distance
with torch.norm(p=...), nn.MarginRankingLoss with target -1, entity renormalisation each step
(max_norm embedding and explicit F.normalize), and filtered mean rank / Hits@k evaluation."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(31)
n_ent, n_rel, dim = 20, 3, 16


class TransE(nn.Module):
    def __init__(self, n_ent, n_rel, dim, norm=1, margin=1.0):
        super().__init__()
        self.norm = norm
        self.entities_emb = nn.Embedding(n_ent + 1, dim, padding_idx=n_ent)
        self.relations_emb = nn.Embedding(n_rel + 1, dim, padding_idx=n_rel)
        bound = 6 / math.sqrt(dim)
        self.entities_emb.weight.data.uniform_(-bound, bound)
        self.relations_emb.weight.data.uniform_(-bound, bound)
        self.relations_emb.weight.data[:-1, :].div_(
            self.relations_emb.weight.data[:-1, :].norm(p=1, dim=1, keepdim=True))
        self.criterion = nn.MarginRankingLoss(margin=margin, reduction="none")

    def distance(self, triplets):
        heads, relations, tails = triplets[:, 0], triplets[:, 1], triplets[:, 2]
        return (self.entities_emb(heads) + self.relations_emb(relations)
                - self.entities_emb(tails)).norm(p=self.norm, dim=1)

    def forward(self, positive, negative):
        self.entities_emb.weight.data[:-1, :].div_(
            self.entities_emb.weight.data[:-1, :].norm(p=2, dim=1, keepdim=True))
        pos = self.distance(positive)
        neg = self.distance(negative)
        target = torch.tensor([-1], dtype=torch.long)
        return self.criterion(pos, neg, target), pos, neg

    def predict(self, triplets):
        return self.distance(triplets)


# a toy graph: relation r maps entity e to (e + r + 1) % n_ent
heads = torch.arange(n_ent).repeat(n_rel)
rels = torch.arange(n_rel).repeat_interleave(n_ent)
tails = (heads + rels + 1) % n_ent
triples = torch.stack([heads, rels, tails], dim=1)
print(triples.shape, triples[:3].tolist())

model = TransE(n_ent, n_rel, dim)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for epoch in range(25):
    perm = torch.randperm(len(triples))
    total = 0.0
    for i in range(0, len(triples), 20):
        pos = triples[perm[i:i + 20]]
        head_or_tail = torch.randint(high=2, size=(pos.size(0),))
        random_entities = torch.randint(high=n_ent, size=(pos.size(0),))
        broken_heads = torch.where(head_or_tail == 1, random_entities, pos[:, 0])
        broken_tails = torch.where(head_or_tail == 0, random_entities, pos[:, 2])
        neg = torch.stack((broken_heads, pos[:, 1], broken_tails), dim=1)
        optimizer.zero_grad()
        loss, pd, nd = model(pos, neg)
        loss.mean().backward()
        optimizer.step()
        total += loss.sum().item()
    if epoch % 8 == 0 or epoch == 24:
        print(f"epoch {epoch} loss {total / len(triples):.4f}")

with torch.no_grad():
    hits1 = hits3 = rank_sum = 0
    for h, r, t in triples.tolist():
        cands = torch.stack([torch.full((n_ent,), h), torch.full((n_ent,), r),
                             torch.arange(n_ent)], 1)
        d = model.predict(cands)
        rank = int((d < d[t]).sum()) + 1
        rank_sum += rank
        hits1 += rank <= 1
        hits3 += rank <= 3
    n = len(triples)
    print(f"mean rank {rank_sum / n:.3f} hits@1 {hits1 / n:.3f} hits@3 {hits3 / n:.3f}")
    print(model.entities_emb.weight[-1].abs().sum().item(),
          model.entities_emb.weight[:-1].norm(dim=1)[:3])

loss_fn = nn.MarginRankingLoss(margin=0.5)
x1 = torch.tensor([0.2, 0.9, 0.4], requires_grad=True)
x2 = torch.tensor([0.5, 0.1, 0.4])
out = loss_fn(x1, x2, torch.tensor([1.0, -1.0, 1.0]))
out.backward()
print(out, x1.grad, F.margin_ranking_loss(x1, x2, torch.ones(3), reduction="sum"))
emb = nn.Embedding(5, 4, max_norm=1.0)
idx = torch.tensor([0, 2, 2])
print(emb(idx).norm(dim=1), emb.weight.norm(dim=1))
