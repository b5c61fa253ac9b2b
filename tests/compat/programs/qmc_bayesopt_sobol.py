"""Quasi-Monte-Carlo Bayesian optimisation in the style of BoTorch: a scrambled Sobol'
sequence (torch.quasirandom) for space-filling starts and for the normal base samples of a
batch expected improvement, Boltzmann sampling of starts with torch.multinomial(out=...),
parameters read into NumPy under no_grad as a SciPy-style optimiser closure does, and a test
problem whose subclass overrides its registered buffer with a property."""
import math

import numpy as np
import torch
from torch.quasirandom import SobolEngine

torch.manual_seed(0)
dtype = torch.double


class TestProblem(torch.nn.Module):
    _optimizers = None

    def __init__(self, dim):
        super().__init__()
        self.dim = dim
        self.register_buffer("bounds", torch.tensor([[0.0] * dim, [1.0] * dim], dtype=dtype))
        self.register_buffer("optimizers", torch.tensor(self._optimizers, dtype=dtype))

    def forward(self, X):
        return self.evaluate_true(X)


class Bowl(TestProblem):
    _optimizers = [(0.3, 0.7)]

    @property
    def optimizers(self):  # the buffer, reached when this property's lookup fails
        return super().optimizers

    def evaluate_true(self, X):
        return -((X - self.optimizers[0]) ** 2).sum(-1) + 0.1 * torch.sin(7 * X).sum(-1)


def draw_sobol_samples(bounds, n, q, seed=None):
    d = bounds.shape[-1]
    u = SobolEngine(q * d, scramble=True, seed=seed).draw(n, dtype=bounds.dtype)
    return bounds[0] + (bounds[1] - bounds[0]) * u.view(n, q, d)


def sobol_normal_samples(n, d, seed):
    u = SobolEngine(2 * d, scramble=True, seed=seed).draw(n, dtype=dtype)
    u = u.clamp(1e-10, 1 - 1e-10)
    r = torch.sqrt(-2 * torch.log(u[:, :d]))
    return r * torch.cos(2 * math.pi * u[:, d:])  # Box-Muller


class GP(torch.nn.Module):
    def __init__(self, X, Y):
        super().__init__()
        self.X, self.Y = X, Y
        self.raw_lengthscale = torch.nn.Parameter(torch.zeros(X.shape[-1], dtype=dtype))
        self.raw_noise = torch.nn.Parameter(torch.tensor(-3.0, dtype=dtype))

    def kernel(self, A, B):
        ls = torch.nn.functional.softplus(self.raw_lengthscale)
        return torch.exp(-0.5 * torch.cdist(A / ls, B / ls).pow(2))

    def chol(self):
        K = self.kernel(self.X, self.X)
        noise = torch.nn.functional.softplus(self.raw_noise) + 1e-6
        return torch.linalg.cholesky(K + noise * torch.eye(len(self.X), dtype=dtype))

    def mll(self):
        L = self.chol()
        a = torch.cholesky_solve(self.Y.unsqueeze(-1), L)
        return -0.5 * (self.Y.unsqueeze(-1) * a).sum() - torch.log(torch.diagonal(L)).sum()

    def posterior(self, Xs):
        L = self.chol()
        Ks = self.kernel(Xs, self.X)
        mean = Ks @ torch.cholesky_solve(self.Y.unsqueeze(-1), L)
        v = torch.linalg.solve_triangular(L, Ks.transpose(-1, -2), upper=False)
        cov = self.kernel(Xs, Xs) - v.transpose(-1, -2) @ v
        return mean.squeeze(-1), cov


def flat_state(module):
    out = np.empty(sum(p.numel() for p in module.parameters()), dtype=np.float64)
    i = 0
    with torch.no_grad():  # the parameters still require grad: numpy() is allowed here
        for p in module.parameters():
            out[i:i + p.numel()] = p.view(-1).cpu().numpy()
            i += p.numel()
    return out


problem = Bowl(dim=2)
print("optimizers", problem.optimizers.tolist(), sorted(dict(problem.named_buffers())))
X = draw_sobol_samples(problem.bounds, n=8, q=1).squeeze(1)  # seed None: the global generator
Y = problem(X)
print("initial X", [f"{v:.6f}" for v in X.flatten().tolist()])
gp = GP(X, (Y - Y.mean()) / Y.std())
opt = torch.optim.Adam(gp.parameters(), lr=0.05)
for step in range(40):
    opt.zero_grad()
    loss = -gp.mll()
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print(f"fit step {step} mll {-loss.item():.6f} state {np.round(flat_state(gp), 6).tolist()}")

base = sobol_normal_samples(64, 2, seed=0)  # (samples, q)
best = gp.Y.max()


def qei(Xq):  # Xq: (b, q, d)
    mean, cov = gp.posterior(Xq)
    L = torch.linalg.cholesky(cov + 1e-6 * torch.eye(Xq.shape[-2], dtype=dtype))
    samples = mean.unsqueeze(-2) + base @ L.transpose(-1, -2)  # (b, samples, q)
    return (samples.max(-1).values - best).clamp_min(0).mean(-1)


raw = draw_sobol_samples(problem.bounds, n=32, q=2, seed=1)
with torch.no_grad():
    vals = qei(raw)
w = torch.exp(4 * (vals - vals.mean()) / vals.std())
idx = torch.empty(0, dtype=torch.long)
torch.multinomial(w, 4, replacement=False, out=idx)
print("raw qEI", [f"{v:.6f}" for v in vals[:6].tolist()], "starts", idx.tolist())
Xc = raw[idx].clone().requires_grad_(True)
copt = torch.optim.Adam([Xc], lr=0.02)
for step in range(25):
    copt.zero_grad()
    (-qei(Xc).sum()).backward()
    copt.step()
    with torch.no_grad():
        Xc.clamp_(0, 1)
with torch.no_grad():
    final = qei(Xc)
b = final.argmax()
print("best qEI", f"{final[b].item():.6f}", "candidates", [f"{v:.5f}" for v in Xc[b].flatten().tolist()])
engine = SobolEngine(3, scramble=True, seed=7)
first = engine.draw(4, dtype=dtype)
engine.reset().fast_forward(2)
print(engine, "fast_forward", torch.equal(engine.draw(2, dtype=dtype), first[2:]), engine.num_generated)
print("draw_base2", engine.draw_base2(2).shape, engine.quasi.tolist())
