"""A matrix-factorization recommender on a synthetic ratings table (the classic MovieLens
tutorial shape): user/item nn.Embedding and bias embeddings, a dot-product model trained with
Adam (factors and biases in two param groups with their own weight decay), RMSE on a held-out
split, manual ALS-free SGD with index_add_ accumulation of per-user gradients, top-k
recommendations that mask seen items with index_put_, and per-user counts with bincount."""
import torch
import torch.nn as nn

torch.manual_seed(0)
n_users, n_items, k = 30, 40, 4
U_true = torch.randn(n_users, k)
V_true = torch.randn(n_items, k)
n = 600
users = torch.randint(0, n_users, (n,))
items = torch.randint(0, n_items, (n,))
ratings = (U_true[users] * V_true[items]).sum(1) + 0.1 * torch.randn(n)
perm = torch.randperm(n)
tr, te = perm[:500], perm[500:]


class MF(nn.Module):
    def __init__(self):
        super().__init__()
        self.u = nn.Embedding(n_users, k)
        self.v = nn.Embedding(n_items, k)
        self.ub = nn.Embedding(n_users, 1)
        self.vb = nn.Embedding(n_items, 1)
        for e in (self.u, self.v):
            nn.init.normal_(e.weight, std=0.5)
        for e in (self.ub, self.vb):
            nn.init.zeros_(e.weight)
        self.mu = nn.Parameter(torch.zeros(()))

    def forward(self, u, i):
        return (self.u(u) * self.v(i)).sum(1) + self.ub(u).squeeze(1) + self.vb(i).squeeze(1) \
            + self.mu


model = MF()
opt = torch.optim.Adam([
    {"params": list(model.u.parameters()) + list(model.v.parameters()), "weight_decay": 1e-4},
    {"params": [model.ub.weight, model.vb.weight, model.mu]}], lr=0.05)
for epoch in range(40):
    for b in tr.split(100):
        loss = ((model(users[b], items[b]) - ratings[b]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    if epoch % 10 == 9:
        with torch.no_grad():
            rmse = ((model(users[te], items[te]) - ratings[te]) ** 2).mean().sqrt()
        print(f"epoch {epoch} train {loss.item():.4f} test rmse {rmse.item():.4f}")
print("rows with grad", (model.u.weight.grad.abs().sum(1) > 0).sum().item())

# plain tensors: SGD with gradient accumulation by index_add_
P = 0.3 * torch.randn(n_users, k)
Qm = 0.3 * torch.randn(n_items, k)
lr, lam = 0.05, 0.01
for epoch in range(60):
    pu, qi = P[users[tr]], Qm[items[tr]]
    err = (pu * qi).sum(1) - ratings[tr]
    gP = torch.zeros_like(P).index_add_(0, users[tr], err.unsqueeze(1) * qi)
    gQ = torch.zeros_like(Qm).index_add_(0, items[tr], err.unsqueeze(1) * pu)
    cnt_u = torch.bincount(users[tr], minlength=n_users).clamp_min(1).unsqueeze(1)
    cnt_i = torch.bincount(items[tr], minlength=n_items).clamp_min(1).unsqueeze(1)
    P -= lr * (gP / cnt_u + lam * P) * 5
    Qm -= lr * (gQ / cnt_i + lam * Qm) * 5
    if epoch % 20 == 19:
        print(f"sgd {epoch} mse {(err ** 2).mean().item():.4f}")

with torch.no_grad():
    scores = model.u.weight @ model.v.weight.T + model.ub.weight + model.vb.weight.T + model.mu
    seen = torch.zeros(n_users, n_items, dtype=torch.bool)
    seen.index_put_((users[tr], items[tr]), torch.tensor(True))
    scores = scores.masked_fill(seen, float("-inf"))
    top = scores.topk(3, dim=1)
    print("top items u0..2", top.indices[:3].tolist())
    print("seen per user", seen.sum(1)[:8].tolist(), seen.float().mean().item())
    hits = torch.zeros(n_users).index_add_(0, users[te], torch.ones(len(te)))
    print("test per user", hits[:8].tolist())
    emb = nn.functional.embedding(torch.tensor([[0, 1], [2, 3]]), model.v.weight)
    print("functional embedding", emb.shape, torch.equal(emb[1, 0], model.v.weight[2]))
