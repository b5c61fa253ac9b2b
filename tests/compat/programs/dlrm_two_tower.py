"""Recommendation models as their reference code writes them: DLRM (bottom MLP on dense
features, one nn.EmbeddingBag(mode="sum") per sparse feature with offsets, pairwise dot
interactions via torch.bmm and the strict upper triangle picked with torch.triu_indices, top MLP,
BCEWithLogitsLoss), then a two-tower retrieval model with L2-normalised towers, in-batch
negatives through a logits matrix and cross_entropy over torch.arange labels, and recall@k
from torch.topk under torch.no_grad."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(7)

n_dense, cards, emb_dim, N = 4, [50, 30, 20], 8, 512
dense = torch.randn(N, n_dense)
sparse = torch.stack([torch.randint(0, c, (N,)) for c in cards], 1)
w_true = torch.randn(n_dense)
logit_true = dense @ w_true + (sparse[:, 0] % 5 == 0).float() * 2 - (sparse[:, 1] % 3 == 0).float()
labels = (torch.sigmoid(logit_true) > torch.rand(N)).float()
print("positive rate", labels.mean().item())


class DLRM(nn.Module):
    def __init__(self):
        super().__init__()
        self.bot = nn.Sequential(nn.Linear(n_dense, 16), nn.ReLU(), nn.Linear(16, emb_dim), nn.ReLU())
        self.embs = nn.ModuleList([nn.EmbeddingBag(c, emb_dim, mode="sum") for c in cards])
        for e in self.embs:
            nn.init.uniform_(e.weight, -(1 / e.num_embeddings) ** 0.5, (1 / e.num_embeddings) ** 0.5)
        n_f = len(cards) + 1
        self.register_buffer("li", torch.triu_indices(n_f, n_f, offset=1)[0])
        self.register_buffer("lj", torch.triu_indices(n_f, n_f, offset=1)[1])
        n_int = n_f * (n_f - 1) // 2
        self.top = nn.Sequential(nn.Linear(emb_dim + n_int, 32), nn.ReLU(), nn.Linear(32, 1))

    def interact(self, x, ly):
        T = torch.cat([x] + ly, dim=1).view(x.shape[0], -1, emb_dim)
        Z = torch.bmm(T, torch.transpose(T, 1, 2))
        Zflat = Z[:, self.li, self.lj]
        return torch.cat([x, Zflat], dim=1)

    def forward(self, dense_x, sparse_idx):
        x = self.bot(dense_x)
        B = dense_x.shape[0]
        offsets = torch.arange(B)
        ly = [emb(sparse_idx[:, k], offsets) for k, emb in enumerate(self.embs)]
        return self.top(self.interact(x, ly)).squeeze(1)


model = DLRM()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.BCEWithLogitsLoss()
for epoch in range(5):
    perm = torch.randperm(N)
    tot = 0
    for i in range(0, N, 64):
        b = perm[i:i + 64]
        out = model(dense[b], sparse[b])
        loss = loss_fn(out, labels[b])
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item()
    with torch.no_grad():
        p = torch.sigmoid(model(dense, sparse))
        acc = ((p > 0.5).float() == labels).float().mean()
    print(f"epoch {epoch} loss {tot / (N // 64):.4f} acc {acc.item():.4f}")

print("interaction index", model.li.tolist(), model.lj.tolist())

# ---- two-tower retrieval with in-batch negatives ----
n_users, n_items, d = 100, 80, 16
user_item = torch.randint(0, n_items, (n_users,))
user_feat = F.one_hot(user_item % 10, 10).float() + 0.1 * torch.randn(n_users, 10)


class Tower(nn.Module):
    def __init__(self, n_in=None, n_ids=None):
        super().__init__()
        self.emb = nn.Embedding(n_ids, d) if n_ids else None
        self.mlp = nn.Sequential(nn.Linear(n_in if n_in else d, 32), nn.GELU(), nn.Linear(32, d))

    def forward(self, x):
        if self.emb is not None:
            x = self.emb(x)
        return F.normalize(self.mlp(x), dim=-1)


uq, it = Tower(n_in=10), Tower(n_ids=n_items)
opt = torch.optim.Adam(list(uq.parameters()) + list(it.parameters()), lr=5e-3)
temperature = 0.1
for step in range(60):
    b = torch.randint(0, n_users, (32,))
    u = uq(user_feat[b])
    v = it(user_item[b])
    logits = u @ v.T / temperature
    # duplicates of the same item in a batch are false negatives: mask them like the papers do
    same = user_item[b][:, None] == user_item[b][None, :]
    logits = logits.masked_fill(same & ~torch.eye(32, dtype=torch.bool), float("-inf"))
    loss = F.cross_entropy(logits, torch.arange(32))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 15 == 0:
        print(f"two-tower step {step} loss {loss.item():.4f}")

with torch.no_grad():
    scores = uq(user_feat) @ it(torch.arange(n_items)).T
    top10 = torch.topk(scores, 10, dim=1).indices
    hit = (top10 == user_item[:, None]).any(1).float().mean()
    print("recall@10", hit.item())
    print("scores", scores.shape, scores.max().item())
