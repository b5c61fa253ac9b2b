"""Older GAN and VAE training scripts pick their tensor type once, `Tensor = torch.cuda.FloatTensor
if cuda else torch.FloatTensor` (or `torch.Tensor`), and build every input through it:
`Tensor(np.ones(shape))`, `imgs.type(Tensor)`, `Variable(Tensor(z), requires_grad=False)`. Some
name the CUDA types unconditionally in a helper and only call them on a GPU, or test
`isinstance(x, torch.cuda.FloatTensor)`. On a CPU machine the names must exist, the type tests
answer False, and making one raises PyTorch's TypeError; `x.type(torch.Tensor)` converts to the
default dtype. A tiny generator/discriminator pair then trains two steps on such inputs."""
import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Variable

cuda = torch.cuda.is_available()
Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor
GpuLong = torch.cuda.LongTensor  # named, never called without a GPU
print("types:", torch.cuda.FloatTensor, torch.FloatTensor, GpuLong)

x = torch.arange(6).reshape(2, 3)
print("isinstance cuda:", isinstance(x.float(), torch.cuda.FloatTensor),
      "cpu:", isinstance(x, torch.LongTensor), isinstance(x.float(), torch.FloatTensor))
as_default = x.type(torch.Tensor)
print("type(torch.Tensor):", as_default.dtype, as_default.type())
torch.set_default_dtype(torch.float64)
print("under float64 default:", x.type(torch.Tensor).type())
torch.set_default_dtype(torch.float32)
print("by name:", x.type("torch.DoubleTensor").dtype, x.type(torch.ShortTensor).type())

for what, make in (("cuda FloatTensor(2)", lambda: torch.cuda.FloatTensor(2)),
                   ("cuda LongTensor([1])", lambda: GpuLong([1])),
                   ("x.type(int)", lambda: x.type(int)),
                   ("x.type('float64')", lambda: x.type("float64"))):
    try:
        make()
        print(what, "made")
    except (TypeError, ValueError) as e:
        print(what, "->", type(e).__name__)

np.random.seed(0)
torch.manual_seed(0)
gen = nn.Sequential(nn.Linear(4, 16), nn.LeakyReLU(0.2, inplace=True), nn.Linear(16, 6),
                    nn.Tanh())
disc = nn.Sequential(nn.Linear(6, 8), nn.LeakyReLU(0.2, inplace=True), nn.Linear(8, 1),
                     nn.Sigmoid())
opt_g = torch.optim.Adam(gen.parameters(), lr=2e-3, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(disc.parameters(), lr=2e-3, betas=(0.5, 0.999))
bce = nn.BCELoss()
real = torch.from_numpy(np.random.uniform(-1, 1, (8, 6)))  # float64 from NumPy
for step in range(2):
    valid = Variable(Tensor(real.size(0), 1).fill_(1.0), requires_grad=False)
    fake_t = Variable(Tensor(np.zeros((real.size(0), 1))), requires_grad=False)
    real_imgs = Variable(real.type(Tensor))
    z = Variable(Tensor(np.random.normal(0, 1, (real.size(0), 4))))
    opt_g.zero_grad()
    fake = gen(z)
    g_loss = bce(disc(fake), valid)
    g_loss.backward()
    opt_g.step()
    opt_d.zero_grad()
    d_loss = (bce(disc(real_imgs), valid) + bce(disc(fake.detach()), fake_t)) / 2
    d_loss.backward()
    opt_d.step()
    print(f"step {step}: D {d_loss.item():.6f} G {g_loss.item():.6f}", real_imgs.dtype, z.dtype)
