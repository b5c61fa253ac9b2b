"""A graph network on a CSR adjacency, as GNN and recommender code writes it: a normalised
adjacency turned into CSR with to_sparse_csr(), message passing with torch.sparse.mm and @,
learnable edge weights through sparse_csr_tensor(crow, col, values), an Adam training loop;
printed reprs, losses and gradients are compared between PyTorch and gradkit run."""
import io

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
n = 40
rng = np.random.RandomState(1)
a = (rng.rand(n, n) < 0.08).astype(np.float32)
a = np.maximum(a, a.T) + np.eye(n, dtype=np.float32)
deg = a.sum(1)
norm = a / np.sqrt(deg[:, None] * deg[None, :])
adj = torch.from_numpy(norm).to_sparse_csr()
print(adj.layout, adj.is_sparse_csr, adj.is_sparse, adj._nnz(), adj.shape, adj.dtype)
print(adj.crow_indices()[:6], adj.col_indices()[:6], adj.values()[:3])
crow, col = adj.crow_indices(), adj.col_indices()


class EdgeGCN(nn.Module):
    def __init__(self, nfeat, nhid, nclass, nnz):
        super().__init__()
        self.lin1 = nn.Linear(nfeat, nhid)
        self.lin2 = nn.Linear(nhid, nclass)
        self.edge_logit = nn.Parameter(torch.zeros(nnz))

    def forward(self, x, adj):
        h = F.relu(torch.sparse.mm(adj, self.lin1(x)))
        w = torch.sigmoid(self.edge_logit) * adj.values() * 2
        weighted = torch.sparse_csr_tensor(crow, col, w, adj.shape)
        return F.log_softmax(weighted @ self.lin2(h), dim=1)


x = torch.randn(n, 8)
y = torch.randint(0, 3, (n,))
model = EdgeGCN(8, 16, 3, adj._nnz())
opt = torch.optim.Adam(model.parameters(), lr=0.02)
for epoch in range(25):
    opt.zero_grad()
    out = model(x, adj)
    loss = F.nll_loss(out, y)
    loss.backward()
    opt.step()
    if epoch % 8 == 0:
        acc = (out.argmax(1) == y).float().mean()
        print(f"epoch {epoch} loss {loss.item():.5f} acc {acc.item():.4f} "
              f"edge grad {model.edge_logit.grad.abs().sum().item():.6f}")

small = torch.tensor([[0., 2, 0], [1, 0, 0], [0, 0, 0], [0, 3, 4]])
s = small.to_sparse_csr()
print(s)
print(s.to_sparse_csc())
print(small.to_sparse_bsr((2, 1)))
print(s.to_sparse())
print(torch.mv(s, torch.ones(3)), torch.addmm(torch.ones(4, 2), s, torch.ones(3, 2)))
print((s * 2 + s).to_dense(), s.relu().values(), s.t())
print(s.sum(), s.sum(1, keepdim=True).to_dense())
b = torch.stack([small, small.flip(1)]).to_sparse_csr()
print(b.crow_indices(), b.values(), b.to_dense().sum(0))
v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
t = torch.sparse_csr_tensor(torch.tensor([0, 1, 1, 3], dtype=torch.int32),
                            torch.tensor([2, 0, 1], dtype=torch.int32), v, (3, 3))
print(t)
(t @ torch.arange(6.0).reshape(3, 2)).pow(2).sum().backward()
print(v.grad)
buf = io.BytesIO()
torch.save({"adj": s}, buf)
buf.seek(0)
print(torch.load(buf)["adj"])
try:
    s.exp()
except RuntimeError as e:
    print("RuntimeError", str(e).split(" (")[0])
try:
    s.crow_indices() if False else s.ccol_indices()
except RuntimeError as e:
    print("RuntimeError", str(e).split(" (")[0])
try:
    torch.sparse_csr_tensor(torch.tensor([0, 2, 1]), torch.tensor([0, 1, 0]),
                            torch.ones(3), (2, 2), check_invariants=True)
except RuntimeError as e:
    print("RuntimeError", e)
