"""SpecAugment as training pipelines implement it on batched log-mel spectrograms: random
frequency and time masks built from torch.randint and broadcast arange comparisons,
masked_fill with the per-example mean, a time warp by F.interpolate around a random centre,
and checks of how much of the input each policy masks."""
import torch
import torch.nn.functional as F

torch.manual_seed(0)
B, n_mels, T = 4, 32, 60
spec = torch.randn(B, n_mels, T).cumsum(-1) * 0.1


def mask_along(x, max_width, n_masks, dim, fill):
    size = x.shape[dim]
    for _ in range(n_masks):
        width = torch.randint(0, max_width + 1, (x.shape[0], 1))
        start = (torch.rand(x.shape[0], 1) * (size - width)).long()
        pos = torch.arange(size).unsqueeze(0)
        m = (pos >= start) & (pos < start + width)
        m = m.unsqueeze(1) if dim == 2 else m.unsqueeze(2)
        x = x.masked_fill(m, 0.0) + m.to(x.dtype) * fill
    return x


def time_warp(x, w=5):
    centre = int(torch.randint(w, x.shape[-1] - w, ()).item())
    shift = int(torch.randint(-w, w + 1, ()).item())
    left = F.interpolate(x[..., :centre], size=centre + shift, mode="linear",
                         align_corners=False)
    right = F.interpolate(x[..., centre:], size=x.shape[-1] - centre - shift, mode="linear",
                          align_corners=False)
    return torch.cat([left, right], dim=-1), centre, shift


fill = spec.mean(dim=(1, 2), keepdim=True)
aug = mask_along(spec, 6, 2, dim=1, fill=fill)
aug = mask_along(aug, 10, 2, dim=2, fill=fill)
changed = (aug != spec).float().mean(dim=(1, 2))
print("fraction changed per example", [round(v, 4) for v in changed.tolist()])
warped, c, s = time_warp(aug)
print("time warp centre", c, "shift", s, tuple(warped.shape))
print("warped stats %.5f %.5f" % (warped.mean().item(), warped.std().item()))

# the iid-mask variant: each example, each mel bin independently
keep = torch.rand(B, n_mels, 1) > 0.1
print("kept bins", keep.sum(dim=(1, 2)).tolist())
print("iid masked sum %.5f" % (spec * keep).sum().item())

# in-place masks on a batch as the torchaudio-style transform does with a view per example
x = spec.clone()
for b in range(B):
    f0 = int(torch.randint(0, n_mels - 8, ()).item())
    x[b, f0:f0 + 8, :] = 0
    t0 = int(torch.randint(0, T - 12, ()).item())
    x[b].narrow(1, t0, 12).zero_()
print("zeros per example", (x == 0).sum(dim=(1, 2)).tolist())
