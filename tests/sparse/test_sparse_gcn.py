"""A tiny graph convolutional network (Kipf & Welling, as the common pygcn code writes it: a
normalised sparse adjacency, ``spmm(adj, x @ W) + b``) trained in gradkit and in PyTorch from
the same weights: the losses and the weights after training agree."""

import math
import warnings

import numpy as np
import pytest

import gradkit as gk


def _graph(rng, n=40, f=6, classes=3, edges=90):
    src = rng.integers(0, n, edges)
    dst = rng.integers(0, n, edges)
    a = np.zeros((n, n))
    a[src, dst] = 1
    a = np.maximum(a, a.T) + np.eye(n)  # symmetric, with self loops
    d = 1 / np.sqrt(a.sum(1))
    norm = a * d[:, None] * d[None, :]
    rows, cols = np.nonzero(norm)
    feats = rng.standard_normal((n, f))
    labels = rng.integers(0, classes, n)
    return np.vstack([rows, cols]), norm[rows, cols], (n, n), feats, labels


def _model(m, f, hidden, classes, weights, adj_mode):
    class GraphConvolution(m.nn.Module):
        def __init__(self, fin, fout, w, b):
            super().__init__()
            self.weight = m.nn.Parameter(m.tensor(w))
            self.bias = m.nn.Parameter(m.tensor(b))

        def forward(self, x, adj):
            support = m.mm(x, self.weight)
            if adj_mode == "spmm":
                out = m.spmm(adj, support)
            elif adj_mode == "sparse.mm":
                out = m.sparse.mm(adj, support)
            else:
                out = adj @ support
            return out + self.bias

    class GCN(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.gc1 = GraphConvolution(f, hidden, *weights[:2])
            self.gc2 = GraphConvolution(hidden, classes, *weights[2:])

        def forward(self, x, adj):
            x = m.nn.functional.relu(self.gc1(x, adj))
            return m.nn.functional.log_softmax(self.gc2(x, adj), dim=1)

    return GCN()


def _train(m, graph, weights, dtype, adj_mode, epochs=25):
    idx, val, size, feats, labels = graph
    dt = getattr(m, dtype)
    if adj_mode == "to_sparse":  # a dense adjacency converted, as some programs do
        dense = np.zeros(size)
        dense[idx[0], idx[1]] = val
        adj = m.tensor(dense, dtype=dt).to_sparse()
    else:
        adj = m.sparse_coo_tensor(m.tensor(idx), m.tensor(val, dtype=dt), size)
    x = m.tensor(feats, dtype=dt)
    y = m.tensor(labels)
    train = m.arange(0, 25)
    model = _model(m, feats.shape[1], weights[0].shape[1], weights[2].shape[1],
                   [w.astype(dtype) for w in weights], adj_mode)
    opt = m.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    losses = []
    for _ in range(epochs):
        model.train()
        opt.zero_grad()
        out = model(x, adj)
        loss = m.nn.functional.nll_loss(out[train], y[train])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    final = [p.detach().numpy().copy() for p in model.parameters()]
    return np.array(losses), final


@pytest.mark.parametrize("adj_mode", ["spmm", "sparse.mm", "matmul", "to_sparse"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gcn_training_matches_torch(torch, adj_mode, dtype):
    warnings.filterwarnings("ignore", message=".*[Ss]parse.*")
    rng = np.random.default_rng(0)
    graph = _graph(rng)
    f, hidden, classes = graph[3].shape[1], 16, 3

    def glorot(a, b):
        s = 1 / math.sqrt(b)
        return rng.uniform(-s, s, (a, b)), rng.uniform(-s, s, b)

    weights = [*glorot(f, hidden), *glorot(hidden, classes)]
    lg, wg = _train(gk, graph, weights, dtype, adj_mode)
    lt, wt = _train(torch, graph, weights, dtype, adj_mode)
    tol = 1e-10 if dtype == "float64" else 2e-5
    assert lg[-1] < lg[0]  # it learns
    np.testing.assert_allclose(lg, lt, rtol=tol, atol=tol)
    for a, b in zip(wg, wt):
        np.testing.assert_allclose(a, b, rtol=tol * 10, atol=tol * 10)
