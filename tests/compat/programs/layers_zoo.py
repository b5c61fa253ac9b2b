"""Layer options: grouped/dilated/'same'/reflect/circular convs, transposed conv output_padding,
max-pool indices + unpool, avg-pool ceil/count_include_pad, interpolate modes, grid_sample,
unfold/fold, pixel shuffle, dropout masks after a seed, norms in train and eval."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
x = torch.randn(2, 4, 9, 9)
for conv in (nn.Conv2d(4, 8, 3, groups=2, dilation=2), nn.Conv2d(4, 4, 3, padding="same"),
             nn.Conv2d(4, 4, 3, padding=2, padding_mode="reflect"),
             nn.Conv2d(4, 4, 3, padding=1, padding_mode="circular", bias=False),
             nn.ConvTranspose2d(4, 3, 3, stride=2, output_padding=1)):
    out = conv(x)
    out.square().mean().backward()
    print(tuple(out.shape), round(out.sum().item(), 4), round(conv.weight.grad.norm().item(), 4))
p, idx = F.max_pool2d(x, 2, return_indices=True)
print(F.max_unpool2d(p, idx, 2, output_size=x.shape[-2:]).sum(), idx[0, 0, 0])
print(F.avg_pool2d(x, 2, ceil_mode=True, count_include_pad=False).shape,
      F.avg_pool2d(x, 3, stride=2, padding=1).mean())
for mode, kw in (("nearest", {}), ("bilinear", {"align_corners": True}),
                 ("bilinear", {"align_corners": False}), ("bicubic", {"align_corners": False}),
                 ("area", {})):
    print(mode, F.interpolate(x, size=(5, 7), mode=mode, **kw).sum().item())
theta = torch.tensor([[[0.9, 0.1, 0.0], [-0.1, 0.8, 0.1]]]).repeat(2, 1, 1)
grid = F.affine_grid(theta, (2, 4, 6, 6), align_corners=False)
print(F.grid_sample(x, grid, align_corners=False).sum(), F.grid_sample(x, grid, mode="nearest", padding_mode="border", align_corners=True).sum())
cols = F.unfold(x, 3, stride=2)
print(cols.shape, F.fold(cols, (9, 9), 3, stride=2).sum())
print(nn.PixelShuffle(2)(torch.arange(16.).reshape(1, 4, 2, 2)))
torch.manual_seed(3)
print(F.dropout(torch.ones(2, 8), 0.5), nn.Dropout2d(0.5)(torch.ones(1, 4, 1, 2)).flatten())
print(F.alpha_dropout(torch.ones(6), 0.5, training=True))
bn = nn.BatchNorm2d(4, momentum=0.3)
bn(x)
bn.eval()
print(bn.running_mean, bn.num_batches_tracked, bn(x).mean())
gn, ln, inn = nn.GroupNorm(2, 4), nn.LayerNorm([9, 9]), nn.InstanceNorm2d(4, affine=True, track_running_stats=True)
print(gn(x).std().item(), ln(x).std().item(), inn(x).std().item(), inn.running_var)
print(nn.LocalResponseNorm(2)(x).sum().item(), F.normalize(x, dim=1).norm(dim=1).mean().item())
