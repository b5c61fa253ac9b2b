"""Competition metrics computed with tensors, as kernels write them to avoid sklearn: ROC AUC
via argsort and the rank-sum (Mann-Whitney) formula with tie handling and via trapezoids over
the ROC curve (cumsum), average precision, F1/precision/recall at a threshold and the best
threshold sweep, a multi-class confusion matrix via bincount, macro/micro F1, quadratic
weighted kappa, and log loss with clipping."""
import torch

torch.manual_seed(0)
n = 300
y = (torch.rand(n) < 0.3).long()
score = torch.where(y == 1, torch.randn(n) + 1.0, torch.randn(n))
score = torch.round(score * 4) / 4  # introduces ties


def auc_rank(y, s):
    order = torch.argsort(s)
    s_sorted = s[order]
    ranks = torch.empty(len(s), dtype=torch.float64)
    ranks[order] = torch.arange(1, len(s) + 1, dtype=torch.float64)
    uniq, inverse, counts = torch.unique(s_sorted, return_inverse=True, return_counts=True)
    sum_ranks = torch.zeros(len(uniq), dtype=torch.float64).index_add_(
        0, inverse, torch.arange(1, len(s) + 1, dtype=torch.float64))
    avg = (sum_ranks / counts)[inverse]
    ranks[order] = avg
    n_pos = y.sum().item()
    n_neg = len(y) - n_pos
    return ((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)).item()


def roc_curve(y, s):
    order = torch.argsort(s, descending=True, stable=True)
    ys, ss = y[order].double(), s[order]
    distinct = torch.nonzero(torch.diff(ss) != 0).squeeze(1)
    idx = torch.cat([distinct, torch.tensor([len(ss) - 1])])
    tps = torch.cumsum(ys, 0)[idx]
    fps = (idx + 1).double() - tps
    tpr = torch.cat([torch.zeros(1, dtype=torch.float64), tps / tps[-1]])
    fpr = torch.cat([torch.zeros(1, dtype=torch.float64), fps / fps[-1]])
    return fpr, tpr, tps, fps, idx


fpr, tpr, tps, fps, idx = roc_curve(y, score)
print(f"auc rank {auc_rank(y, score):.6f} trapz {torch.trapezoid(tpr, fpr).item():.6f}")
precision = tps / (tps + fps)
recall = tps / tps[-1]
ap = ((recall - torch.cat([torch.zeros(1, dtype=torch.float64), recall[:-1]])) * precision).sum()
print(f"average precision {ap.item():.6f}")


def prf(y, pred):
    tp = ((pred == 1) & (y == 1)).sum().item()
    fp = ((pred == 1) & (y == 0)).sum().item()
    fn = ((pred == 0) & (y == 1)).sum().item()
    p = tp / max(tp + fp, 1)
    r = tp / max(tp + fn, 1)
    return p, r, 2 * p * r / max(p + r, 1e-12)


print("p/r/f1 at 0.5", [round(v, 4) for v in prf(y, (score > 0.5).long())])
thresholds = torch.linspace(-1, 2, 13)
f1s = torch.tensor([prf(y, (score > t).long())[2] for t in thresholds])
print(f"best threshold {thresholds[f1s.argmax()].item():.2f} f1 {f1s.max().item():.4f}")

k = 4
yt = torch.randint(0, k, (200,))
yp = torch.where(torch.rand(200) < 0.6, yt, torch.randint(0, k, (200,)))
cm = torch.bincount(yt * k + yp, minlength=k * k).reshape(k, k)
print("confusion\n", cm)
tp = cm.diag().double()
prec = tp / cm.sum(0).clamp(min=1)
rec = tp / cm.sum(1).clamp(min=1)
f1 = 2 * prec * rec / (prec + rec).clamp(min=1e-12)
print(f"macro f1 {f1.mean().item():.6f} micro f1 {(tp.sum() / cm.sum()).item():.6f}")
w = (torch.arange(k).unsqueeze(1) - torch.arange(k).unsqueeze(0)).pow(2).double() / (k - 1) ** 2
expected = torch.outer(cm.sum(1), cm.sum(0)).double() / cm.sum()
qwk = 1 - (w * cm).sum() / (w * expected).sum()
print(f"quadratic weighted kappa {qwk.item():.6f}")
p = torch.sigmoid(score).clamp(1e-15, 1 - 1e-15)
logloss = -(y * p.log() + (1 - y) * (1 - p).log()).mean()
print(f"log loss {logloss.item():.6f} bce {torch.nn.functional.binary_cross_entropy(p, y.float()).item():.6f}")
