"""A k-fold competition pipeline: a stratified split by hand (per-class randperm, round-robin
fold assignment), one model per fold trained with OneCycleLR and label-smoothed cross entropy,
out-of-fold predictions gathered with index assignment, a test-time ensemble averaging the
fold models' softmax outputs (plus a flip-noise TTA), and the OOF/ensemble scores."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
n, d, k_classes, n_folds = 240, 8, 3, 4
X = torch.randn(n, d)
W_true = torch.randn(d, k_classes)
y = (X @ W_true).argmax(1)
X_test = torch.randn(60, d)
y_test = (X_test @ W_true).argmax(1)

fold_of = torch.empty(n, dtype=torch.long)
for c in range(k_classes):
    idx = torch.nonzero(y == c).flatten()
    idx = idx[torch.randperm(len(idx))]
    fold_of[idx] = torch.arange(len(idx)) % n_folds
print("class counts per fold", [torch.bincount(y[fold_of == f], minlength=k_classes).tolist()
                                for f in range(n_folds)])


def make_model():
    return nn.Sequential(nn.Linear(d, 32), nn.BatchNorm1d(32), nn.SiLU(), nn.Linear(32, k_classes))


oof = torch.zeros(n, k_classes)
test_probs = []
epochs, bs = 5, 30
for f in range(n_folds):
    tr, va = fold_of != f, fold_of == f
    Xtr, ytr = X[tr], y[tr]
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    steps = epochs * (len(Xtr) // bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.2, total_steps=steps,
                                                pct_start=0.3, anneal_strategy="cos")
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(Xtr))
        perm = perm[:len(perm) - len(perm) % bs]  # drop_last: BatchNorm needs > 1 sample
        for i in range(0, len(perm), bs):
            b = perm[i:i + bs]
            loss = F.cross_entropy(model(Xtr[b]), ytr[b], label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    with torch.no_grad():
        oof[va] = F.softmax(model(X[va]), dim=1)
        tta = torch.stack([F.softmax(model(X_test + 0.05 * torch.randn_like(X_test)), 1)
                           for _ in range(3)] + [F.softmax(model(X_test), 1)]).mean(0)
        test_probs.append(tta)
    fold_acc = (oof[va].argmax(1) == y[va]).float().mean().item()
    print(f"fold {f} last lr {sched.get_last_lr()[0]:.6f} loss {loss.item():.4f} "
          f"val acc {fold_acc:.4f}")

oof_acc = (oof.argmax(1) == y).float().mean().item()
oof_nll = F.nll_loss(oof.clamp(min=1e-7).log(), y).item()
ens = torch.stack(test_probs).mean(0)
print(f"oof acc {oof_acc:.4f} oof nll {oof_nll:.4f}")
print(f"ensemble test acc {(ens.argmax(1) == y_test).float().mean().item():.4f}")
print("fold agreement", [round(v, 4) for v in
                         [(p.argmax(1) == ens.argmax(1)).float().mean().item() for p in test_probs]])
