"""Evaluation code users write around detectors and classifiers: box IoU and NMS by hand
(torch.max/min broadcasting, argsort, boolean masks), a confusion matrix with bincount,
per-class precision/recall/F1, top-k accuracy, ROC AUC with sort/cumsum, average precision,
one_hot, scatter_add_/index_add_, histc and bucketize for calibration bins."""
import torch
import torch.nn.functional as F

torch.manual_seed(9)


def box_area(b):
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def box_iou(a, b):
    lt = torch.max(a[:, None, :2], b[:, :2])
    rb = torch.min(a[:, None, 2:], b[:, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter / (box_area(a)[:, None] + box_area(b) - inter)


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


xy = torch.rand(12, 2) * 10
wh = torch.rand(12, 2) * 4 + 1
boxes = torch.cat([xy, xy + wh], dim=1)
scores = torch.rand(12)
print(box_iou(boxes[:3], boxes[:4]))
print(nms(boxes, scores, 0.3), (box_iou(boxes, boxes) > 0.3).sum(1))

num_classes = 4
logits = torch.randn(50, num_classes)
target = torch.randint(0, num_classes, (50,))
pred = logits.argmax(1)
cm = torch.bincount(target * num_classes + pred, minlength=num_classes ** 2).reshape(num_classes, num_classes)
print(cm)
tp = cm.diag().float()
precision = tp / cm.sum(0).clamp(min=1)
recall = tp / cm.sum(1).clamp(min=1)
f1 = 2 * precision * recall / (precision + recall).clamp(min=1e-8)
print(precision, recall, f1, f1.mean())
_, top3 = logits.topk(3, dim=1, largest=True, sorted=True)
print("top1", (top3[:, 0] == target).float().mean().item(), "top3", (top3 == target[:, None]).any(1).float().mean().item())
oh = F.one_hot(target, num_classes)
print(oh[:3], oh.dtype, oh.sum(0))
conf = torch.zeros(num_classes, num_classes, dtype=torch.long)
conf.index_put_((target, pred), torch.ones(50, dtype=torch.long), accumulate=True)
print(torch.equal(conf, cm))
per_class = torch.zeros(num_classes).scatter_add_(0, target, logits.max(1).values)
print(per_class, torch.zeros(num_classes).index_add_(0, target, torch.ones(50)))

y = (torch.rand(40) > 0.6).long()
s = torch.rand(40) + 0.3 * y
order = s.argsort(descending=True)
ys = y[order]
tps = ys.cumsum(0).float()
fps = (1 - ys).cumsum(0).float()
tpr, fpr = tps / tps[-1], fps / fps[-1]
auc = torch.trapz(torch.cat([torch.zeros(1), tpr]), torch.cat([torch.zeros(1), fpr]))
prec = tps / torch.arange(1, 41).float()
ap = (prec * ys.float()).sum() / ys.sum()
print(round(auc.item(), 5), round(ap.item(), 5), torch.trapezoid(tpr, fpr))
probs = torch.softmax(logits, 1).max(1).values
bins = torch.linspace(0, 1, 6)
idx = torch.bucketize(probs, bins[1:-1])
print(idx[:10], torch.histc(probs, bins=5, min=0, max=1), torch.searchsorted(bins, torch.tensor([0.1, 0.5, 0.95])))
correct = (pred == target).float()
ece = sum((idx == b).float().sum() / 50 * (probs[idx == b].mean() - correct[idx == b].mean()).abs()
          for b in range(5) if (idx == b).any())
print("ece", round(float(ece), 5), torch.unique(idx, return_counts=True))
