"""k-means and k-nearest neighbours written with tensors as in blog posts: k-means++ seeding with
torch.multinomial, Lloyd iterations with torch.cdist + argmin, centroid updates with
index_add_ / scatter_add_ and torch.bincount, inertia, then kNN classification with topk on
negative distances, majority vote with torch.mode and a weighted vote with scatter_add,
and accuracy per k."""
import torch

torch.manual_seed(0)
centers = torch.tensor([[0.0, 0.0], [4.0, 4.0], [-4.0, 3.0]])
labels = torch.arange(3).repeat_interleave(40)
X = centers[labels] + torch.randn(120, 2)
perm = torch.randperm(120)
X, labels = X[perm], labels[perm]

K = 3
idx = [torch.randint(0, 120, (1,)).item()]
for _ in range(K - 1):
    d2 = torch.cdist(X, X[idx]).min(dim=1).values ** 2
    idx.append(torch.multinomial(d2 / d2.sum(), 1).item())
C = X[idx].clone()
print("seeds", idx)
for it in range(10):
    d = torch.cdist(X, C)
    assign = d.argmin(dim=1)
    counts = torch.bincount(assign, minlength=K)
    sums = torch.zeros(K, 2).index_add_(0, assign, X)
    sums2 = torch.zeros(K, 2).scatter_add_(0, assign.unsqueeze(1).expand(-1, 2), X)
    newC = sums / counts.unsqueeze(1).clamp_min(1)
    shift = (newC - C).norm()
    C = newC
    inertia = (d.gather(1, assign.unsqueeze(1)) ** 2).sum()
    print(f"iter {it} inertia {inertia.item():.4f} shift {shift.item():.5f} counts {counts.tolist()}"
          f" same {torch.allclose(sums, sums2)}")
    if shift < 1e-6:
        break
order = C[:, 0].argsort()
print("centroids", C[order])

# kNN on a train/test split
Xtr, ytr, Xte, yte = X[:90], labels[:90], X[90:], labels[90:]
D = torch.cdist(Xte, Xtr)
for k in (1, 3, 7):
    nd, ni = (-D).topk(k, dim=1)
    votes = ytr[ni]
    pred = votes.mode(dim=1).values
    w = 1.0 / (-nd + 1e-8)
    scores = torch.zeros(len(Xte), 3).scatter_add_(1, votes, w)
    wpred = scores.argmax(1)
    print(f"k={k} acc {(pred == yte).float().mean().item():.4f} "
          f"weighted {(wpred == yte).float().mean().item():.4f}")
nd, ni = D.topk(5, dim=1, largest=False)
print("nearest", ni[:3].tolist(), nd[:3].round(decimals=4))
print("sorted", torch.equal(nd, nd.sort(dim=1).values))
conf = torch.bincount(yte * 3 + pred, minlength=9).reshape(3, 3)
print("confusion", conf)
print("unique", torch.unique(assign, return_counts=True))
