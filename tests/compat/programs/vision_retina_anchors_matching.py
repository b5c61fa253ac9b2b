"""A RetinaNet-style detection head trained by hand: anchors for two feature levels from
scales x aspect ratios (meshgrid of shifts plus base anchors, reshaped to (N, 4)), box_iou by
hand with broadcasting and clamp(min=0), matching with IoU >= 0.5 positives, < 0.4 negatives and
ignored in between (-1 labels; the best anchor of each GT forced positive), box encoding with
(10, 10, 5, 5) weights and log sizes, sigmoid focal loss by hand normalised by positives,
smooth_l1 with beta=1/9 on positives, decoding with clamped dw/dh, and batched NMS by the
class-offset trick with a greedy NMS written with a while loop."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(29)
NC = 2


def base_anchors(size, scales=(1.0, 1.26), ratios=(0.5, 1.0, 2.0)):
    out = []
    for r in ratios:
        for s in scales:
            area = (size * s) ** 2
            w = math.sqrt(area / r)
            h = w * r
            out.append([-w / 2, -h / 2, w / 2, h / 2])
    return torch.tensor(out)


def grid_anchors(feat_size, stride, size):
    shifts = (torch.arange(feat_size, dtype=torch.float32) + 0.5) * stride
    sy, sx = torch.meshgrid(shifts, shifts, indexing="ij")
    shifts = torch.stack([sx, sy, sx, sy], dim=-1).reshape(-1, 1, 4)
    return (shifts + base_anchors(size).view(1, -1, 4)).reshape(-1, 4)


def box_area(b):
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def box_iou(a, b):
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter / (box_area(a)[:, None] + box_area(b)[None, :] - inter)


def match(anchors, gt, hi=0.5, lo=0.4):
    iou = box_iou(gt, anchors)
    best_iou, best_gt = iou.max(dim=0)
    labels = torch.full((anchors.shape[0],), -1, dtype=torch.long)
    labels[best_iou < lo] = 0
    labels[best_iou >= hi] = 1
    forced = iou.argmax(dim=1)
    labels[forced] = 1
    best_gt[forced] = torch.arange(gt.shape[0])
    return labels, best_gt


def encode(gt, anchors, w=(10.0, 10.0, 5.0, 5.0)):
    aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    ax, ay = anchors[:, 0] + 0.5 * aw, anchors[:, 1] + 0.5 * ah
    gw, gh = gt[:, 2] - gt[:, 0], gt[:, 3] - gt[:, 1]
    gx, gy = gt[:, 0] + 0.5 * gw, gt[:, 1] + 0.5 * gh
    return torch.stack([w[0] * (gx - ax) / aw, w[1] * (gy - ay) / ah,
                        w[2] * torch.log(gw / aw), w[3] * torch.log(gh / ah)], dim=1)


BBOX_CLIP = math.log(1000.0 / 16)


def decode(deltas, anchors, w=(10.0, 10.0, 5.0, 5.0), clip=BBOX_CLIP):
    aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    ax, ay = anchors[:, 0] + 0.5 * aw, anchors[:, 1] + 0.5 * ah
    dx, dy = deltas[:, 0] / w[0], deltas[:, 1] / w[1]
    dw, dh = (deltas[:, 2] / w[2]).clamp(max=clip), (deltas[:, 3] / w[3]).clamp(max=clip)
    cx, cy = dx * aw + ax, dy * ah + ay
    pw, ph = torch.exp(dw) * aw, torch.exp(dh) * ah
    return torch.stack([cx - pw / 2, cy - ph / 2, cx + pw / 2, cy + ph / 2], dim=1)


def nms(boxes, scores, thr):
    order = scores.argsort(descending=True)
    keep = []
    while order.numel() > 0:
        i = order[0]
        keep.append(i.item())
        if order.numel() == 1:
            break
        ious = box_iou(boxes[i].unsqueeze(0), boxes[order[1:]]).squeeze(0)
        order = order[1:][ious <= thr]
    return torch.tensor(keep, dtype=torch.long)


def batched_nms(boxes, scores, idxs, thr):
    offsets = idxs.to(boxes) * (boxes.max() + 1)
    return nms(boxes + offsets[:, None], scores, thr)


def sigmoid_focal(logits, targets, alpha=0.25, gamma=2.0):
    p = torch.sigmoid(logits)
    ce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    return (alpha * targets + (1 - alpha) * (1 - targets)) * loss


anchors = torch.cat([grid_anchors(4, 8, 8.0), grid_anchors(2, 16, 16.0)])
print("anchors", anchors.shape, anchors[:2], anchors[-1])
gts = [torch.tensor([[2.0, 3.0, 12.0, 14.0], [16.0, 10.0, 30.0, 22.0]]), torch.tensor([[5.0, 5.0, 27.0, 27.0]])]
gcls = [torch.tensor([0, 1]), torch.tensor([1])]
targets = []
for gt, c in zip(gts, gcls):
    labels, idx = match(anchors, gt)
    cls_t = torch.zeros(anchors.shape[0], NC)
    pos = labels == 1
    cls_t[pos, c[idx[pos]]] = 1.0
    targets.append((labels, cls_t, encode(gt[idx], anchors)))
    print("pos", int(pos.sum()), "neg", int((labels == 0).sum()), "ignored", int((labels == -1).sum()))
enc = encode(gts[0], anchors[:2])
print("encode/decode roundtrip", torch.allclose(decode(enc, anchors[:2]), gts[0], atol=1e-4))

A = anchors.shape[0]
feats = torch.randn(2, 8, 1, A)
head = nn.Sequential(nn.Conv2d(8, 16, 1), nn.ReLU(), nn.Conv2d(16, NC + 4, 1))
prior = 0.01
nn.init.constant_(head[2].bias[:NC], -math.log((1 - prior) / prior))
opt = torch.optim.SGD(head.parameters(), lr=0.05, momentum=0.9)
for step in range(12):
    out = head(feats + 0.1 * torch.randn_like(feats)).squeeze(2).permute(0, 2, 1)
    cls_out, box_out = out[..., :NC], out[..., NC:]
    total_cls, total_box = 0.0, 0.0
    for b, (labels, cls_t, box_t) in enumerate(targets):
        valid = labels >= 0
        pos = labels == 1
        npos = max(1, int(pos.sum()))
        total_cls = total_cls + sigmoid_focal(cls_out[b][valid], cls_t[valid]).sum() / npos
        total_box = total_box + F.smooth_l1_loss(box_out[b][pos], box_t[pos], beta=1 / 9,
                                                 reduction="sum") / npos
    loss = (total_cls + total_box) / len(targets)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 4 == 0:
        print(f"step {step} cls {total_cls.item():.4f} box {total_box.item():.4f}")
with torch.no_grad():
    out = head(feats).squeeze(2).permute(0, 2, 1)[0]
    scores, cls = out[:, :NC].sigmoid().max(dim=1)
    boxes = decode(out[:, NC:], anchors)
    keep = scores >= scores.topk(20).values[-1]
    kept = batched_nms(boxes[keep], scores[keep], cls[keep], 0.5)
print("detections", kept.numel(), scores[keep][kept][:3], cls[keep][kept][:3])
print("top box", boxes[keep][kept][0])
