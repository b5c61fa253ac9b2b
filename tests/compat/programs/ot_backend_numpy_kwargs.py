"""A POT-style array backend over torch (as POT's ``ot.backend.TorchBackend``): its wrappers pass
NumPy's keyword names through to torch (``torch.linalg.norm(a, dim=axis, keepdims=keepdims)``,
``torch.sum(a, axis=..., keepdims=...)``), and a log-domain Sinkhorn solver built on them is
differentiated with respect to the sample positions and weights."""

import numpy as np
import torch
import torch.nn.functional as F


class Backend:
    def norm(self, a, axis=None, keepdims=False):
        return torch.linalg.norm(a, dim=axis, keepdims=keepdims)

    def vnorm(self, a, ord=2, axis=None, keepdims=False):
        return torch.linalg.vector_norm(a, ord, axis=axis, keepdims=keepdims)

    def sum(self, a, axis=None, keepdims=False):
        return torch.sum(a, axis=axis, keepdims=keepdims) if axis is not None else torch.sum(a)

    def logsumexp(self, a, axis=None):
        return torch.logsumexp(a, axis=axis)

    def dist(self, x, y):
        return self.vnorm(x[:, None, :] - y[None, :, :], axis=-1) ** 2


nx = Backend()
rng = np.random.default_rng(0)
xs = torch.tensor(rng.standard_normal((12, 3)), requires_grad=True)
xt = torch.tensor(rng.standard_normal((9, 3)) + 0.5)
a = torch.full((12,), 1 / 12, dtype=torch.float64, requires_grad=True)
b = torch.full((9,), 1 / 9, dtype=torch.float64)

M = nx.dist(xs, xt)
M = M / M.max()
reg = 0.1
f = torch.zeros(12, dtype=torch.float64)
g = torch.zeros(9, dtype=torch.float64)
for _ in range(100):
    f = reg * (torch.log(a) - nx.logsumexp((g[None, :] - M) / reg, axis=1))
    g = reg * (torch.log(b) - nx.logsumexp((f[:, None] - M) / reg, axis=0))
P = torch.exp((f[:, None] + g[None, :] - M) / reg)
cost = nx.sum(P * M)
cost.backward()
print("cost", round(cost.item(), 8))
print("row marginals met", float(nx.norm(nx.sum(P.detach(), axis=1) - a.detach())) < 1e-10)
print("col sums", nx.sum(P, axis=0, keepdims=True).shape, nx.norm(P, axis=(0, 1), keepdims=True).shape)
print("grad xs", np.round(xs.grad.numpy()[:3], 6).tolist())
print("grad a", np.round(a.grad.numpy()[:4], 6).tolist())
print("norms", np.round(nx.norm(xs.detach(), axis=1, keepdims=True).numpy()[:3, 0], 6).tolist())
print("matrix norm", round(torch.linalg.matrix_norm(M.detach(), "nuc", axis=(0, 1)).item(), 6))
print("cross", torch.linalg.cross(xs[:3].detach(), xt[:3], axis=1).numpy().round(6).tolist())
print("vecdot", torch.linalg.vecdot(xs[:3].detach(), xt[:3], axis=1).numpy().round(6).tolist())
print("cos", F.cosine_similarity(xs[:4].detach(), xt[:4], axis=1).numpy().round(6).tolist())
print("pdist", F.pairwise_distance(xs[:4].detach(), xt[:4], keepdims=True).shape)
