"""Optical-flow warping as flow and video repositories write it: a base grid from
torch.meshgrid(indexing="ij"), flow added and normalised to [-1, 1] with 2*x/(W-1)-1, permuted
to (N, H, W, 2) for F.grid_sample (bilinear, padding_mode="border", align_corners=True), an
occlusion mask from warping ones with zeros padding, a photometric Charbonnier loss and an
edge-aware smoothness loss, a global translation estimated by gradient descent, backward
warping compared with torch.roll for integer shifts, and a flow upsampled with
F.interpolate and scaled by 2."""
import torch
import torch.nn.functional as F


def warp(x, flo, padding_mode="border"):
    B, C, H, W = x.size()
    yy, xx = torch.meshgrid(torch.arange(H), torch.arange(W), indexing="ij")
    grid = torch.stack((xx, yy), 0).float().unsqueeze(0).repeat(B, 1, 1, 1)
    vgrid = grid + flo
    vgrid_x = 2.0 * vgrid[:, 0] / max(W - 1, 1) - 1.0
    vgrid_y = 2.0 * vgrid[:, 1] / max(H - 1, 1) - 1.0
    vgrid = torch.stack((vgrid_x, vgrid_y), dim=3)
    return F.grid_sample(x, vgrid, mode="bilinear", padding_mode=padding_mode,
                         align_corners=True)


def charbonnier(x, eps=1e-3, alpha=0.45):
    return ((x ** 2 + eps ** 2) ** alpha).mean()


def smoothness(flow, img, edge=10.0):
    dx_f = flow[:, :, :, 1:] - flow[:, :, :, :-1]
    dy_f = flow[:, :, 1:, :] - flow[:, :, :-1, :]
    dx_i = (img[:, :, :, 1:] - img[:, :, :, :-1]).abs().mean(1, keepdim=True)
    dy_i = (img[:, :, 1:, :] - img[:, :, :-1, :]).abs().mean(1, keepdim=True)
    return (dx_f.abs() * torch.exp(-edge * dx_i)).mean() + \
        (dy_f.abs() * torch.exp(-edge * dy_i)).mean()


torch.manual_seed(0)
H = W = 24
yy, xx = torch.meshgrid(torch.linspace(0, 1, H), torch.linspace(0, 1, W), indexing="ij")
img1 = torch.stack([torch.sin(6 * xx + 3 * yy), torch.cos(4 * yy - 2 * xx),
                    xx * yy], 0).unsqueeze(0)
shift = torch.zeros(1, 2, H, W)
shift[:, 0] = 2.0
shift[:, 1] = -1.0
img2 = warp(img1, -shift)
rolled = torch.roll(img1, shifts=(1, -2), dims=(2, 3))
inner = (slice(None), slice(None), slice(3, -3), slice(3, -3))
print((warp(img1, shift)[inner] - rolled[inner]).abs().max().item())
w = warp(img1, shift)
print(w.shape, (w[..., 2:-2, 2:-4] - img1[..., 1:-3, 4:-2]).abs().max().item())
occ = warp(torch.ones(1, 1, H, W), shift, padding_mode="zeros")
print("valid fraction", f"{(occ > 0.999).float().mean().item():.5f}", occ[0, 0, 0, -4:])

motion = torch.tensor([0.25, 0.25], requires_grad=True)  # a global translation
opt = torch.optim.Adam([motion], lr=0.07)
for it in range(40):
    flow = motion.view(1, 2, 1, 1).expand(1, 2, H, W)
    warped = warp(img2, flow)
    photo = charbonnier(warped - img1)
    loss = photo + 0.05 * smoothness(flow, img1)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 10 == 0:
        print(it, f"{photo.item():.6f} {loss.item():.6f}")
print("estimated motion", motion, motion.grad[0].item())
flow = motion.detach().view(1, 2, 1, 1).expand(1, 2, H, W).clone()
up = F.interpolate(flow, scale_factor=2, mode="bilinear", align_corners=False) * 2
print(up.shape, up[0, :, 20, 20])
theta = torch.tensor([[[1.0, 0.0, 0.1], [0.0, 1.0, -0.05]]])
grid = F.affine_grid(theta, (1, 3, H, W), align_corners=True)
aff = F.grid_sample(img1, grid, align_corners=True, padding_mode="reflection")
print(aff.sum().item(), grid[0, 0, 0], grid[0, -1, -1])
