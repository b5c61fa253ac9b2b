"""A toy denoising diffusion model (DDPM) on 2-D points: a linear beta schedule, alphas_cumprod
with torch.cumprod, q_sample with gather over timesteps, a sinusoidal time embedding, an MLP
noise predictor with SiLU and GroupNorm, the simple MSE loss, and ancestral sampling."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(2024)
T = 50
betas = torch.linspace(1e-4, 0.05, T)
alphas = 1.0 - betas
alphas_cumprod = torch.cumprod(alphas, dim=0)
alphas_cumprod_prev = F.pad(alphas_cumprod[:-1], (1, 0), value=1.0)
sqrt_ac, sqrt_1m_ac = alphas_cumprod.sqrt(), (1.0 - alphas_cumprod).sqrt()
posterior_variance = betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)
print(alphas_cumprod[[0, 10, 49]], posterior_variance[1:4])


def extract(a, t, x_shape):
    out = a.gather(-1, t)
    return out.reshape(t.shape[0], *((1,) * (len(x_shape) - 1)))


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class Denoiser(nn.Module):
    def __init__(self, dim=32):
        super().__init__()
        self.t_mlp = nn.Sequential(nn.Linear(16, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.inp = nn.Linear(2, dim)
        self.block = nn.Sequential(nn.GroupNorm(4, dim), nn.SiLU(), nn.Linear(dim, dim),
                                   nn.GroupNorm(4, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.out = nn.Linear(dim, 2)

    def forward(self, x, t):
        h = self.inp(x) + self.t_mlp(timestep_embedding(t, 16))
        return self.out(h + self.block(h))


def q_sample(x0, t, noise):
    return extract(sqrt_ac, t, x0.shape) * x0 + extract(sqrt_1m_ac, t, x0.shape) * noise


def data(n):
    theta = torch.rand(n) * 2 * math.pi
    return torch.stack([theta.cos(), theta.sin()], dim=1) + 0.05 * torch.randn(n, 2)


model = Denoiser()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for step in range(30):
    x0 = data(64)
    t = torch.randint(0, T, (64,), dtype=torch.long)
    noise = torch.randn_like(x0)
    loss = F.mse_loss(model(q_sample(x0, t, noise), t), noise)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    if step % 5 == 0:
        print(f"step {step} loss {loss.item():.5f}")


@torch.no_grad()
def p_sample_loop(n):
    x = torch.randn(n, 2)
    for i in reversed(range(T)):
        t = torch.full((n,), i, dtype=torch.long)
        eps = model(x, t)
        coef = extract(betas, t, x.shape) / extract(sqrt_1m_ac, t, x.shape)
        mean = (x - coef * eps) / extract(alphas, t, x.shape).sqrt()
        if i > 0:
            x = mean + extract(posterior_variance, t, x.shape).sqrt() * torch.randn_like(x)
        else:
            x = mean
    return x


samples = p_sample_loop(8)
print(samples.shape, samples.norm(dim=1))
print(timestep_embedding(torch.tensor([0, 5]), 8))
