"""A conditional WGAN-GP on 8x8 images as the widely copied implementations write it: a conv
critic with LayerNorm over (C, H, W) (no BatchNorm in a GP critic) and a projected label
embedding map concatenated as an extra channel, the gradient penalty on random interpolates
through torch.autograd.grad(outputs, inputs, grad_outputs=torch.ones(...), create_graph=True,
retain_graph=True, only_inputs=True)[0] and grad.view(n, -1).norm(2, dim=1), n_critic=5,
Adam(0.5, 0.9), plus the original WGAN's weight clipping with RMSprop for comparison and the
Wasserstein estimate printed."""
import torch
import torch.nn as nn

torch.manual_seed(73)
NC, Z = 3, 6


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.label_emb = nn.Embedding(NC, NC)
        self.fc = nn.Sequential(nn.Linear(Z + NC, 8 * 4 * 4), nn.ReLU())
        self.up = nn.Sequential(nn.ConvTranspose2d(8, 8, 4, 2, 1), nn.BatchNorm2d(8), nn.ReLU(),
                                nn.Conv2d(8, 1, 3, padding=1), nn.Tanh())

    def forward(self, z, y):
        h = self.fc(torch.cat([z, self.label_emb(y)], 1)).view(-1, 8, 4, 4)
        return self.up(h)


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.label_map = nn.Embedding(NC, 64)
        self.net = nn.Sequential(nn.Conv2d(2, 8, 4, 2, 1), nn.LayerNorm([8, 4, 4]), nn.LeakyReLU(0.2),
                                 nn.Conv2d(8, 16, 4, 2, 1), nn.LayerNorm([16, 2, 2]), nn.LeakyReLU(0.2),
                                 nn.Flatten(), nn.Linear(64, 1))

    def forward(self, x, y):
        return self.net(torch.cat([x, self.label_map(y).view(-1, 1, 8, 8)], 1))


def compute_gradient_penalty(D, real, fake, y):
    alpha = torch.rand(real.size(0), 1, 1, 1)
    interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    d_interpolates = D(interpolates, y)
    fake_out = torch.ones(real.shape[0], 1, requires_grad=False)
    gradients = torch.autograd.grad(outputs=d_interpolates, inputs=interpolates, grad_outputs=fake_out,
                                    create_graph=True, retain_graph=True, only_inputs=True)[0]
    gradients = gradients.view(gradients.size(0), -1)
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean(), gradients.norm(2, dim=1).mean()


def real_batch(n):
    y = torch.randint(0, NC, (n,))
    grid = torch.linspace(-1, 1, 8)
    pats = torch.stack([grid.view(1, 8).expand(8, 8), grid.view(8, 1).expand(8, 8), grid.view(8, 1) * grid.view(1, 8)])
    return (pats[y] * 0.8 + 0.05 * torch.randn(n, 8, 8)).unsqueeze(1), y


G, D = Generator(), Critic()
optG = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.5, 0.9))
optD = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.9))
lambda_gp, n_critic = 10.0, 5
for i in range(15):
    real, y = real_batch(8)
    fake = G(torch.randn(8, Z), y)
    real_validity, fake_validity = D(real, y), D(fake.detach(), y)
    gp, gnorm = compute_gradient_penalty(D, real, fake.detach(), y)
    d_loss = -torch.mean(real_validity) + torch.mean(fake_validity) + lambda_gp * gp
    optD.zero_grad()
    d_loss.backward()
    optD.step()
    if i % n_critic == 0:
        g_loss = -torch.mean(D(G(torch.randn(8, Z), y), y))
        optG.zero_grad()
        g_loss.backward()
        optG.step()
        print(f"iter {i:2d} D {d_loss.item():.5f} G {g_loss.item():.5f} gp {gp.item():.5f} "
              f"|grad| {gnorm.item():.5f} W {(real_validity.mean() - fake_validity.mean()).item():.5f}")

# the original WGAN: weight clipping and RMSprop
G2, D2 = Generator(), Critic()
oG2, oD2 = torch.optim.RMSprop(G2.parameters(), lr=5e-5), torch.optim.RMSprop(D2.parameters(), lr=5e-5)
clip = 0.05
for i in range(6):
    real, y = real_batch(8)
    loss_D = -torch.mean(D2(real, y)) + torch.mean(D2(G2(torch.randn(8, Z), y).detach(), y))
    oD2.zero_grad()
    loss_D.backward()
    oD2.step()
    for p in D2.parameters():
        p.data.clamp_(-clip, clip)
    if i % 3 == 2:
        loss_G = -torch.mean(D2(G2(torch.randn(8, Z), y), y))
        oG2.zero_grad()
        loss_G.backward()
        oG2.step()
        print(f"clip iter {i} D {loss_D.item():.6f} G {loss_G.item():.6f} "
              f"max|w| {max(p.abs().max().item() for p in D2.parameters()):.4f}")
G.eval()
with torch.no_grad():
    s = G(torch.randn(3, Z), torch.arange(3))
print("samples", s.shape, s.mean(dim=(1, 2, 3)), s.std().item())
