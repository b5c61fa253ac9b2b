"""A graph convolutional network in the style of the well-known pygcn code: a row-normalised
adjacency built with the legacy torch.sparse.FloatTensor, torch.spmm message passing, Adam with
weight decay; printed losses and accuracies are compared between PyTorch and gradkit run."""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.nn.parameter import Parameter

torch.manual_seed(42)
np.random.seed(42)

def normalize(mx):
    rowsum = np.array(mx.sum(1))
    r_inv = np.power(rowsum, -1).flatten()
    r_inv[np.isinf(r_inv)] = 0.
    return np.diag(r_inv).dot(mx)

def dense_to_torch_sparse(mx):
    mx = mx.astype(np.float32)
    row, col = np.nonzero(mx)
    indices = torch.from_numpy(np.vstack((row, col)).astype(np.int64))
    values = torch.from_numpy(mx[row, col])
    shape = torch.Size(mx.shape)
    return torch.sparse.FloatTensor(indices, values, shape)

class GraphConvolution(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.weight = Parameter(torch.FloatTensor(in_features, out_features))
        self.bias = Parameter(torch.FloatTensor(out_features)) if bias else None
        self.reset_parameters()
    def reset_parameters(self):
        stdv = 1. / math.sqrt(self.weight.size(1))
        self.weight.data.uniform_(-stdv, stdv)
        if self.bias is not None:
            self.bias.data.uniform_(-stdv, stdv)
    def forward(self, input, adj):
        support = torch.mm(input, self.weight)
        output = torch.spmm(adj, support)
        return output + self.bias if self.bias is not None else output

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

n = 60
rng = np.random.RandomState(0)
a = (rng.rand(n, n) < 0.05).astype(np.float32)
a = np.maximum(a, a.T) + np.eye(n, dtype=np.float32)
adj = dense_to_torch_sparse(normalize(a))
print(adj.shape, adj.layout, adj.is_sparse, adj._nnz())
features = torch.FloatTensor(normalize(rng.rand(n, 10).astype(np.float32)))
labels = torch.LongTensor(rng.randint(0, 3, n))
idx_train = torch.LongTensor(range(40))
idx_val = torch.LongTensor(range(40, 60))
model = GCN(10, 16, 3, 0.0)
optimizer = optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
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
    if epoch % 10 == 0:
        print('Epoch: {:04d}'.format(epoch + 1),
              'loss_train: {:.4f}'.format(loss_train.item()),
              'acc_train: {:.4f}'.format(acc_train.item()))
adj2 = torch.eye(4).to_sparse()
print(adj2)
print(torch.sparse.mm(adj2, torch.ones(4, 2)).sum().item())
edges = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
a2 = torch.sparse_coo_tensor(edges, torch.ones(4), (3, 3))
print(a2.coalesce().indices(), a2.coalesce().values(), a2.to_dense())
print(torch.sparse.sum(a2, dim=1).to_dense(), (a2 * 0.5 + a2).is_coalesced(), a2.t().shape)
h = torch.randn(3, 2, requires_grad=True)
out = torch.sparse.mm(a2, h).relu().sum()
out.backward()
print(out.item(), h.grad)
