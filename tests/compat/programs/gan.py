"""A tiny GAN on 2-D points: generator and discriminator, BCELoss, two Adam optimizers,
detach() for the discriminator step, labels made with torch.full."""
import torch
import torch.nn as nn

torch.manual_seed(7)
nz = 4
netG = nn.Sequential(nn.Linear(nz, 16), nn.ReLU(True), nn.Linear(16, 2))
netD = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2, inplace=True), nn.Linear(16, 1),
                     nn.Sigmoid())
criterion = nn.BCELoss()
optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
real_label, fake_label = 1.0, 0.0
fixed_noise = torch.randn(5, nz)
for i in range(60):
    real = torch.randn(32, 2) * 0.5 + torch.tensor([2.0, -1.0])
    netD.zero_grad()
    label = torch.full((32,), real_label, dtype=torch.float)
    errD_real = criterion(netD(real).view(-1), label)
    errD_real.backward()
    noise = torch.randn(32, nz)
    fake = netG(noise)
    label.fill_(fake_label)
    errD_fake = criterion(netD(fake.detach()).view(-1), label)
    errD_fake.backward()
    optimizerD.step()
    netG.zero_grad()
    label.fill_(real_label)
    output = netD(fake).view(-1)
    errG = criterion(output, label)
    errG.backward()
    D_G_z2 = output.mean().item()
    optimizerG.step()
    if i % 15 == 0:
        print(f"[{i}] Loss_D: {(errD_real + errD_fake).item():.4f} Loss_G: {errG.item():.4f} "
              f"D(G(z)): {D_G_z2:.4f}")
with torch.no_grad():
    print(netG(fixed_noise).mean(0))
