"""Implicit-feedback recommendation with BPR as recommender tutorials write it: a synthetic
user-item interaction matrix from latent tastes, a leave-one-out split per user, negative items
drawn with torch.randint and resampled where torch.isin says they were seen, a BPR model
(-logsigmoid(x_ui - x_uj)) with L2 on the gathered embeddings, a WARP-free hinge variant, Adagrad,
then HitRate@k and NDCG@k with topk after masking train items with masked_fill(-inf), and
popularity and random baselines."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
n_users, n_items, dim = 30, 50, 8
tu, ti = torch.randn(n_users, 3), torch.randn(n_items, 3)
scores = tu @ ti.T + 0.5 * torch.randn(n_users, n_items)
inter = scores > scores.quantile(0.8, dim=1, keepdim=True)
print(inter.sum().item(), inter.sum(1)[:6].tolist())
test_item = torch.stack([row.nonzero().squeeze(1)[torch.randint(int(row.sum()), (1,))]
                         for row in inter]).squeeze(1)
train = inter.clone()
train[torch.arange(n_users), test_item] = False
users, pos_items = train.nonzero(as_tuple=True)
print(len(users), test_item[:8].tolist())


class BPR(nn.Module):
    def __init__(self, n_users, n_items, dim):
        super().__init__()
        self.user = nn.Embedding(n_users, dim)
        self.item = nn.Embedding(n_items, dim)
        self.item_bias = nn.Embedding(n_items, 1)
        nn.init.normal_(self.user.weight, std=0.1)
        nn.init.normal_(self.item.weight, std=0.1)
        nn.init.zeros_(self.item_bias.weight)

    def score(self, u, i):
        return (self.user(u) * self.item(i)).sum(-1) + self.item_bias(i).squeeze(-1)

    def forward(self, u, i, j):
        return self.score(u, i) - self.score(u, j)


def sample_negatives(u, gen):
    j = torch.randint(0, n_items, u.shape, generator=gen)
    for _ in range(10):
        seen = train[u, j]
        if not seen.any():
            break
        j = torch.where(seen, torch.randint(0, n_items, u.shape, generator=gen), j)
    return j


def evaluate(score_matrix, k=10):
    masked = score_matrix.masked_fill(train, float("-inf"))
    topk = masked.topk(k, dim=1).indices
    hits = topk == test_item[:, None]
    hr = hits.any(1).float().mean().item()
    ranks = hits.float().argmax(1)
    ndcg = torch.where(hits.any(1), 1.0 / torch.log2(ranks.float() + 2), torch.zeros(n_users))
    return round(hr, 5), round(ndcg.mean().item(), 5)


gen = torch.Generator().manual_seed(0)
for loss_kind in ("bpr", "hinge"):
    torch.manual_seed(1)
    model = BPR(n_users, n_items, dim)
    opt = torch.optim.Adagrad(model.parameters(), lr=0.1)
    for epoch in range(8):
        perm = torch.randperm(len(users))
        total = 0.0
        for k in range(0, len(users), 64):
            b = perm[k:k + 64]
            u, i = users[b], pos_items[b]
            j = sample_negatives(u, gen)
            x_uij = model(u, i, j)
            if loss_kind == "bpr":
                loss = -F.logsigmoid(x_uij).mean()
            else:
                loss = F.relu(1 - x_uij).mean()
            reg = 1e-3 * (model.user(u).pow(2).sum() + model.item(i).pow(2).sum()
                          + model.item(j).pow(2).sum()) / len(b)
            opt.zero_grad()
            (loss + reg).backward()
            opt.step()
            total += loss.item() * len(b)
        if epoch % 2 == 1:
            print(loss_kind, epoch, f"{total / len(users):.5f}")
    with torch.no_grad():
        full = model.user.weight @ model.item.weight.T + model.item_bias.weight.T
    print(loss_kind, "HR@10, NDCG@10", evaluate(full), full.shape)
pop = train.sum(0).float().expand(n_users, -1)
print("popularity", evaluate(pop), "random", evaluate(torch.rand(n_users, n_items)))
neg = sample_negatives(users[:20], torch.Generator().manual_seed(5))
print(torch.isin(neg, torch.tensor([0, 1, 2])).sum().item(), train[users[:20], neg].sum().item(),
      math.isclose(1 / math.log2(2), 1.0))
