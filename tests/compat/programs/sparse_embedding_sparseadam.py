"""Sparse embedding gradients as large-vocabulary recommenders use them: nn.Embedding(sparse=True)
whose weight.grad is a sparse COO tensor (coalesce, indices, values), trained with
torch.optim.SparseAdam, which updates only the rows a batch touched."""
import torch
import torch.nn as nn

torch.manual_seed(0)
emb = nn.Embedding(10, 3, sparse=True)
opt = torch.optim.SparseAdam(emb.parameters(), lr=0.1)
idx = torch.tensor([[1, 2, 4], [4, 3, 9]])
for step in range(3):
    opt.zero_grad()
    loss = (emb(idx).sum(-1) - 1).pow(2).mean()
    loss.backward()
    g = emb.weight.grad.coalesce()
    print(step, f"{loss.item():.5f}", g.is_sparse, g.indices().tolist(), g.values().shape)
    opt.step()
print(emb.weight[[0, 5]], emb.weight[4])
