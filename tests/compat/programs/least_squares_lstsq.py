"""Least squares as in numerical-methods notes: torch.linalg.lstsq (solution, residuals, rank,
singular_values with driver='gelsd'), the normal equations with torch.linalg.solve, the
pseudo-inverse torch.linalg.pinv, QR (torch.linalg.qr + solve_triangular), ridge, weighted
least squares, batched lstsq for several right-hand sides, and a rank-deficient system."""
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
x = torch.linspace(0, 1, 20)
A = torch.stack([torch.ones_like(x), x, x ** 2], dim=1)
b = 1.0 - 2.0 * x + 3.0 * x ** 2 + 0.01 * torch.randn(20)

sol = torch.linalg.lstsq(A, b.unsqueeze(1))
print("lstsq", sol.solution.squeeze(1))
sol_d = torch.linalg.lstsq(A, b.unsqueeze(1), driver="gelsd")
print("gelsd", sol_d.solution.squeeze(1), sol_d.rank, sol_d.singular_values)
normal = torch.linalg.solve(A.T @ A, A.T @ b)
pinv = torch.linalg.pinv(A) @ b
Q, R = torch.linalg.qr(A)
qr = torch.linalg.solve_triangular(R, (Q.T @ b).unsqueeze(1), upper=True).squeeze(1)
print("agree", torch.allclose(normal, pinv), torch.allclose(qr, pinv),
      torch.allclose(sol.solution.squeeze(1), pinv))
print("Q orthonormal", torch.allclose(Q.T @ Q, torch.eye(3)), Q.shape, R.shape)
res = b - A @ pinv
print("residual", res.norm().item(), (A.T @ res).abs().max().item() < 1e-10)

lam = 0.1
ridge = torch.linalg.solve(A.T @ A + lam * torch.eye(3), A.T @ b)
print("ridge", ridge)
w = torch.linspace(1, 2, 20)
Wsq = w.sqrt().unsqueeze(1)
wls = torch.linalg.lstsq(Wsq * A, Wsq.squeeze(1) * b).solution
print("wls", wls, torch.allclose(wls, torch.linalg.solve(A.T @ (w.unsqueeze(1) * A), A.T @ (w * b))))

B = torch.stack([b, 2 * b, -b], dim=1)
multi = torch.linalg.lstsq(A, B).solution
print("multi rhs", multi[:, 1] / multi[:, 0], multi.shape)
As = torch.randn(4, 6, 2)
bs = torch.randn(4, 6, 1)
batched = torch.linalg.lstsq(As, bs).solution
print("batched", batched.shape, torch.allclose(batched, torch.linalg.pinv(As) @ bs))

Ad = torch.cat([A, A[:, :1] * 2], dim=1)
pd = torch.linalg.pinv(Ad)
print("rank deficient", torch.linalg.matrix_rank(Ad).item(), torch.allclose(Ad @ pd @ Ad, Ad))
print("min-norm", (pd @ b).norm().item(), torch.allclose(Ad @ (pd @ b), A @ pinv))
print("pinv hermitian", torch.allclose(torch.linalg.pinv(A.T @ A, hermitian=True),
                                      torch.linalg.inv(A.T @ A)))
print("lstsq gelsy", torch.linalg.lstsq(Ad, b.unsqueeze(1), driver="gelsy").solution.shape)
