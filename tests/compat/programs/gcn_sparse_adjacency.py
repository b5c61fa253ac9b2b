"""Kipf & Welling's GCN as the original PyTorch port writes it, on a synthetic two-community
graph: edges as a (2, E) index tensor, A + I normalised as D^-1/2 (A + I) D^-1/2 with
torch.sparse_coo_tensor and coalesce, the GraphConvolution layer with torch.spmm/torch.sparse.mm
and xavier-uniform-like reset_parameters, the same propagation by index_add_ and by scatter_add_
compared with the sparse product, row-normalised features, train/val/test masks, log_softmax +
nll_loss, weight decay on the first layer only, and accuracy per split."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parameter import Parameter

torch.manual_seed(0)
n, per = 40, 20
labels = torch.cat([torch.zeros(per, dtype=torch.long), torch.ones(per, dtype=torch.long)])
g = torch.Generator().manual_seed(0)
src, dst = [], []
for i in range(n):
    for j in range(i + 1, n):
        p = 0.25 if labels[i] == labels[j] else 0.03
        if torch.rand(1, generator=g).item() < p:
            src += [i, j]
            dst += [j, i]
edge_index = torch.tensor([src, dst])
features = torch.rand(n, 12, generator=g)
features[:, :6] += 0.3 * labels[:, None]
features = features / features.sum(1, keepdim=True)
print(edge_index.shape, features.shape, torch.bincount(edge_index[0], minlength=n)[:8])

loops = torch.arange(n).repeat(2, 1)
ei = torch.cat([edge_index, loops], 1)
deg = torch.zeros(n).index_add_(0, ei[0], torch.ones(ei.shape[1]))
deg_inv_sqrt = deg.pow(-0.5)
deg_inv_sqrt[torch.isinf(deg_inv_sqrt)] = 0
vals = deg_inv_sqrt[ei[0]] * deg_inv_sqrt[ei[1]]
adj = torch.sparse_coo_tensor(ei, vals, (n, n)).coalesce()
print(adj.is_sparse, adj._nnz(), adj.to_dense().sum().item())


class GraphConvolution(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(torch.FloatTensor(in_features, out_features))
        self.bias = Parameter(torch.FloatTensor(out_features)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.weight.size(1))
        self.weight.data.uniform_(-stdv, stdv)
        if self.bias is not None:
            self.bias.data.uniform_(-stdv, stdv)

    def forward(self, input, adj):
        support = torch.mm(input, self.weight)
        output = torch.spmm(adj, support)
        return output + self.bias if self.bias is not None else output

    def __repr__(self):
        return f"{self.__class__.__name__} ({self.in_features} -> {self.out_features})"


class GCN(nn.Module):
    def __init__(self, nfeat, nhid, nclass, dropout):
        super().__init__()
        self.gc1 = GraphConvolution(nfeat, nhid)
        self.gc2 = GraphConvolution(nhid, nclass)
        self.dropout = dropout

    def forward(self, x, adj):
        x = F.relu(self.gc1(x, adj))
        x = F.dropout(x, self.dropout, training=self.training)
        x = self.gc2(x, adj)
        return F.log_softmax(x, dim=1)


h = torch.randn(n, 5)
dense_prop = torch.sparse.mm(adj, h)
msg = h[ei[1]] * vals[:, None]
by_index_add = torch.zeros(n, 5).index_add_(0, ei[0], msg)
by_scatter = torch.zeros(n, 5).scatter_add_(0, ei[0][:, None].expand(-1, 5), msg)
print(torch.allclose(dense_prop, by_index_add, atol=1e-6),
      torch.allclose(dense_prop, by_scatter, atol=1e-6), (adj @ h).shape)

perm = torch.randperm(n, generator=g)
idx_train, idx_val, idx_test = perm[:10], perm[10:20], perm[20:]
model = GCN(12, 16, 2, 0.5)
print(model)
optimizer = torch.optim.Adam([{"params": model.gc1.parameters(), "weight_decay": 5e-4},
                              {"params": model.gc2.parameters(), "weight_decay": 0}], lr=0.05)


def accuracy(output, labels):
    preds = output.max(1)[1].type_as(labels)
    return preds.eq(labels).double().sum() / len(labels)


for epoch in range(30):
    model.train()
    optimizer.zero_grad()
    output = model(features, adj)
    loss_train = F.nll_loss(output[idx_train], labels[idx_train])
    acc_train = accuracy(output[idx_train], labels[idx_train])
    loss_train.backward()
    optimizer.step()
    model.eval()
    output = model(features, adj)
    loss_val = F.nll_loss(output[idx_val], labels[idx_val])
    if epoch % 6 == 0:
        print("Epoch: {:04d}".format(epoch + 1), "loss_train: {:.4f}".format(loss_train.item()),
              "acc_train: {:.4f}".format(acc_train.item()),
              "loss_val: {:.4f}".format(loss_val.item()),
              "acc_val: {:.4f}".format(accuracy(output[idx_val], labels[idx_val]).item()))
model.eval()
output = model(features, adj)
print("Test set results:", "loss= {:.4f}".format(F.nll_loss(output[idx_test],
                                                               labels[idx_test]).item()),
      "accuracy= {:.4f}".format(accuracy(output[idx_test], labels[idx_test]).item()))
print(model.gc1.weight.grad.abs().sum().item())
