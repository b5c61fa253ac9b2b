"""A class-conditional GAN on 2-D data in the style of SNGAN/BigGAN code: the generator gets an
nn.Embedding of the label concatenated to z, the discriminator is a projection discriminator
(inner product of an embedding with the features) with spectral_norm on every linear layer,
hinge losses, n_critic discriminator steps per generator step with Adam(0.0, 0.9), and a
one-sided label-smoothed BCE variant for comparison; reports D/G losses and per-class means."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm

torch.manual_seed(5)
N_CLASSES, ZDIM = 3, 4
means = torch.tensor([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])


def real_batch(n):
    y = torch.randint(0, N_CLASSES, (n,))
    return means[y] + 0.2 * torch.randn(n, 2), y


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(N_CLASSES, 4)
        self.net = nn.Sequential(nn.Linear(ZDIM + 4, 32), nn.BatchNorm1d(32), nn.ReLU(True),
                                 nn.Linear(32, 32), nn.ReLU(True), nn.Linear(32, 2))

    def forward(self, z, y):
        return self.net(torch.cat([z, self.emb(y)], dim=1))


class ProjectionD(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(spectral_norm(nn.Linear(2, 32)), nn.LeakyReLU(0.2),
                                  spectral_norm(nn.Linear(32, 32)), nn.LeakyReLU(0.2))
        self.out = spectral_norm(nn.Linear(32, 1))
        self.embed = spectral_norm(nn.Embedding(N_CLASSES, 32))

    def forward(self, x, y):
        h = self.body(x)
        return self.out(h).squeeze(1) + (self.embed(y) * h).sum(dim=1)


G, D = Generator(), ProjectionD()
optG = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.0, 0.9))
optD = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.0, 0.9))
n_critic = 2
for it in range(12):
    for _ in range(n_critic):
        x, y = real_batch(32)
        z = torch.randn(32, ZDIM)
        with torch.no_grad():
            fake = G(z, y)
        d_loss = F.relu(1.0 - D(x, y)).mean() + F.relu(1.0 + D(fake, y)).mean()
        optD.zero_grad()
        d_loss.backward()
        optD.step()
    y = torch.randint(0, N_CLASSES, (32,))
    g_loss = -D(G(torch.randn(32, ZDIM), y), y).mean()
    optG.zero_grad()
    g_loss.backward()
    optG.step()
    if it % 4 == 0:
        print(f"it {it:02d} d_hinge {d_loss.item():.4f} g {g_loss.item():.4f}")

# one-sided label smoothing with BCE-with-logits (the DCGAN-paper trick)
x, y = real_batch(32)
fake = G(torch.randn(32, ZDIM), y).detach()
logits_real, logits_fake = D(x, y), D(fake, y)
bce = F.binary_cross_entropy_with_logits(logits_real, torch.full_like(logits_real, 0.9)) + \
    F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake))
print("bce smoothed", bce.item())
print("sn weight_u norm", D.body[0].weight_u.norm().item(), sorted(k for k in D.state_dict() if "body.0" in k))

G.eval()
with torch.no_grad():
    ys = torch.arange(N_CLASSES).repeat_interleave(50)
    samples = G(torch.randn(150, ZDIM), ys)
    per_class = torch.stack([samples[ys == c].mean(0) for c in range(N_CLASSES)])
print("class means", per_class)
print("dist to targets", (per_class - means).norm(dim=1))
