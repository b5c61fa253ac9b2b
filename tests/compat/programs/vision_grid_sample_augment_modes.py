"""On-the-fly geometric augmentation with affine_grid/grid_sample as Kaggle kernels and
spatial-transformer code write it: a batch of random rotation/scale/translation matrices built
from trig of sampled angles, every padding_mode (zeros/border/reflection) x mode
(bilinear/nearest/bicubic) x align_corners combination on the same image, an elastic deformation
from a Gaussian-blurred random displacement field (separable conv2d, then added to an identity
grid), the inverse transform recovering the image centre, and gradients flowing to theta and
to the image through grid_sample."""
import math

import torch
import torch.nn.functional as F

torch.manual_seed(19)
yy, xx = torch.meshgrid(torch.linspace(-1, 1, 12), torch.linspace(-1, 1, 12), indexing="ij")
img = torch.stack([torch.sin(3 * xx) * torch.cos(2 * yy), xx * yy, (xx + yy).sigmoid()])[None]
img = img.repeat(4, 1, 1, 1)


def random_affine(n, max_deg=20.0, scale=(0.9, 1.1), shift=0.1):
    ang = (torch.rand(n) * 2 - 1) * max_deg * math.pi / 180
    s = torch.empty(n).uniform_(*scale)
    t = (torch.rand(n, 2) * 2 - 1) * shift
    cos, sin = torch.cos(ang) / s, torch.sin(ang) / s
    theta = torch.stack([torch.stack([cos, -sin, t[:, 0]], 1), torch.stack([sin, cos, t[:, 1]], 1)], 1)
    return theta


theta = random_affine(4)
print("theta", theta[0])
for align in (False, True):
    grid = F.affine_grid(theta, img.shape, align_corners=align)
    for pad in ("zeros", "border", "reflection"):
        for mode in ("bilinear", "nearest", "bicubic"):
            out = F.grid_sample(img, grid, mode=mode, padding_mode=pad, align_corners=align)
            print(f"align={align} {pad:10s} {mode:8s} mean {out.mean().item():+.6f} "
                  f"abs {out.abs().sum().item():.5f} corner {out[0, 0, 0, 0].item():+.5f}")

ident = F.affine_grid(torch.eye(2, 3).unsqueeze(0).expand(4, 2, 3), img.shape, align_corners=False)
print("identity exact", torch.allclose(F.grid_sample(img, ident, align_corners=False), img, atol=1e-6))


def gaussian_kernel1d(sigma, radius):
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-x ** 2 / (2 * sigma ** 2))
    return k / k.sum()


def elastic_grid(n, h, w, alpha=0.15, sigma=2.0):
    disp = torch.rand(n, 2, h, w) * 2 - 1
    k = gaussian_kernel1d(sigma, 3)
    kx = k.view(1, 1, 1, -1).repeat(2, 1, 1, 1)
    ky = k.view(1, 1, -1, 1).repeat(2, 1, 1, 1)
    disp = F.conv2d(F.pad(disp, (3, 3, 0, 0), mode="reflect"), kx, groups=2)
    disp = F.conv2d(F.pad(disp, (0, 0, 3, 3), mode="reflect"), ky, groups=2)
    base = F.affine_grid(torch.eye(2, 3).unsqueeze(0).repeat(n, 1, 1), (n, 1, h, w), align_corners=False)
    return base + alpha * disp.permute(0, 2, 3, 1)


eg = elastic_grid(4, 12, 12)
warped = F.grid_sample(img, eg, mode="bilinear", padding_mode="border", align_corners=False)
print("elastic", warped.shape, warped.mean().item(), (warped - img).abs().max().item())

full = torch.cat([theta, torch.tensor([0.0, 0.0, 1.0]).expand(4, 1, 3)], 1)
inv = torch.linalg.inv(full)[:, :2]
fwd = F.grid_sample(img, F.affine_grid(theta, img.shape, align_corners=False), align_corners=False)
back = F.grid_sample(fwd, F.affine_grid(inv, img.shape, align_corners=False), align_corners=False)
print("roundtrip centre err", (back - img)[:, :, 4:8, 4:8].abs().max().item())

theta_p = theta.clone().requires_grad_(True)
image_p = img.clone().requires_grad_(True)
target = img.flip(-1)
out = F.grid_sample(image_p, F.affine_grid(theta_p, img.shape, align_corners=False),
                    padding_mode="reflection", align_corners=False)
loss = F.mse_loss(out, target)
loss.backward()
print("loss", loss.item(), "dtheta", theta_p.grad[0], "dimg norm", image_p.grad.norm().item())
