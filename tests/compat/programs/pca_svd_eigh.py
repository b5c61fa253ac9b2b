"""PCA three ways as in textbooks: torch.linalg.svd of the centred data (full_matrices=False),
torch.linalg.eigh of the covariance (torch.cov), and torch.pca_lowrank; explained variance
ratios, sign-invariant comparisons, projection and reconstruction error, whitening, and
torch.svd_lowrank / torch.linalg.svdvals / matrix_norm checks."""
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
n, d = 200, 5
latent = torch.randn(n, 2) * torch.tensor([3.0, 1.0])
W = torch.randn(2, d)
X = latent @ W + 0.1 * torch.randn(n, d) + torch.tensor([1.0, -2.0, 0.5, 0.0, 3.0])

mu = X.mean(0, keepdim=True)
Xc = X - mu
U, S, Vh = torch.linalg.svd(Xc, full_matrices=False)
print("shapes", U.shape, S.shape, Vh.shape)
ev = S ** 2 / (n - 1)
print("explained variance", ev)
print("ratio", ev / ev.sum())
print("svdvals", torch.allclose(torch.linalg.svdvals(Xc), S))

C = torch.cov(Xc.T)
print("cov agrees", torch.allclose(C, Xc.T @ Xc / (n - 1)))
evals, evecs = torch.linalg.eigh(C)
evals, evecs = evals.flip(0), evecs.flip(1)
print("eigh values", torch.allclose(evals, ev))
print("eigvecs match up to sign", torch.allclose((evecs[:, :2].T @ Vh[:2].T).abs(), torch.eye(2),
                                                 atol=1e-6))

U2, S2, V2 = torch.pca_lowrank(X, q=2, center=True, niter=4)
print("pca_lowrank", torch.allclose(S2, S[:2], rtol=1e-6), V2.shape)
print("subspace", torch.allclose((V2.T @ Vh[:2].T).abs(), torch.eye(2), atol=1e-6))

Z = Xc @ Vh[:2].T
Xr = Z @ Vh[:2] + mu
err = ((X - Xr) ** 2).sum(1).mean()
print("recon err", err.item(), (S[2:] ** 2).sum().item() / n)
print("rank", torch.linalg.matrix_rank(Xc, atol=1.0).item())
print("fro", torch.linalg.matrix_norm(Xc).item(), S.norm().item())
print("spectral", torch.linalg.matrix_norm(Xc, ord=2).item(), S[0].item())
print("nuclear", torch.linalg.matrix_norm(Xc, ord="nuc").item(), S.sum().item())

Zw = Xc @ Vh[:2].T / S[:2] * (n - 1) ** 0.5
C = torch.cov(Zw.T)  # the identity up to rounding noise (its off-diagonal ~1e-16 prints any sign)
print("white cov", C.diagonal(), (C - torch.eye(2, dtype=C.dtype)).abs().max().item() < 1e-9)
U3, S3, V3 = torch.svd_lowrank(Xc, q=3, niter=3)
print("svd_lowrank", S3[:2], torch.allclose(U3 @ torch.diag(S3) @ V3.T, Xc, atol=0.5))
Us, Ss, Vs = torch.svd(Xc[:6, :4])
print("legacy svd", Vs.shape, torch.allclose(Us @ torch.diag(Ss) @ Vs.T, Xc[:6, :4]))
R = torch.corrcoef(Z.T)
print("corrcoef", R.diagonal(), (R - torch.eye(R.shape[0], dtype=R.dtype)).abs().max().item() < 1e-9)
