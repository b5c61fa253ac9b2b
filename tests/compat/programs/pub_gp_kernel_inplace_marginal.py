"""A hand-rolled Gaussian-process regression in the style of GPyTorch: kernels build their
distance matrices with in-place clamps and square roots (``clamp_min_(...).sqrt_()``) and a
periodic kernel applies ``sin`` to a distance it then squares in place, so the backward of each
in-place op must read its input from before its own write. The exact marginal log likelihood goes
through a jittered Cholesky factor, triangular solves and its log-determinant; Adam fits the
hyperparameters, then the predictive mean and variance are printed. Eigenvalues of a matrix with
repeated eigenvalues take a gradient too, and a saved constant of shape (1,) loads into a 0-d
parameter, as old checkpoints do."""
import math

import torch

torch.manual_seed(0)
x = torch.linspace(0, 1, 24, dtype=torch.float64)
y = torch.sin(6 * x) + 0.1 * torch.randn(24, dtype=torch.float64)


def distance(a, b):
    d = (a[:, None] - b[None, :]) ** 2
    return d.clamp_min_(1e-30).sqrt_()


class GP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.raw_ls = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))
        self.raw_period = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))
        self.raw_noise = torch.nn.Parameter(torch.tensor(-2.0, dtype=torch.float64))
        self.constant = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))

    def kernel(self, a, b):
        ls = torch.nn.functional.softplus(self.raw_ls)
        period = torch.nn.functional.softplus(self.raw_period) + 0.5
        d = distance(a, b)
        matern = (1 + math.sqrt(3) * d / ls) * torch.exp(-math.sqrt(3) * d / ls)
        s = (d * (math.pi / period)).sin_()
        periodic = s.pow_(2).mul_(-2.0 / ls).exp_()
        return matern + periodic

    def nll(self, a, t):
        noise = torch.nn.functional.softplus(self.raw_noise)
        K = self.kernel(a, a) + (noise + 1e-6) * torch.eye(len(a), dtype=a.dtype)
        L = torch.linalg.cholesky(K)
        r = (t - self.constant)[:, None]
        alpha = torch.linalg.solve_triangular(L, r, upper=False)
        logdet = 2 * L.diagonal().log().sum()
        return 0.5 * (alpha.pow(2).sum() + logdet + len(a) * math.log(2 * math.pi)) / len(a)

    def predict(self, a, t, q):
        noise = torch.nn.functional.softplus(self.raw_noise)
        K = self.kernel(a, a) + (noise + 1e-6) * torch.eye(len(a), dtype=a.dtype)
        L = torch.linalg.cholesky(K)
        Ks = self.kernel(q, a)
        mean = self.constant + Ks @ torch.cholesky_solve((t - self.constant)[:, None], L)[:, 0]
        v = torch.linalg.solve_triangular(L, Ks.T, upper=False)
        var = self.kernel(q, q).diagonal() - v.pow(2).sum(0)
        return mean, var


gp = GP()
opt = torch.optim.Adam(gp.parameters(), lr=0.1)
for step in range(15):
    opt.zero_grad()
    loss = gp.nll(x, y)
    loss.backward()
    if step % 5 == 0 or step == 14:
        grads = [p.grad.item() for p in gp.parameters()]
        print(f"step {step} loss {loss.item():.8f} grads", " ".join(f"{g:.6f}" for g in grads))
    opt.step()
with torch.no_grad():
    mean, var = gp.predict(x, y, torch.linspace(0, 1, 7, dtype=torch.float64))
print("mean", [round(v, 6) for v in mean.tolist()])
print("var", [round(v, 8) for v in var.tolist()])

# eigenvalues alone of a matrix with a repeated eigenvalue (the eigenvectors unused)
A = torch.tensor([[4.0, 0, 0, 1], [0, 4, 0, 0], [0, 0, 4, 0], [1, 0, 0, 4]], requires_grad=True)
evals, _ = torch.linalg.eigh(A)
(evals * torch.arange(1.0, 5.0)).sum().backward()
print("eigvals", evals.tolist(), "grad", A.grad.tolist())

# a checkpoint of the constant mean saved with shape (1,) loads into the 0-d parameter
state = {k: v.detach().clone() for k, v in gp.state_dict().items()}
state["constant"] = torch.tensor([0.25], dtype=torch.float64)
fresh = GP()
print("load", fresh.load_state_dict(state), fresh.constant.shape, fresh.constant.item())
