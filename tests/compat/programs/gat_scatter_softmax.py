"""A graph attention network written without a graph library, as GAT tutorials do: an edge
list with self loops, per-edge attention logits from a_src . Wh_i + a_dst . Wh_j with
LeakyReLU(0.2), a scatter softmax over incoming edges (the max per node by
Tensor.scatter_reduce(reduce="amax", include_self=False), exp, sums by index_add_), messages
aggregated with index_add_, multi-head concatenation then averaging, dropout on attention,
and node classification on a two-community graph with a train mask."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(11)

N = 60
community = (torch.arange(N) >= 30).long()
p_in, p_out = 0.2, 0.02
probs = torch.where(community[:, None] == community[None, :], p_in, p_out)
adj = (torch.rand(N, N) < probs).triu(1)
adj = adj | adj.T
src, dst = adj.nonzero(as_tuple=True)
loops = torch.arange(N)
edge_index = torch.stack([torch.cat([src, loops]), torch.cat([dst, loops])])
print("edges", edge_index.shape[1], "mean degree", (edge_index.shape[1] / N))
x = F.one_hot(community, 2).float() * 0.5 + torch.randn(N, 8 - 2).new_zeros(N, 2)
x = torch.cat([x, torch.randn(N, 6)], 1)
y = community
train_mask = torch.zeros(N, dtype=torch.bool)
train_mask[torch.randperm(N)[:12]] = True


def scatter_softmax(logits, index, num_nodes):
    # logits: [E, H]
    H = logits.shape[1]
    m = torch.full((num_nodes, H), float("-inf")).scatter_reduce(
        0, index[:, None].expand(-1, H), logits, reduce="amax", include_self=False)
    e = (logits - m[index]).exp()
    s = torch.zeros(num_nodes, H).index_add_(0, index, e)
    return e / (s[index] + 1e-16)


class GATLayer(nn.Module):
    def __init__(self, in_f, out_f, heads, concat=True, dropout=0.2):
        super().__init__()
        self.W = nn.Linear(in_f, heads * out_f, bias=False)
        self.a_src = nn.Parameter(torch.empty(1, heads, out_f))
        self.a_dst = nn.Parameter(torch.empty(1, heads, out_f))
        nn.init.xavier_uniform_(self.W.weight)
        nn.init.xavier_uniform_(self.a_src)
        nn.init.xavier_uniform_(self.a_dst)
        self.heads, self.out_f, self.concat, self.dropout = heads, out_f, concat, dropout

    def forward(self, x, edge_index):
        s, d = edge_index
        h = self.W(x).view(-1, self.heads, self.out_f)
        alpha = (h * self.a_src).sum(-1)[s] + (h * self.a_dst).sum(-1)[d]
        alpha = F.leaky_relu(alpha, 0.2)
        alpha = scatter_softmax(alpha, d, x.size(0))
        self.last_alpha = alpha.detach()
        alpha = F.dropout(alpha, self.dropout, self.training)
        msg = h[s] * alpha.unsqueeze(-1)
        out = torch.zeros(x.size(0), self.heads, self.out_f).index_add_(0, d, msg)
        return out.flatten(1) if self.concat else out.mean(1)


class GAT(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = GATLayer(8, 8, heads=4)
        self.l2 = GATLayer(32, 2, heads=2, concat=False)

    def forward(self, x, ei):
        x = F.dropout(x, 0.3, self.training)
        x = F.elu(self.l1(x, ei))
        x = F.dropout(x, 0.3, self.training)
        return self.l2(x, ei)


model = GAT()
opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
for epoch in range(60):
    model.train()
    out = model(x, edge_index)
    loss = F.cross_entropy(out[train_mask], y[train_mask])
    opt.zero_grad()
    loss.backward()
    opt.step()
    if epoch % 10 == 0:
        model.eval()
        with torch.no_grad():
            pred = model(x, edge_index).argmax(1)
            acc = (pred[~train_mask] == y[~train_mask]).float().mean()
        print(f"epoch {epoch:2d} loss {loss.item():.4f} test acc {acc.item():.3f}")

a = model.l1.last_alpha
sums = torch.zeros(N, 4).index_add_(0, edge_index[1], a)
print("attention sums to one", torch.allclose(sums, torch.ones(N, 4), atol=1e-5))
print("alpha shape", a.shape, "max", a.max().item())
# the same softmax through scatter_reduce(sum) and a dense masked softmax
logits = torch.randn(edge_index.shape[1], 1)
dense = torch.full((N, N), float("-inf"))
dense[edge_index[1], edge_index[0]] = logits[:, 0]
ref = torch.softmax(dense, dim=1)[edge_index[1], edge_index[0]]
print("matches dense softmax", torch.allclose(scatter_softmax(logits, edge_index[1], N)[:, 0], ref,
                                              atol=1e-6))
