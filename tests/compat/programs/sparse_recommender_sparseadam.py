"""A matrix-factorisation recommender with sparse embedding gradients, as large-catalogue training
code writes it: user/item nn.Embedding(sparse=True) and a tag nn.EmbeddingBag(mode='mean',
sparse=True, padding_idx) trained with optim.SparseAdam, per-item biases (sparse=True) with
SGD(momentum), a sparse-gradient table with Adagrad, and the dense tower with Adam (one
optimizer per gradient layout); gradient accumulation over two backward calls concatenating the
sparse entries; .grad inspected (is_sparse, coalesce, _indices, _values, to_dense);
zero_grad(set_to_none=False); a SparseAdam state_dict resumed in a second optimizer."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
n_users, n_items, n_tags, d = 40, 60, 12, 6
users = torch.randint(0, n_users, (192,))
items = torch.randint(0, n_items, (192,))
labels = ((users % 4) == (items % 4)).float()
item_tags = torch.randint(0, n_tags, (n_items, 3))  # tag 0 is padding
print(labels.mean().item(), item_tags[:3].tolist())


class MF(nn.Module):
    def __init__(self):
        super().__init__()
        self.user = nn.Embedding(n_users, d, sparse=True)
        self.item = nn.Embedding(n_items, d, sparse=True)
        self.tags = nn.EmbeddingBag(n_tags, d, mode="mean", sparse=True, padding_idx=0)
        self.bias = nn.Embedding(n_items, 1, sparse=True)
        self.ctx = nn.Embedding(n_users, 2, sparse=True)
        self.tower = nn.Sequential(nn.Linear(d + 2, 8), nn.ReLU(), nn.Linear(8, 1))

    def forward(self, u, i):
        v = self.item(i) + self.tags(item_tags[i])
        x = torch.cat([self.user(u) * v, self.ctx(u)], dim=1)
        return self.tower(x).squeeze(1) + self.bias(i).squeeze(1)


model = MF()
print(model.item, model.tags)
sparse_adam = torch.optim.SparseAdam(
    list(model.user.parameters()) + list(model.item.parameters())
    + list(model.tags.parameters()), lr=0.05)
sgd = torch.optim.SGD(model.bias.parameters(), lr=0.1, momentum=0.9)
adagrad = torch.optim.Adagrad(model.ctx.parameters(), lr=0.1)
adam = torch.optim.Adam(model.tower.parameters(), lr=0.01)
opts = [sparse_adam, sgd, adagrad, adam]

for epoch in range(4):
    total = 0.0
    for b in range(0, 192, 48):
        for o in opts:
            o.zero_grad(set_to_none=(epoch % 2 == 0))
        for half in (0, 24):  # two backward calls: the sparse entries are concatenated
            u, i, y = users[b + half:b + half + 24], items[b + half:b + half + 24], \
                labels[b + half:b + half + 24]
            loss = F.binary_cross_entropy_with_logits(model(u, i), y) / 2
            loss.backward()
            total += loss.item()
        g = model.item.weight.grad
        if b == 0:
            c = g.coalesce()
            print(epoch, g.is_sparse, g.is_coalesced(), g._indices().shape, c._indices().shape,
                  c._values().shape, f"{g.to_dense().abs().sum().item():.5f}",
                  f"{model.tags.weight.grad.coalesce()._values().abs().sum().item():.5f}",
                  model.bias.weight.grad._values().shape)
        for o in opts:
            o.step()
    print(epoch, f"loss {total / 4:.5f}")

state = sparse_adam.state_dict()
print(sorted(state["state"]), state["state"][0]["step"], state["param_groups"][0]["lr"],
      tuple(state["state"][1]["exp_avg"].shape))
untouched = sorted(set(range(n_items)) - set(items.tolist()))
print("untouched items", len(untouched), model.item.weight[untouched[:2]].sum().item() != 0)
resumed = torch.optim.SparseAdam(
    list(model.user.parameters()) + list(model.item.parameters())
    + list(model.tags.parameters()), lr=0.05)
resumed.load_state_dict(state)
for o in (resumed, adam):
    o.zero_grad()
F.binary_cross_entropy_with_logits(model(users[:48], items[:48]), labels[:48]).backward()
resumed.step()
print(resumed.state[model.user.weight]["step"],
      f"{resumed.state[model.user.weight]['exp_avg_sq'].sum().item():.6e}")
with torch.no_grad():
    scores = model(torch.zeros(n_items, dtype=torch.long), torch.arange(n_items))
print("top items for user 0", [f"{s:.4f}" for s in scores.topk(3).values.tolist()])
print(f"{model.user.weight.norm().item():.5f} {model.bias.weight.sum().item():.5f} "
      f"{model.ctx.weight.abs().sum().item():.5f}")
