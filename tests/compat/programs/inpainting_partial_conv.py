"""Image inpainting with masks as inpainting repositories write it: random rectangular and
free-form (random-walk brush) masks built with index_put_ and clamp, a partial convolution layer
(the mask updated by a ones-kernel conv, the output renormalised by sum(1)/sum(M)), a small
encoder-decoder of partial convs with nearest upsampling, the hole/valid L1 losses and a total
variation loss, composition of output and known pixels, and PSNR inside the holes."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class PartialConv2d(nn.Conv2d):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register_buffer("weight_maskUpdater",
                             torch.ones(1, 1, self.kernel_size[0], self.kernel_size[1]))
        self.slide_winsize = self.kernel_size[0] * self.kernel_size[1]

    def forward(self, input, mask):
        with torch.no_grad():
            update_mask = F.conv2d(mask, self.weight_maskUpdater, bias=None, stride=self.stride,
                                   padding=self.padding, dilation=self.dilation, groups=1)
            mask_ratio = self.slide_winsize / (update_mask + 1e-8)
            update_mask = torch.clamp(update_mask, 0, 1)
            mask_ratio = torch.mul(mask_ratio, update_mask)
        raw_out = super().forward(torch.mul(input, mask))
        if self.bias is not None:
            bias_view = self.bias.view(1, self.out_channels, 1, 1)
            output = torch.mul(raw_out - bias_view, mask_ratio) + bias_view
            output = torch.mul(output, update_mask)
        else:
            output = torch.mul(raw_out, mask_ratio)
        return output, update_mask


def rect_masks(n, h, w, gen):
    m = torch.ones(n, 1, h, w)
    for i in range(n):
        top, left = torch.randint(0, h // 2, (2,), generator=gen).tolist()
        hh, ww = torch.randint(h // 4, h // 2, (2,), generator=gen).tolist()
        m[i, :, top:top + hh, left:left + ww] = 0
    return m


def brush_masks(n, h, w, gen, steps=20):
    m = torch.ones(n, 1, h, w)
    for i in range(n):
        pos = torch.randint(0, h, (2,), generator=gen)
        for _ in range(steps):
            pos = (pos + torch.randint(-2, 3, (2,), generator=gen)).clamp(0, h - 1)
            r = torch.arange(-1, 2)
            rows = (pos[0] + r).clamp(0, h - 1).repeat_interleave(3)
            cols = (pos[1] + r).clamp(0, w - 1).repeat(3)
            m[i, 0].index_put_((rows, cols), torch.tensor(0.0))
    return m


class PConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.e1 = PartialConv2d(3, 16, 5, stride=2, padding=2)
        self.e2 = PartialConv2d(16, 32, 3, stride=2, padding=1)
        self.d2 = PartialConv2d(32 + 16, 16, 3, padding=1)
        self.d1 = PartialConv2d(16 + 3, 3, 3, padding=1)

    def forward(self, x, m):
        h1, m1 = self.e1(x, m)
        h1 = F.relu(h1)
        h2, m2 = self.e2(h1, m1)
        h2 = F.relu(h2)
        u = F.interpolate(h2, scale_factor=2, mode="nearest")
        um = F.interpolate(m2, scale_factor=2, mode="nearest")
        h, hm = self.d2(torch.cat([u, h1], 1), torch.cat([um.expand(-1, 32, -1, -1),
                                                          m1.expand(-1, 16, -1, -1)], 1)[:, :1])
        h = F.leaky_relu(h, 0.2)
        u = F.interpolate(h, scale_factor=2, mode="nearest")
        um = F.interpolate(hm, scale_factor=2, mode="nearest")
        out, _ = self.d1(torch.cat([u, x], 1), torch.max(um, m))
        return torch.sigmoid(out)


def tv_loss(img):
    return (img[:, :, :, 1:] - img[:, :, :, :-1]).abs().mean() + \
        (img[:, :, 1:, :] - img[:, :, :-1, :]).abs().mean()


torch.manual_seed(0)
gen = torch.Generator().manual_seed(3)
yy, xx = torch.meshgrid(torch.linspace(-1, 1, 32), torch.linspace(-1, 1, 32), indexing="ij")
phase = torch.rand(8, 3, 1, 1, generator=gen) * 6
images = 0.5 + 0.5 * torch.sin(3 * xx + 2 * yy + phase) * torch.cos(2 * xx - yy + phase)
masks = torch.cat([rect_masks(4, 32, 32, gen), brush_masks(4, 32, 32, gen)])
print(images.shape, masks.mean((1, 2, 3)))
net = PConvNet()
opt = torch.optim.Adam(net.parameters(), lr=2e-3)
for step in range(15):
    out = net(images * masks, masks)
    comp = masks * images + (1 - masks) * out
    hole = F.l1_loss((1 - masks) * out, (1 - masks) * images)
    valid = F.l1_loss(masks * out, masks * images)
    loss = 6 * hole + valid + 0.1 * tv_loss(comp)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 0:
        print(step, f"{loss.item():.5f} {hole.item():.5f} {valid.item():.5f}")
with torch.no_grad():
    out = net(images * masks, masks)
    comp = masks * images + (1 - masks) * out
    mse = ((comp - images) ** 2).sum((1, 2, 3)) / ((1 - masks).sum((1, 2, 3)) * 3)
    psnr = 10 * torch.log10(1.0 / mse)
print(psnr, torch.equal(comp * masks, images * masks))
