"""Image-quality losses the way piq/pytorch-msssim write them: a MATLAB-compatible bicubic
resize whose reflect padding fills a new_zeros buffer through copy_ into its views (the border
rows written one by one), sampled with unfold and a gather on the unfolded dim; a spectral
residual saliency map (fft2, log amplitude, angle, a replicate-padded box filter,
view_as_complex, ifft2); a Gaussian-window SSIM computed with grouped conv2d; the combined
loss driven by Adam, printing losses and gradient norms."""
import math

import torch
import torch.nn.functional as F

torch.manual_seed(0)


def cubic(x, a=-0.5):
    ax = x.abs()
    ax2, ax3 = ax * ax, ax * ax * ax
    near = (ax <= 1).to(x.dtype)
    far = ((ax > 1) & (ax <= 2)).to(x.dtype)
    return near * ((a + 2) * ax3 - (a + 3) * ax2 + 1) + far * (a * ax3 - 5 * a * ax2 + 8 * a * ax - 4 * a)


def edge_pad(img, dim, before, after):
    """Repeat the border samples (MATLAB's symmetric padding) into a fresh buffer."""
    b, c, h, w = img.shape
    if dim == -2:
        out = img.new_zeros(b, c, h + before + after, w)
        out[..., before:before + h, :].copy_(img)
        for i in range(before):
            out[..., before - i - 1, :].copy_(img[..., i, :])
        for i in range(after):
            out[..., before + h + i, :].copy_(img[..., -(i + 1), :])
    else:
        out = img.new_zeros(b, c, h, w + before + after)
        out[..., before:before + w].copy_(img)
        for i in range(before):
            out[..., before - i - 1].copy_(img[..., i])
        for i in range(after):
            out[..., before + w + i].copy_(img[..., -(i + 1)])
    return out


def resize_along(img, dim, size, scale):
    support = math.ceil(4 / scale) + 2 if scale < 1 else 6
    with torch.no_grad():
        pos = (torch.arange(size, dtype=img.dtype) + 0.5) / scale - 0.5
        first = pos.floor() - support // 2 + 1
        dist = pos - first
        taps = torch.stack([dist - k for k in range(support)])
        weight = cubic(taps * min(scale, 1.0))
        weight = weight / weight.sum(0, keepdim=True)
        first = first.long()
        lo = int(-first.min().clamp(max=0))
        hi = int((first.max() + support - img.size(dim)).clamp(min=0))
        first = first + lo
    padded = edge_pad(img, dim, lo, hi)
    k = (support, 1) if dim == -2 else (1, support)
    cols = F.unfold(padded, k)
    if dim == -2:
        cols = cols.view(cols.size(0), support, padded.size(-2) - support + 1, padded.size(-1))
        picked = cols[..., first, :]
        weight = weight.view(1, support, size, 1)
    else:
        cols = cols.view(cols.size(0), support, padded.size(-2), padded.size(-1) - support + 1)
        picked = cols[..., first]
        weight = weight.view(1, support, 1, size)
    return (picked * weight).sum(1, keepdim=True)


def imresize(img, scale):
    b, c, h, w = img.shape
    x = img.reshape(-1, 1, h, w)
    x = resize_along(x, -2, math.ceil(h * scale), scale)
    x = resize_along(x, -1, math.ceil(w * scale), scale)
    return x.view(b, c, x.size(-2), x.size(-1))


def saliency(gray):
    eps = torch.finfo(gray.dtype).eps
    small = imresize(gray, 0.25)
    spec = torch.fft.fft2(small)
    log_amp = torch.log(spec.abs() + eps)
    phase = torch.angle(spec)
    smooth = F.avg_pool2d(F.pad(log_amp, [1, 1, 1, 1], mode="replicate"), 3, stride=1)
    resid = log_amp - smooth
    z = torch.view_as_complex(torch.stack((resid.exp() * phase.cos(), resid.exp() * phase.sin()), -1))
    return torch.fft.ifft2(z).abs() ** 2


def gaussian_window(size=7, sigma=1.5):
    g = torch.exp(-((torch.arange(size) - size // 2).float() ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(3, 1, size, size).contiguous()


def ssim(x, y, win):
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    mu_x, mu_y = F.conv2d(x, win, groups=3), F.conv2d(y, win, groups=3)
    sxx = F.conv2d(x * x, win, groups=3) - mu_x ** 2
    syy = F.conv2d(y * y, win, groups=3) - mu_y ** 2
    sxy = F.conv2d(x * y, win, groups=3) - mu_x * mu_y
    cs = (2 * sxy + c2) / (sxx + syy + c2)
    return (((2 * mu_x * mu_y + c1) / (mu_x ** 2 + mu_y ** 2 + c1)) * cs).mean()


target = torch.rand(2, 3, 48, 48)
target = F.avg_pool2d(target, 3, stride=1, padding=1)
estimate = (target + 0.2 * torch.randn_like(target)).clamp(0, 1).requires_grad_()
win = gaussian_window()
small = imresize(estimate, 0.5)
print("resized", tuple(small.shape), f"{small.sum().item():.5f}", small.requires_grad)
opt = torch.optim.Adam([estimate], lr=0.02)
for step in range(6):
    opt.zero_grad()
    gray_e = estimate.mean(1, keepdim=True)
    gray_t = target.mean(1, keepdim=True)
    sal_e, sal_t = saliency(gray_e), saliency(gray_t)
    sal_loss = (sal_e - sal_t).abs().mean() / sal_t.mean()
    s = ssim(estimate, target, win)
    down = F.l1_loss(imresize(estimate, 0.5), imresize(target, 0.5))
    loss = (1 - s) + 0.1 * sal_loss + down
    loss.backward()
    print(step, f"loss {loss.item():.6f} ssim {s.item():.6f} sal {sal_loss.item():.6f} "
          f"down {down.item():.6f} grad {estimate.grad.norm().item():.6f}")
    opt.step()
with torch.no_grad():
    print("psnr", f"{(10 * torch.log10(1 / F.mse_loss(estimate, target))).item():.5f}")
