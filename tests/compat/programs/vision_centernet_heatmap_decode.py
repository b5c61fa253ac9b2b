"""CenterNet-style keypoint detection as the reference code writes it: gaussian radius from box
size (the three-quadratic formula), draw_umich_gaussian with torch.maximum into a heatmap,
the penalty-reduced pixel focal loss (pos where gt == 1, (1-gt)^4 weights), size/offset
regression gathered at center indices (_gather_feat with expand + gather, masked L1), decode
with a 3x3 max_pool2d NMS (hmax == heat), topk over flattened classes*H*W and integer
division / remainder to recover class, y and x; plus soft-argmax keypoint regression."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(23)
NC, H, W, MAX_OBJ = 2, 16, 16, 4


def gaussian_radius(det_size, min_overlap=0.7):
    height, width = det_size
    a1, b1 = 1, height + width
    c1 = width * height * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 + math.sqrt(b1 ** 2 - 4 * a1 * c1)) / 2
    a2, b2 = 4, 2 * (height + width)
    c2 = (1 - min_overlap) * width * height
    r2 = (b2 + math.sqrt(b2 ** 2 - 4 * a2 * c2)) / 2
    a3, b3 = 4 * min_overlap, -2 * min_overlap * (height + width)
    c3 = (min_overlap - 1) * width * height
    r3 = (b3 + math.sqrt(b3 ** 2 - 4 * a3 * c3)) / 2
    return min(r1, r2, r3)


def draw_gaussian(heatmap, center, radius):
    diameter = 2 * radius + 1
    ys = torch.arange(diameter).float() - radius
    g = torch.exp(-(ys[:, None] ** 2 + ys[None, :] ** 2) / (2 * (diameter / 6) ** 2))
    x, y = center
    h, w = heatmap.shape
    left, right = min(x, radius), min(w - x, radius + 1)
    top, bottom = min(y, radius), min(h - y, radius + 1)
    region = heatmap[y - top:y + bottom, x - left:x + right]
    g = g[radius - top:radius + bottom, radius - left:radius + right]
    heatmap[y - top:y + bottom, x - left:x + right] = torch.maximum(region, g)
    return heatmap


def make_targets(boxes, labels):
    hm = torch.zeros(NC, H, W)
    wh = torch.zeros(MAX_OBJ, 2)
    reg = torch.zeros(MAX_OBJ, 2)
    ind = torch.zeros(MAX_OBJ, dtype=torch.long)
    mask = torch.zeros(MAX_OBJ)
    for k, (b, c) in enumerate(zip(boxes, labels)):
        bw, bh = (b[2] - b[0]).item(), (b[3] - b[1]).item()
        r = max(0, int(gaussian_radius((math.ceil(bh), math.ceil(bw)))))
        ct = torch.stack([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2])
        ct_int = ct.int()
        draw_gaussian(hm[c], ct_int.tolist(), r)
        wh[k] = torch.tensor([bw, bh])
        ind[k] = ct_int[1] * W + ct_int[0]
        reg[k] = ct - ct_int
        mask[k] = 1
    return hm, wh, reg, ind, mask


def focal_loss(pred, gt):
    pos = gt.eq(1).float()
    neg = gt.lt(1).float()
    neg_weights = torch.pow(1 - gt, 4)
    pos_loss = (torch.log(pred) * torch.pow(1 - pred, 2) * pos).sum()
    neg_loss = (torch.log(1 - pred) * torch.pow(pred, 2) * neg_weights * neg).sum()
    num_pos = pos.sum()
    return -neg_loss if num_pos == 0 else -(pos_loss + neg_loss) / num_pos


def gather_feat(feat, ind):
    feat = feat.permute(0, 2, 3, 1).contiguous().view(feat.size(0), -1, feat.size(1))
    ind = ind.unsqueeze(2).expand(ind.size(0), ind.size(1), feat.size(2))
    return feat.gather(1, ind)


def reg_l1(output, mask, ind, target):
    pred = gather_feat(output, ind)
    m = mask.unsqueeze(2).expand_as(pred).float()
    return F.l1_loss(pred * m, target * m, reduction="sum") / (m.sum() + 1e-4)


def decode(heat, wh, reg, K=5):
    b = heat.size(0)
    hmax = F.max_pool2d(heat, 3, stride=1, padding=1)
    heat = heat * (hmax == heat).float()
    scores, inds = torch.topk(heat.view(b, -1), K)
    clses = torch.div(inds, H * W, rounding_mode="floor")
    inds = inds % (H * W)
    ys, xs = (inds // W).float(), (inds % W).float()
    off = gather_feat(reg, inds)
    size = gather_feat(wh, inds)
    xs, ys = xs + off[..., 0], ys + off[..., 1]
    boxes = torch.stack([xs - size[..., 0] / 2, ys - size[..., 1] / 2,
                         xs + size[..., 0] / 2, ys + size[..., 1] / 2], dim=2)
    return boxes, scores, clses


print("radius", round(gaussian_radius((6, 4)), 5), round(gaussian_radius((10, 12)), 5))
batch = []
for i in range(4):
    xy = torch.randint(1, 9, (2, 2)).float()
    wh_ = torch.randint(3, 7, (2, 2)).float()
    boxes = torch.cat([xy, xy + wh_], 1) + 0.25 * i
    labels = torch.tensor([0, 1])
    batch.append(make_targets(boxes, labels))
hm, wh, reg, ind, mask = (torch.stack(t) for t in zip(*batch))
print("heatmap peaks", hm.eq(1).sum().item(), hm[0, 0, :, :].sum().item())


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(NC, 16, 3, padding=1), nn.ReLU())
        self.hm = nn.Conv2d(16, NC, 1)
        self.wh = nn.Conv2d(16, 2, 1)
        self.reg = nn.Conv2d(16, 2, 1)
        self.hm.bias.data.fill_(-2.19)

    def forward(self, x):
        f = self.backbone(x)
        return self.hm(f), self.wh(f), self.reg(f)


model = Head()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
inp = hm + 0.1 * torch.randn_like(hm)
for step in range(15):
    out_hm, out_wh, out_reg = model(inp)
    pred = torch.clamp(out_hm.sigmoid_(), min=1e-4, max=1 - 1e-4)
    l_hm = focal_loss(pred, hm)
    l_wh = reg_l1(out_wh, mask, ind, wh)
    l_off = reg_l1(out_reg, mask, ind, reg)
    loss = l_hm + 0.1 * l_wh + l_off
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 0:
        print(f"step {step} hm {l_hm.item():.4f} wh {l_wh.item():.4f} off {l_off.item():.4f}")
with torch.no_grad():
    out_hm, out_wh, out_reg = model(inp)
    boxes, scores, clses = decode(out_hm.sigmoid(), out_wh, out_reg, K=3)
print("scores", scores[0], "classes", clses[0])
print("boxes", boxes[0])


def soft_argmax(heatmaps, beta=10.0):
    n, k, h, w = heatmaps.shape
    p = F.softmax(heatmaps.view(n, k, -1) * beta, dim=-1).view(n, k, h, w)
    xs = (p.sum(dim=2) * torch.arange(w).float()).sum(-1)
    ys = (p.sum(dim=3) * torch.arange(h).float()).sum(-1)
    return torch.stack([xs, ys], -1)


kp = soft_argmax(hm)
print("soft-argmax", kp[0])
