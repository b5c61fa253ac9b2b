"""Segmentation losses as their reference code writes them: binary focal loss from
binary_cross_entropy_with_logits with alpha and gamma, multi-class focal loss from
cross_entropy(reduction="none") and gather, soft Dice over one-hot targets (F.one_hot +
permute), IoU/Jaccard, Tversky, combined BCE + Dice on a tiny encoder-decoder, and per-class
IoU metrics with torch.bincount confusion matrices."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(21)


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="mean"):
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return loss.mean() if reduction == "mean" else loss.sum()


class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0, weight=None, ignore_index=-100):
        super().__init__()
        self.gamma, self.weight, self.ignore_index = gamma, weight, ignore_index

    def forward(self, logits, target):
        ce = F.cross_entropy(logits, target, weight=self.weight, reduction="none",
                             ignore_index=self.ignore_index)
        logpt = F.log_softmax(logits, dim=1)
        valid = target != self.ignore_index
        pt = logpt.gather(1, target.clamp(min=0).unsqueeze(1)).squeeze(1).exp()
        loss = ((1 - pt) ** self.gamma) * ce
        return loss[valid].mean()


def dice_loss(logits, target, num_classes, eps=1e-6):
    probs = F.softmax(logits, dim=1)
    one_hot = F.one_hot(target, num_classes).permute(0, 3, 1, 2).float()
    dims = (0, 2, 3)
    intersection = torch.sum(probs * one_hot, dims)
    cardinality = torch.sum(probs + one_hot, dims)
    dice = (2.0 * intersection + eps) / (cardinality + eps)
    return 1.0 - dice.mean()


def tversky_loss(probs, target, alpha=0.3, beta=0.7, smooth=1.0):
    tp = (probs * target).sum()
    fp = ((1 - target) * probs).sum()
    fn = (target * (1 - probs)).sum()
    return 1 - (tp + smooth) / (tp + alpha * fp + beta * fn + smooth)


def iou_per_class(pred, target, num_classes):
    cm = torch.bincount(num_classes * target.flatten() + pred.flatten(),
                        minlength=num_classes ** 2).reshape(num_classes, num_classes)
    inter = cm.diag()
    union = cm.sum(0) + cm.sum(1) - inter
    return inter.float() / union.clamp(min=1).float(), cm


net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(),
                    nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                    nn.Conv2d(16, 3, 1))
images = torch.randn(8, 1, 12, 12) * 0.3
masks = torch.zeros(8, 12, 12, dtype=torch.long)
for i in range(8):
    r, c = int(torch.randint(0, 6, ())), int(torch.randint(0, 6, ()))
    masks[i, r:r + 5, c:c + 5] = 1 + i % 2
    images[i, 0][masks[i] > 0] += 1.0 + (i % 2)
masks[0, 0, :3] = -100  # ignored pixels

focal = FocalLoss(gamma=2.0, weight=torch.tensor([0.5, 1.0, 1.0]))
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
for step in range(30):
    logits = net(images)
    valid = masks.clamp(min=0)
    loss = focal(logits, masks) + dice_loss(logits, valid, 3)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 9:
        print(f"step {step + 1} focal+dice {loss.item():.4f}")

with torch.no_grad():
    logits = net(images)
    pred = logits.argmax(1)
    iou, cm = iou_per_class(pred, masks.clamp(min=0), 3)
    print("iou", iou, "miou", f"{iou.mean().item():.4f}")
    print(cm)
    fg_logit = logits[:, 1:].logsumexp(1) - logits[:, 0]
    fg = (masks > 0).float()
    print(f"sigmoid focal {sigmoid_focal_loss(fg_logit, fg).item():.5f} "
          f"sum {sigmoid_focal_loss(fg_logit, fg, reduction='sum').item():.4f}")
    print(f"tversky {tversky_loss(torch.sigmoid(fg_logit), fg).item():.5f}")
    print(f"bce+dice {F.binary_cross_entropy_with_logits(fg_logit, fg, pos_weight=torch.tensor(2.0)).item():.5f}")
