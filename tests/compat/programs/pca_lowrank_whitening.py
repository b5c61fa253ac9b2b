"""Linear-algebra data analysis written with torch.linalg as notebooks do: centring, PCA by
torch.linalg.svd(full_matrices=False) and by torch.linalg.eigh of torch.cov, explained variance
ratios and a sign convention, torch.pca_lowrank/svd_lowrank on a low-rank matrix, ZCA whitening
and its check against the identity, Mahalanobis distances by torch.cholesky_solve and
torch.linalg.solve_triangular, torch.corrcoef, a ridge solution via torch.linalg.solve versus
torch.linalg.pinv, torch.linalg.matrix_rank and cond, and reconstruction error per k."""
import torch

torch.manual_seed(0)
n, d = 200, 6
latent = torch.randn(n, 2)
mix = torch.tensor([[2.0, 0.5, 0.0, 1.0, -1.0, 0.3], [0.0, 1.0, 1.5, -0.5, 0.2, 0.8]])
X = latent @ mix + 0.1 * torch.randn(n, d) + torch.arange(d, dtype=torch.float32)
Xc = X - X.mean(0, keepdim=True)
U, S, Vh = torch.linalg.svd(Xc, full_matrices=False)
signs = torch.sign(Vh[:, 0:1])
Vh = Vh * signs
explained = S ** 2 / (n - 1)
ratio = explained / explained.sum()
print(U.shape, S.shape, Vh.shape, ratio, ratio.cumsum(0)[:3])
C = torch.cov(X.T)
evals, evecs = torch.linalg.eigh(C)
evals, evecs = evals.flip(0), evecs.flip(1)
evecs = evecs * torch.sign(evecs[0:1, :])
print(torch.allclose(evals, explained, rtol=1e-4, atol=1e-5),
      (evecs[:, :2].T.abs() - Vh[:2].abs()).abs().max().item() < 1e-3)
for k in (1, 2, 3):
    Z = Xc @ Vh[:k].T
    rec = Z @ Vh[:k]
    print(k, f"{((rec - Xc) ** 2).mean().item():.6f}")

A = torch.randn(50, 3) @ torch.randn(3, 40)
U2, S2, V2 = torch.svd_lowrank(A, q=6, niter=2)
print(U2.shape, S2.shape, V2.shape, S2[:3] / torch.linalg.svdvals(A)[:3], S2[3:].max().item() < 1e-3)
Up, Sp, Vp = torch.pca_lowrank(X, q=3, center=True)
print(Sp / S[:3], (Vp.T.abs() - Vh[:3].abs()).abs().max().item() < 1e-3)

eps = 1e-5
W_zca = evecs @ torch.diag(1.0 / torch.sqrt(evals + eps)) @ evecs.T
Xw = Xc @ W_zca
print(torch.allclose(torch.cov(Xw.T), torch.eye(d), atol=1e-3), Xw.std(0))
L = torch.linalg.cholesky(C)
diff = (X[:5] - X.mean(0)).T
m1 = (diff * torch.cholesky_solve(diff, L)).sum(0)
y = torch.linalg.solve_triangular(L, diff, upper=False)
m2 = (y ** 2).sum(0)
print(m1, torch.allclose(m1, m2, rtol=1e-4))
R = torch.corrcoef(X.T)
print(R[0], R.diagonal())
target = X @ torch.tensor([1.0, -2.0, 0.5, 0.0, 0.0, 1.0]) + 0.05 * torch.randn(n)
lam = 0.1
Xd = torch.cat([Xc, torch.ones(n, 1)], 1)
w_ridge = torch.linalg.solve(Xd.T @ Xd + lam * torch.eye(d + 1), Xd.T @ target)
w_pinv = torch.linalg.pinv(Xd) @ target
print(w_ridge.tolist(), (w_ridge - w_pinv).abs().max().item() < 0.1)
print(torch.linalg.matrix_rank(A).item(), torch.linalg.matrix_rank(Xc).item(),
      f"{torch.linalg.cond(C).item():.4f}")
