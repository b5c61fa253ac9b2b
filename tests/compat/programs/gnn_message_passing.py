"""A graph neural network written without PyG, as GNN tutorials do: an edge_index (2, E) tensor,
degree by torch.bincount / index_add_, symmetric GCN normalisation with rsqrt, message passing via
index_add_ / scatter_add_ / scatter_reduce_ (sum, mean, amax, amin, prod, include_self), a GAT-like
layer with a per-destination softmax built from scatter_reduce amax, node classification with
masks, and global mean pooling per graph."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
N, E = 12, 30
src = torch.randint(0, N, (E,))
dst = torch.randint(0, N, (E,))
edge_index = torch.stack([torch.cat([src, dst]), torch.cat([dst, src])])  # undirected
edge_index = torch.unique(edge_index, dim=1)
self_loops = torch.arange(N).repeat(2, 1)
edge_index = torch.cat([edge_index, self_loops], 1)
print(edge_index.shape, edge_index[:, :6])
row, col = edge_index
deg = torch.bincount(col, minlength=N).float()
deg2 = torch.zeros(N).index_add_(0, col, torch.ones(col.numel()))
print(deg, torch.equal(deg, deg2))
x = torch.randn(N, 5)
y = (x[:, 0] > 0).long()


class GCNLayer(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.lin = nn.Linear(i, o, bias=False)
        self.bias = nn.Parameter(torch.zeros(o))

    def forward(self, x, edge_index):
        row, col = edge_index
        d = torch.zeros(x.size(0)).scatter_add_(0, col, torch.ones_like(col, dtype=x.dtype))
        norm = d.rsqrt()[row] * d.rsqrt()[col]
        h = self.lin(x)
        out = torch.zeros_like(h).index_add_(0, col, h[row] * norm.unsqueeze(1))
        return out + self.bias


class GATLayer(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.lin = nn.Linear(i, o, bias=False)
        self.att = nn.Parameter(torch.randn(2 * o) * 0.1)

    def forward(self, x, edge_index):
        row, col = edge_index
        h = self.lin(x)
        e = F.leaky_relu(torch.cat([h[row], h[col]], 1) @ self.att, 0.2)
        emax = torch.full((x.size(0),), -1e9).scatter_reduce(0, col, e, "amax", include_self=True)
        a = (e - emax[col]).exp()
        denom = torch.zeros(x.size(0)).scatter_add(0, col, a)
        a = a / denom[col]
        return torch.zeros_like(h).index_add(0, col, a.unsqueeze(1) * h[row]), a


gcn1, gcn2, gat = GCNLayer(5, 16), GCNLayer(16, 2), GATLayer(5, 8)
params = [*gcn1.parameters(), *gcn2.parameters(), *gat.parameters()]
opt = torch.optim.Adam(params, lr=0.02, weight_decay=5e-4)
train_mask = torch.zeros(N, dtype=torch.bool)
train_mask[::2] = True
for epoch in range(30):
    h = F.relu(gcn1(x, edge_index)) + F.pad(gat(x, edge_index)[0], (0, 8))
    h = F.dropout(h, 0.2, training=True)
    out = gcn2(h, edge_index)
    loss = F.cross_entropy(out[train_mask], y[train_mask])
    opt.zero_grad()
    loss.backward()
    opt.step()
    if epoch % 10 == 0:
        acc = (out.argmax(1)[~train_mask] == y[~train_mask]).float().mean()
        print(epoch, f"{loss.item():.5f}", acc.item())

_, att = gat(x, edge_index)
print(torch.zeros(N).scatter_add(0, col, att))
vals = torch.arange(1.0, 8.0)
idx = torch.tensor([0, 1, 0, 1, 2, 1, 0])
for red in ("sum", "prod", "mean", "amax", "amin"):
    for inc in (True, False):
        print(red, inc, torch.full((4,), 2.0).scatter_reduce(0, idx, vals, red, include_self=inc))
m = torch.zeros(3, 4)
m.scatter_(1, torch.tensor([[0, 1], [2, 3], [1, 1]]), 1.5, reduce="add")
print(m, torch.zeros(2, 3).scatter(0, torch.tensor([[1, 0, 1]]), torch.ones(1, 3) * 4))
batch = torch.tensor([0] * 5 + [1] * 7)
pooled = torch.zeros(2, 5).index_add_(0, batch, x) / torch.bincount(batch).unsqueeze(1)
print(pooled, torch.zeros(2, 5).index_reduce_(0, batch, x, "amax", include_self=False))
v = torch.randn(6, requires_grad=True)
r = torch.zeros(3).scatter_reduce(0, torch.tensor([0, 0, 1, 1, 2, 2]), v, "amax")
r.sum().backward()
print(r, v.grad)
