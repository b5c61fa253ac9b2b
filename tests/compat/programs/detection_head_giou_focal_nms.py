"""A tiny anchor-free detection head as detection tutorials write it: synthetic 32x32 images with
one or two bright rectangles, a small CNN whose 8x8 output grid predicts an objectness logit and
a box (centre offsets and log-size) per cell, trained with torchvision.ops.sigmoid_focal_loss on
the objectness and generalized_box_iou_loss on the cells that hold an object's centre; at
inference the boxes are decoded with box_convert, clipped with clip_boxes_to_image, filtered
with remove_small_boxes and non-maximum-suppressed with nms / batched_nms, then matched to the
ground truth with box_iou. roi_align pools the detected regions for a second-stage feature.
torchvision cannot be imported beside CPU torch here, so this program runs under gradkit only
and checks itself with asserts."""
# compat: gradkit-only
import torch
import torch.nn as nn
from torchvision.ops import (
    RoIAlign,
    batched_nms,
    box_convert,
    box_iou,
    clip_boxes_to_image,
    generalized_box_iou_loss,
    nms,
    remove_small_boxes,
    roi_align,
    sigmoid_focal_loss,
)

torch.manual_seed(0)
SIZE, GRID = 32, 8
STRIDE = SIZE // GRID


def make_batch(n):
    images = torch.zeros(n, 1, SIZE, SIZE)
    targets = []
    for i in range(n):
        boxes = []
        for _ in range(int(torch.randint(1, 3, ()))):
            w, h = torch.randint(6, 14, (2,)).tolist()
            x1 = int(torch.randint(0, SIZE - w, ()))
            y1 = int(torch.randint(0, SIZE - h, ()))
            images[i, 0, y1:y1 + h, x1:x1 + w] = 1.0
            boxes.append([x1, y1, x1 + w, y1 + h])
        targets.append(torch.tensor(boxes, dtype=torch.float32))
    images += 0.05 * torch.randn_like(images)
    return images, targets


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU())
        self.obj = nn.Conv2d(32, 1, 1)
        self.box = nn.Conv2d(32, 4, 1)
        nn.init.constant_(self.obj.bias, -2.0)

    def forward(self, x):
        f = self.body(x)
        return f, self.obj(f).squeeze(1), self.box(f).permute(0, 2, 3, 1)


ys, xs = torch.meshgrid(torch.arange(GRID), torch.arange(GRID), indexing="ij")
CENTRES = torch.stack([(xs + 0.5) * STRIDE, (ys + 0.5) * STRIDE], -1).float()


def decode(raw):
    """(N, G, G, 4) raw outputs -> xyxy boxes: centre offset in strides, log width/height."""
    cxcy = CENTRES + raw[..., :2] * STRIDE
    wh = torch.exp(raw[..., 2:]) * 8.0
    return box_convert(torch.cat([cxcy, wh], -1), "cxcywh", "xyxy")


def assign(targets):
    obj = torch.zeros(len(targets), GRID, GRID)
    gt = torch.zeros(len(targets), GRID, GRID, 4)
    for i, boxes in enumerate(targets):
        centres = box_convert(boxes, "xyxy", "cxcywh")[:, :2]
        cells = (centres / STRIDE).long().clamp(0, GRID - 1)
        obj[i, cells[:, 1], cells[:, 0]] = 1.0
        gt[i, cells[:, 1], cells[:, 0]] = boxes
    return obj, gt


model = Head()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
images, targets = make_batch(16)
obj_t, gt_t = assign(targets)
losses = []
for step in range(30):
    _, obj_logit, raw = model(images)
    cls_loss = sigmoid_focal_loss(obj_logit, obj_t, alpha=0.25, gamma=2.0, reduction="sum")
    cls_loss = cls_loss / obj_t.sum().clamp(min=1)
    pos = obj_t > 0
    pred = decode(raw)[pos]
    box_loss = generalized_box_iou_loss(pred, gt_t[pos], reduction="mean")
    loss = cls_loss + box_loss
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
    if step % 10 == 0 or step == 29:
        print(f"step {step:2d} focal {cls_loss.item():.4f} giou {box_loss.item():.4f}")
assert losses[-1] < 0.6 * losses[0], losses
assert all(p.grad is not None for p in model.parameters())

# inference
model.eval()
with torch.no_grad():
    feats, obj_logit, raw = model(images)
    scores = obj_logit.sigmoid()
    boxes = clip_boxes_to_image(decode(raw), (SIZE, SIZE))
hits, total = 0, 0
for i in range(len(targets)):
    b, s = boxes[i].reshape(-1, 4), scores[i].reshape(-1)
    keep = remove_small_boxes(b, 2.0)
    b, s = b[keep], s[keep]
    keep = nms(b, s, 0.3)
    assert keep.dtype == torch.int64
    assert torch.all(s[keep][:-1] >= s[keep][1:]), "nms keeps boxes by decreasing score"
    if len(keep) > 1:
        assert box_iou(b[keep], b[keep]).triu(1).max() <= 0.3 + 1e-6
    det = b[keep][s[keep] > 0.3]
    total += len(targets[i])
    if len(det):
        hits += int((box_iou(targets[i], det).max(1).values > 0.5).sum())
print(f"recall at IoU 0.5: {hits}/{total}")
assert hits >= total * 0.6, (hits, total)

# batched_nms with two classes: boxes of different classes never suppress each other
b = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10.]])
s = torch.tensor([0.9, 0.8, 0.7])
print("batched_nms", batched_nms(b, s, torch.tensor([0, 0, 1]), 0.5).tolist())
assert batched_nms(b, s, torch.tensor([0, 0, 1]), 0.5).tolist() == [0, 2]
assert nms(b, s, 0.5).tolist() == [0]

# second stage: pool each image's top detection from the feature map
top = [boxes[i].reshape(-1, 4)[scores[i].reshape(-1).argmax()][None] for i in range(4)]
pooled = roi_align(feats[:4], top, output_size=(3, 3), spatial_scale=1 / STRIDE,
                   sampling_ratio=2, aligned=True)
print("roi_align", tuple(pooled.shape))
assert pooled.shape == (4, 32, 3, 3)
assert torch.allclose(RoIAlign((3, 3), 1 / STRIDE, 2, aligned=True)(feats[:4], top), pooled)
x = feats[:1].detach().requires_grad_(True)
roi_align(x, [top[0]], 2, 1 / STRIDE).sum().backward()
assert x.grad.abs().sum() > 0
print("done")
