"""WGAN-GP on 8x8 images: a conv critic with LayerNorm-free LeakyReLU blocks and
spectral_norm, the gradient penalty through torch.autograd.grad(create_graph=True,
retain_graph=True) on interpolated samples (double backward through conv2d and leaky_relu),
n_critic steps per generator step, hinge-loss variant, and Adam(betas=(0.0, 0.9))."""
# compat: rtol=5e-3
import torch
import torch.nn as nn
from torch.nn.utils import spectral_norm

torch.manual_seed(123)
nz = 6
G = nn.Sequential(nn.Linear(nz, 64), nn.ReLU(), nn.Unflatten(1, (4, 4, 4)),
                  nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(4, 1, 3, padding=1), nn.Tanh())
D = nn.Sequential(nn.Conv2d(1, 8, 3, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(8, 16, 3, 2, 1),
                  nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(16 * 2 * 2, 1))
D_sn = nn.Sequential(spectral_norm(nn.Conv2d(1, 8, 3, 2, 1)), nn.LeakyReLU(0.2),
                     nn.Flatten(), spectral_norm(nn.Linear(8 * 4 * 4, 1)))
optG = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.0, 0.9))
optD = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.0, 0.9))


def gradient_penalty(critic, real, fake):
    alpha = torch.rand(real.size(0), 1, 1, 1).expand_as(real)
    interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    d_interpolates = critic(interpolates)
    gradients = torch.autograd.grad(outputs=d_interpolates, inputs=interpolates,
                                    grad_outputs=torch.ones_like(d_interpolates),
                                    create_graph=True, retain_graph=True, only_inputs=True)[0]
    gradients = gradients.view(gradients.size(0), -1)
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean()


real_data = torch.tanh(torch.randn(64, 1, 8, 8) + torch.linspace(-1, 1, 8))
for it in range(4):
    for _ in range(3):
        real = real_data[torch.randint(0, 64, (16,))]
        fake = G(torch.randn(16, nz)).detach()
        gp = gradient_penalty(D, real, fake)
        d_loss = D(fake).mean() - D(real).mean() + 10.0 * gp
        optD.zero_grad()
        d_loss.backward()
        optD.step()
    g_loss = -D(G(torch.randn(16, nz))).mean()
    optG.zero_grad()
    g_loss.backward()
    optG.step()
    print(f"it {it} d_loss {d_loss.item():.5f} gp {gp.item():.5f} g_loss {g_loss.item():.5f}")
    print("   grad norm D0", D[0].weight.grad.norm().item())
real, fake = real_data[:8], G(torch.randn(8, nz))
hinge_d = torch.relu(1.0 - D_sn(real)).mean() + torch.relu(1.0 + D_sn(fake.detach())).mean()
hinge_d.backward()
print(hinge_d.item(), D_sn[0].weight_orig.grad.abs().sum().item(), sorted(D_sn[0].state_dict().keys()))
x = torch.randn(3, 1, 8, 8, requires_grad=True)
y = D(x).sum()
g, = torch.autograd.grad(y, x, create_graph=True)
w_grad, = torch.autograd.grad(g.pow(2).sum(), D[0].weight)
print(g.abs().sum().item(), w_grad.abs().sum().item(), g.grad_fn is not None)
