"""Image-to-image generators and critics (CycleGAN, pix2pix, MUNIT style) put a normalisation
with no affine parameters (``InstanceNorm2d`` as constructed by default, ``GroupNorm`` with
``affine=False``, ``F.layer_norm`` without weight) straight before an in-place activation
(``ReLU(inplace=True)``, ``LeakyReLU(0.2, inplace=True)``). The activation then overwrites the
normalised output in place; the gradient must still be the one of the whole expression. A small
reflection-padded residual generator and a patch critic take a few Adam steps on seeded data;
the losses, the gradient norm of every layer after the first step and a batch of generated
pixels are printed."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Residual(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3), nn.InstanceNorm2d(ch),
            nn.ReLU(inplace=True),
            nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3), nn.InstanceNorm2d(ch))

    def forward(self, x):
        return x + self.body(x)


class LayerNormNoAffine(nn.Module):
    def forward(self, x):
        return F.layer_norm(x, x.shape[1:])


gen = nn.Sequential(
    nn.ReflectionPad2d(2), nn.Conv2d(3, 8, 5), nn.InstanceNorm2d(8), nn.ReLU(inplace=True),
    nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.GroupNorm(4, 16, affine=False),
    nn.ReLU(inplace=True),
    Residual(16), Residual(16),
    nn.Upsample(scale_factor=2), nn.Conv2d(16, 8, 3, padding=1), LayerNormNoAffine(),
    nn.LeakyReLU(0.2, inplace=True),
    nn.ReflectionPad2d(2), nn.Conv2d(8, 3, 5), nn.Tanh())
critic = nn.Sequential(
    nn.Conv2d(3, 8, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True),
    nn.Conv2d(8, 16, 4, stride=2, padding=1), nn.InstanceNorm2d(16),
    nn.LeakyReLU(0.2, inplace=True),
    nn.ZeroPad2d((1, 0, 1, 0)), nn.Conv2d(16, 1, 4, padding=1))

opt_g = torch.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_c = torch.optim.Adam(critic.parameters(), lr=2e-4, betas=(0.5, 0.999))
source = torch.rand(4, 3, 16, 16) * 2 - 1
target = torch.rand(4, 3, 16, 16) * 2 - 1

for step in range(4):
    opt_g.zero_grad()
    fake = gen(source)
    verdict = critic(fake)
    loss_g = F.mse_loss(verdict, torch.ones_like(verdict)) + 10 * F.l1_loss(fake, target)
    loss_g.backward()
    if step == 0:
        for name, p in gen.named_parameters():
            if name.endswith("weight"):
                print(f"grad norm {name:>18}: {p.grad.norm().item():.6f}")
    opt_g.step()

    opt_c.zero_grad()
    real_v, fake_v = critic(target), critic(fake.detach())
    loss_c = 0.5 * (F.mse_loss(real_v, torch.ones_like(real_v))
                    + F.mse_loss(fake_v, torch.zeros_like(fake_v)))
    loss_c.backward()
    opt_c.step()
    print(f"step {step}: generator {loss_g.item():.6f} critic {loss_c.item():.6f}")

with torch.no_grad():
    sample = gen(source[:1])
print("sample", tuple(sample.shape), f"{sample.mean().item():.5f} {sample.std().item():.5f}")
