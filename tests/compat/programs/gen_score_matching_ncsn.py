"""Score-based generative modelling on a 2-D mixture as NCSN tutorials write it: a geometric
sequence of noise levels (torch.exp of linspace of logs), a noise-conditional score network
(sigma embedded by log), the denoising score matching loss weighted by sigma^2, a sliced score
matching loss whose Jacobian-vector term comes from autograd.grad(create_graph=True), and
annealed Langevin dynamics sampling with a fixed generator."""
import math

import torch
import torch.nn as nn

torch.manual_seed(11)


def sample_data(n):
    centers = torch.tensor([[-2.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    idx = torch.randint(0, 3, (n,))
    return centers[idx] + 0.3 * torch.randn(n, 2)


sigmas = torch.exp(torch.linspace(math.log(3.0), math.log(0.05), 8))
print("sigmas", sigmas)


class ScoreNet(nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, hidden), nn.Softplus(), nn.Linear(hidden, hidden),
                                 nn.Softplus(), nn.Linear(hidden, 2))

    def forward(self, x, sigma):
        h = torch.cat([x, sigma.log().expand(x.shape[0], 1)], dim=1)
        return self.net(h) / sigma


def dsm_loss(model, x):
    labels = torch.randint(0, len(sigmas), (x.shape[0],))
    used = sigmas[labels].view(-1, 1)
    noise = torch.randn_like(x) * used
    perturbed = x + noise
    target = -noise / used ** 2
    scores = torch.cat([model(perturbed[i:i + 1], used[i:i + 1]) for i in range(x.shape[0])])
    return (0.5 * ((scores - target) ** 2).sum(dim=-1) * used.squeeze(-1) ** 2).mean()


def ssm_loss(model, x, sigma):
    x = x.clone().requires_grad_(True)
    v = torch.randn_like(x)
    s = model(x, sigma)
    sv = (s * v).sum()
    grad_sv = torch.autograd.grad(sv, x, create_graph=True)[0]
    loss1 = (grad_sv * v).sum(dim=-1)
    loss2 = 0.5 * (s ** 2).sum(dim=-1)
    return (loss1 + loss2).mean()


model = ScoreNet()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for it in range(60):
    x = sample_data(32)
    loss = dsm_loss(model, x)
    if it % 2 == 1:
        loss = loss + 0.1 * ssm_loss(model, x, torch.tensor([[0.5]]))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 15 == 0:
        print(f"it {it:02d} loss {loss.item():.5f}")


@torch.no_grad()
def annealed_langevin(model, n=64, n_steps=5, eps=2e-3, gen=None):
    x = torch.rand(n, 2, generator=gen) * 8 - 4
    for sigma in sigmas:
        step = eps * (sigma / sigmas[-1]) ** 2
        for _ in range(n_steps):
            z = torch.randn(x.shape, generator=gen)
            x = x + step / 2 * model(x, sigma.view(1, 1)) + step.sqrt() * z
    return x


g = torch.Generator().manual_seed(0)
xs = annealed_langevin(model, gen=g)
print("samples mean", xs.mean(0), "std", xs.std(0))
d = torch.cdist(xs, torch.tensor([[-2.0, 0.0], [2.0, 0.0], [0.0, 2.0]]))
print("nearest-mode counts", torch.bincount(d.argmin(1), minlength=3), "mean dist", d.min(1).values.mean())
