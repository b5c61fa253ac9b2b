"""Idioms of image libraries written against PyTorch (kornia's losses, filters and their tests):
a morphology loss that keeps ``torch.conv2d`` as a class attribute and calls it through
``self``, annotations spelled ``torch.torch.Tensor``, argument checks through
``torch._assert_async``, a kernel area from ``torch.mul(*kernel_size)``, and fast-mode
``gradcheck`` of a colour conversion that returns an ``expand`` view of its input and of a
bilinear warp sampled next to the pixel centres."""
import torch
import torch.nn.functional as F

torch.manual_seed(0)


class ErodedDistance(torch.nn.Module):
    conv = torch.conv2d  # stays a plain function: self.conv(x, w) passes no self
    pool = torch.nn.AdaptiveMaxPool2d(1)

    def forward(self, pred: torch.torch.Tensor, target: torch.torch.Tensor) -> torch.Tensor:
        cross = torch.tensor([[0.0, 1, 0], [1, 1, 1], [0, 1, 0]]) * 0.2
        err = (pred - target) ** 2
        total = pred.new_zeros(())
        for _ in range(3):
            err = self.conv(err, weight=cross[None, None], padding=1)
            total = total + self.pool(err).sum()
        return total


def adjust_gamma(img, gamma):
    torch._assert_async((gamma >= 0).all(), "gamma must be non-negative")
    return img.clamp_min(1e-6) ** gamma


pred = torch.rand(2, 1, 8, 8, requires_grad=True)
target = (torch.rand(2, 1, 8, 8) > 0.5).float()
loss = ErodedDistance()(pred, target)
loss.backward()
print("eroded distance", round(loss.item(), 5), "grad norm", round(pred.grad.norm().item(), 5))

img = torch.rand(1, 3, 6, 6)
print("gamma", round(adjust_gamma(img, torch.tensor(1.3)).sum().item(), 5))
try:
    adjust_gamma(img, torch.tensor(-1.0))
except RuntimeError as err:
    print("refused:", err)

kernel_size = (5, 3)
area = torch.mul(*kernel_size)
print("box area", area, area.dtype, torch.add(2, 3.5), torch.div(7, 2), torch.floor_divide(7, 2))
print("box blur centre", round((F.avg_pool2d(img, kernel_size, stride=1) * area).sum().item(), 4))


def gray_to_rgb(x):
    return x.expand(-1, 3, -1, -1)


def warp(img, theta):
    grid = F.affine_grid(theta, [1, 2, 3, 4], align_corners=True)
    return F.grid_sample(img, grid, align_corners=True)


gray = torch.rand(2, 1, 4, 4, dtype=torch.float64, requires_grad=True)
print("gradcheck expand view", torch.autograd.gradcheck(gray_to_rgb, (gray,), fast_mode=True))
image = torch.rand(1, 2, 3, 4, dtype=torch.float64, requires_grad=True)
general = torch.tensor([[[0.9, 0.2, 0.05], [-0.15, 1.1, -0.03]]], dtype=torch.float64)
for name, t in (("1e-6 off the identity", torch.eye(2, 3, dtype=torch.float64)[None] + 1e-6),
                ("0.01 off the identity", torch.eye(2, 3, dtype=torch.float64)[None] + 0.01),
                ("general", general)):
    verdict = torch.autograd.gradcheck(warp, (image, t.requires_grad_()), fast_mode=True,
                                       raise_exception=False)
    print("gradcheck warp", name, verdict)
near_kink = torch.linspace(-2e-6, 2e-6, 7, dtype=torch.float64) + 3e-7
for name, fn in (("relu", torch.relu), ("abs", torch.abs)):
    verdict = torch.autograd.gradcheck(fn, (near_kink.clone().requires_grad_(),),
                                       fast_mode=True, raise_exception=False)
    print("gradcheck", name, "next to its kink:", verdict)
