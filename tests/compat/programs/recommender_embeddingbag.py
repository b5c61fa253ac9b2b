"""A recommender in the style of DLRM / matrix-factorisation reference code: user and item
nn.Embedding with sparse-style lookups, multi-hot features through nn.EmbeddingBag in sum/mean/max
modes with offsets, per_sample_weights, include_last_offset and padding_idx, 2-D bag input,
F.embedding_bag, dot-product interactions by bmm + triu_indices, BCEWithLogitsLoss, Adagrad, and
top-k recommendations."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
n_users, n_items, n_tags, d = 20, 30, 15, 8
users = torch.randint(0, n_users, (256,))
items = torch.randint(0, n_items, (256,))
labels = ((users % 3) == (items % 3)).float()
tag_lists = [torch.randint(1, n_tags, (int(k),)) for k in torch.randint(1, 4, (n_items,))]
tag_flat = torch.cat(tag_lists)
tag_offsets = torch.tensor([0] + [len(t) for t in tag_lists[:-1]]).cumsum(0)
print(tag_flat.shape, tag_offsets[:6])


class DLRM(nn.Module):
    def __init__(self):
        super().__init__()
        self.user = nn.Embedding(n_users, d)
        self.item = nn.Embedding(n_items, d)
        self.tags = nn.EmbeddingBag(n_tags, d, mode="mean", padding_idx=0)
        self.top = nn.Sequential(nn.Linear(3 + d, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, u, i):
        flat = [tag_lists[j] for j in i.tolist()]
        offs = torch.tensor([0] + [len(t) for t in flat[:-1]]).cumsum(0)
        feats = torch.stack([self.user(u), self.item(i), self.tags(torch.cat(flat), offs)], 1)
        inter = torch.bmm(feats, feats.transpose(1, 2))
        r, c = torch.triu_indices(3, 3, offset=1)
        return self.top(torch.cat([inter[:, r, c], self.user(u)], 1)).squeeze(1)


model = DLRM()
opt = torch.optim.Adagrad(model.parameters(), lr=0.1)
crit = nn.BCEWithLogitsLoss()
for epoch in range(3):
    for b in range(0, 256, 64):
        logits = model(users[b:b + 64], items[b:b + 64])
        loss = crit(logits, labels[b:b + 64])
        opt.zero_grad()
        loss.backward()
        opt.step()
    acc = ((model(users, items) > 0).float() == labels).float().mean()
    print(epoch, f"{loss.item():.5f}", f"{acc.item():.4f}")

with torch.no_grad():
    scores = model(torch.full((n_items,), 3), torch.arange(n_items))
    top = torch.topk(scores, 5)
    print(top.indices, top.values)

bag = nn.EmbeddingBag(10, 3, mode="sum")
inp = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9])
off = torch.tensor([0, 4])
w = torch.tensor([0.5, 1.0, 2.0, 0.1, 1.0, 1.0, 0.3, 0.2])
print(bag(inp, off), bag(inp, off, per_sample_weights=w))
print(nn.EmbeddingBag.from_pretrained(bag.weight, mode="max")(inp, off))
bag_last = nn.EmbeddingBag(10, 3, mode="mean", include_last_offset=True)
print(bag_last(inp, torch.tensor([0, 3, 3, 8])))
print(F.embedding_bag(torch.tensor([[1, 2], [3, 3]]), bag.weight, mode="mean"))
out = bag(inp, off, per_sample_weights=w)
out.sum().backward()
print(bag.weight.grad)
pad = nn.EmbeddingBag(6, 2, mode="sum", padding_idx=2)
print(pad(torch.tensor([[2, 1, 2], [2, 2, 2]])), pad.weight[2])
