"""An energy-based model trained by contrastive divergence with Langevin dynamics (the JEM/IGEBM
reference style): negative samples start from a replay buffer or uniform noise, are updated
with torch.autograd.grad of the energy w.r.t. the inputs plus Gaussian noise, clamped, and the
loss pushes data energy down and sample energy up with an L2 regulariser."""
import torch
import torch.nn as nn

torch.manual_seed(4)


class EnergyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 64), nn.SiLU(), nn.Linear(64, 64), nn.SiLU(),
                                 nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def sample_data(n):
    centers = torch.tensor([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    return centers[torch.randint(0, 4, (n,))] * 0.8 + 0.1 * torch.randn(n, 2)


def langevin(model, x, steps=10, step_size=0.1, noise=0.01):
    is_training = model.training
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    x = x.clone().detach().requires_grad_(True)
    for _ in range(steps):
        energy = model(x).sum()
        grad_x, = torch.autograd.grad(energy, [x])
        x.data.add_(-step_size * grad_x + noise * torch.randn_like(x))
        x.data.clamp_(-2, 2)
    for p in model.parameters():
        p.requires_grad_(True)
    model.train(is_training)
    return x.detach()


model = EnergyNet()
opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.0, 0.999))
buffer = torch.rand(256, 2) * 4 - 2
for it in range(40):
    real = sample_data(64)
    n_new = int((torch.rand(64) < 0.05).sum())
    idx = torch.randint(0, len(buffer), (64 - n_new,))
    init = torch.cat([torch.rand(n_new, 2) * 4 - 2, buffer[idx]])
    fake = langevin(model, init)
    buffer[idx] = fake[n_new:]
    e_real, e_fake = model(real), model(fake)
    cd = e_real.mean() - e_fake.mean()
    reg = 0.1 * (e_real ** 2 + e_fake ** 2).mean()
    loss = cd + reg
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 10 == 9:
        print(f"it {it + 1} cd {cd.item():.4f} reg {reg.item():.4f} "
              f"E+ {e_real.mean().item():.4f} E- {e_fake.mean().item():.4f}")

x = torch.zeros(3, 2, requires_grad=True)
e = model(x)
g, = torch.autograd.grad(e.sum(), x, create_graph=True)
gp = g.pow(2).sum()
gp.backward()
print("score at origin", g.detach())
print("params grad from gradient penalty:", model.net[0].weight.grad.abs().sum().item() > 0)
with torch.no_grad():
    grid = torch.stack(torch.meshgrid(torch.linspace(-1, 1, 3), torch.linspace(-1, 1, 3),
                                      indexing="ij"), -1).view(-1, 2)
    print(model(grid).view(3, 3))
print(f"buffer mean {buffer.mean(0)} std {buffer.std(0)}")
