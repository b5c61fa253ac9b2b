"""Gradient-based MCMC written on autograd.grad, as in sampling tutorials: unadjusted Langevin
dynamics and MALA on a correlated 2-D Gaussian, and Hamiltonian Monte Carlo with a leapfrog
integrator and Metropolis correction on a banana-shaped density; acceptance rates and moment
estimates are printed and compared with the known answers."""
import torch
from torch.distributions import MultivariateNormal

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
cov = torch.tensor([[1.0, 0.8], [0.8, 1.0]])
target = MultivariateNormal(torch.tensor([1.0, -1.0]), covariance_matrix=cov)


def grad_log_prob(log_prob, x):
    x = x.detach().requires_grad_(True)
    lp = log_prob(x)
    (g,) = torch.autograd.grad(lp.sum(), x)
    return lp.detach(), g


# unadjusted Langevin on 64 chains
x = torch.zeros(64, 2)
eps = 0.05
for _ in range(300):
    _, g = grad_log_prob(target.log_prob, x)
    x = x + eps * g + (2 * eps) ** 0.5 * torch.randn_like(x)
print("ULA mean", [round(v, 2) for v in x.mean(0).tolist()])

# MALA with accept/reject
x = torch.zeros(64, 2)
accepts = 0.0
eps = 0.3
for _ in range(200):
    lp, g = grad_log_prob(target.log_prob, x)
    prop = x + eps * g + (2 * eps) ** 0.5 * torch.randn_like(x)
    lp_p, g_p = grad_log_prob(target.log_prob, prop)
    fwd = -((prop - x - eps * g) ** 2).sum(-1) / (4 * eps)
    bwd = -((x - prop - eps * g_p) ** 2).sum(-1) / (4 * eps)
    accept = torch.rand(64).log() < lp_p - lp + bwd - fwd
    x = torch.where(accept.unsqueeze(-1), prop, x)
    accepts += accept.double().mean().item()
print(f"MALA acceptance {accepts / 200:.3f}")
print("MALA cov", [round(v, 1) for v in torch.cov(x.T).flatten().tolist()])


def banana(z):
    return -0.5 * z[..., 0] ** 2 / 4 - 0.5 * (z[..., 1] - 0.5 * z[..., 0] ** 2 + 1) ** 2


def hmc_step(q, step=0.15, n_leap=10):
    p = torch.randn_like(q)
    lp0, g = grad_log_prob(banana, q)
    h0 = -lp0 + 0.5 * (p ** 2).sum(-1)
    q_new = q.clone()
    p = p + 0.5 * step * g
    for i in range(n_leap):
        q_new = q_new + step * p
        lp, g = grad_log_prob(banana, q_new)
        if i < n_leap - 1:
            p = p + step * g
    p = p + 0.5 * step * g
    h1 = -lp + 0.5 * (p ** 2).sum(-1)
    accept = torch.rand(q.shape[0]).log() < h0 - h1
    return torch.where(accept.unsqueeze(-1), q_new, q), accept


q = torch.zeros(32, 2)
samples, rate = [], 0.0
for it in range(150):
    q, acc = hmc_step(q)
    rate += acc.double().mean().item()
    if it >= 50:
        samples.append(q)
s = torch.cat(samples)
print(f"HMC acceptance {rate / 150:.3f}")
print("HMC E[z0^2] %.1f E[z1] %.1f" % ((s[:, 0] ** 2).mean().item(), s[:, 1].mean().item()))
