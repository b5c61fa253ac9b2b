"""Least-squares fitting four ways, as numerical-methods course notebooks compare them: normal
equations with cholesky/cholesky_solve, torch.linalg.qr (reduced) plus solve_triangular,
torch.linalg.lstsq (batched, several right-hand sides, the 'gelsd' driver with rank and
singular values), and pinv; a Vandermonde polynomial fit, a weighted fit, a rank-deficient
design, and residual diagnostics."""
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
x = torch.linspace(-1, 1, 25)
y = 1.0 - 2.0 * x + 0.5 * x ** 3 + 0.05 * torch.randn(25)
V = torch.vander(x, N=5, increasing=True)
print("vandermonde", tuple(V.shape), "cond %.3f" % torch.linalg.cond(V).item())

L = torch.linalg.cholesky(V.T @ V)
c_ne = torch.cholesky_solve((V.T @ y).unsqueeze(1), L).squeeze(1)
Q, R = torch.linalg.qr(V)
c_qr = torch.linalg.solve_triangular(R, (Q.T @ y).unsqueeze(1), upper=True).squeeze(1)
res = torch.linalg.lstsq(V, y.unsqueeze(1), driver="gelsd")
c_ls = res.solution.squeeze(1)
c_pinv = torch.linalg.pinv(V) @ y
print("coefficients", [round(v, 5) for v in c_qr.tolist()])
print("all agree", all(torch.allclose(c, c_qr, atol=1e-8) for c in (c_ne, c_ls, c_pinv)))
print("rank", res.rank.item(), "singular values", [round(v, 4) for v in res.singular_values.tolist()])
print("Q orthonormal", torch.allclose(Q.T @ Q, torch.eye(5)), "R upper", torch.equal(R, R.triu()))
resid = y - V @ c_qr
print(f"rss {resid.pow(2).sum().item():.6f} r2 "
      f"{1 - resid.pow(2).sum().item() / (y - y.mean()).pow(2).sum().item():.6f}")

# weighted least squares by row scaling
w = torch.where(x.abs() > 0.8, 0.1, 1.0)
sw = w.sqrt()
c_w = torch.linalg.lstsq(V * sw.unsqueeze(1), (y * sw).unsqueeze(1)).solution.squeeze(1)
print("weighted", [round(v, 5) for v in c_w.tolist()])

# batched problems with several right-hand sides
A = torch.randn(3, 10, 4)
B = torch.randn(3, 10, 2)
sol = torch.linalg.lstsq(A, B).solution
print("batched solution", tuple(sol.shape), "normal-eq residual small",
      (A.transpose(-2, -1) @ (A @ sol - B)).abs().max().item() < 1e-10)

# a rank-deficient design: duplicate column
D = torch.cat([V[:, :3], V[:, 1:2]], dim=1)
r2 = torch.linalg.lstsq(D, y.unsqueeze(1), driver="gelsd")
print("rank-deficient rank", r2.rank.item(),
      "min-norm", [round(v, 5) for v in r2.solution.squeeze(1).tolist()])
print("matrix_rank", torch.linalg.matrix_rank(D).item())
