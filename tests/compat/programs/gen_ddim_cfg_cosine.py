"""Diffusion on 8x8 images as improved-DDPM/DDIM code writes it: the cosine beta schedule
(clipped at 0.999), a tiny conv U-Net with a sinusoidal time embedding added per block and a
class embedding with a null token for classifier-free guidance (labels dropped with a
bernoulli mask), one training step per batch with the simple loss and loss per timestep
quartile, then a deterministic DDIM sampler on a strided timestep subset (torch.linspace ->
long) with guidance weight w, and a stochastic eta=1 step with fixed noise."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(7)


def cosine_beta_schedule(timesteps, s=0.008):
    steps = timesteps + 1
    x = torch.linspace(0, timesteps, steps, dtype=torch.float64)
    alphas_cumprod = torch.cos(((x / timesteps) + s) / (1 + s) * math.pi * 0.5) ** 2
    alphas_cumprod = alphas_cumprod / alphas_cumprod[0]
    betas = 1 - (alphas_cumprod[1:] / alphas_cumprod[:-1])
    return torch.clip(betas, 0, 0.999)


T = 100
betas = cosine_beta_schedule(T).float()
alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
print("betas", betas[:3], betas[-3:])
print("abar", alphas_cumprod[[0, 49, 99]])


def extract(a, t, shape):
    b = t.shape[0]
    out = a.gather(-1, t.cpu())
    return out.reshape(b, *((1,) * (len(shape) - 1)))


class SinusoidalPosEmb(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        half = self.dim // 2
        emb = math.log(10000) / (half - 1)
        emb = torch.exp(torch.arange(half) * -emb)
        emb = x[:, None] * emb[None, :]
        return torch.cat((emb.sin(), emb.cos()), dim=-1)


class Block(nn.Module):
    def __init__(self, cin, cout, tdim):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm1 = nn.GroupNorm(4, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.norm2 = nn.GroupNorm(4, cout)
        self.mlp = nn.Sequential(nn.SiLU(), nn.Linear(tdim, cout * 2))
        self.res = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = F.silu(self.norm1(self.conv1(x)))
        scale, shift = self.mlp(temb)[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(self.conv2(h)) * (scale + 1) + shift
        return F.silu(h) + self.res(x)


class TinyUNet(nn.Module):
    def __init__(self, ch=8, n_classes=3, tdim=16):
        super().__init__()
        self.time_mlp = nn.Sequential(SinusoidalPosEmb(tdim), nn.Linear(tdim, tdim), nn.GELU(),
                                      nn.Linear(tdim, tdim))
        self.label_emb = nn.Embedding(n_classes + 1, tdim)  # last index = null token
        self.null = n_classes
        self.inc = nn.Conv2d(1, ch, 3, padding=1)
        self.down = Block(ch, ch * 2, tdim)
        self.mid = Block(ch * 2, ch * 2, tdim)
        self.up = Block(ch * 4, ch, tdim)
        self.out = nn.Conv2d(ch, 1, 1)

    def forward(self, x, t, y):
        temb = self.time_mlp(t.float()) + self.label_emb(y)
        h0 = self.inc(x)
        h1 = self.down(h0, temb)
        h2 = self.mid(F.avg_pool2d(h1, 2), temb)
        h2 = F.interpolate(h2, scale_factor=2, mode="nearest")
        h = self.up(torch.cat([h2, h1], dim=1), temb)
        return self.out(h)


def make_data(n):
    y = torch.randint(0, 3, (n,))
    grid = torch.linspace(-1, 1, 8)
    yy, xx = torch.meshgrid(grid, grid, indexing="ij")
    base = torch.stack([xx, yy, xx * yy])[y]
    return (base + 0.05 * torch.randn(n, 8, 8)).unsqueeze(1), y


model = TinyUNet()
opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
p_uncond = 0.2
for step in range(12):
    x0, y = make_data(16)
    t = torch.randint(0, T, (16,)).long()
    noise = torch.randn_like(x0)
    xt = extract(alphas_cumprod.sqrt(), t, x0.shape) * x0 + \
        extract((1 - alphas_cumprod).sqrt(), t, x0.shape) * noise
    drop = torch.bernoulli(torch.full((16,), p_uncond)).bool()
    y_in = torch.where(drop, torch.full_like(y, model.null), y)
    pred = model(xt, t, y_in)
    per = F.mse_loss(pred, noise, reduction="none").mean(dim=(1, 2, 3))
    loss = per.mean()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if step % 3 == 0:
        q = torch.bucketize(t, torch.tensor([25, 50, 75]))
        qloss = torch.zeros(4).scatter_add_(0, q, per.detach()) / \
            torch.bincount(q, minlength=4).clamp(min=1)
        print(f"step {step} loss {loss.item():.5f} grad_norm {gn.item():.4f} quartiles", qloss)


@torch.no_grad()
def ddim_sample(model, y, steps=10, w=2.0, eta=0.0, gen=None):
    n = y.shape[0]
    times = torch.linspace(T - 1, 0, steps).long()
    x = torch.randn(n, 1, 8, 8, generator=gen)
    null = torch.full_like(y, model.null)
    for i, t in enumerate(times):
        tt = t.repeat(n)
        eps_c = model(x, tt, y)
        eps_u = model(x, tt, null)
        eps = (1 + w) * eps_c - w * eps_u
        a_t = alphas_cumprod[t]
        a_prev = alphas_cumprod[times[i + 1]] if i + 1 < steps else torch.tensor(1.0)
        x0 = ((x - (1 - a_t).sqrt() * eps) / a_t.sqrt()).clamp(-1.5, 1.5)
        sigma = eta * ((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev)).sqrt()
        dir_xt = (1 - a_prev - sigma ** 2).clamp(min=0).sqrt() * eps
        x = a_prev.sqrt() * x0 + dir_xt + sigma * torch.randn(x.shape, generator=gen)
    return x


model.eval()
g = torch.Generator().manual_seed(3)
s = ddim_sample(model, torch.tensor([0, 1, 2]), gen=g)
print("ddim", s.shape, s.mean(dim=(1, 2, 3)), s.std().item())
g = torch.Generator().manual_seed(3)
s2 = ddim_sample(model, torch.tensor([0, 1, 2]), steps=5, w=0.0, eta=1.0, gen=g)
print("ddpm-like", s2.mean(dim=(1, 2, 3)), s2.abs().max().item())
