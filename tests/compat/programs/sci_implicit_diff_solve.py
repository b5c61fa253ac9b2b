"""Implicit differentiation through a linear solve, as in hyperparameter-optimisation papers:
ridge regression w*(lambda) = (X^T X + lambda I)^{-1} X^T y computed with torch.linalg.solve,
the validation loss's hypergradient d L_val / d log-lambda from autograd through the solve,
from the implicit-function theorem with an adjoint solve, and from unrolled gradient descent;
then the regularisation strength is tuned by gradient descent on the hypergradient."""
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
n, d = 40, 15
X = torch.randn(n, d)
w_true = torch.randn(d) * (torch.rand(d) > 0.5)
y = X @ w_true + 0.5 * torch.randn(n)
Xv = torch.randn(30, d)
yv = Xv @ w_true + 0.5 * torch.randn(30)


def inner_solution(log_lam):
    A = X.T @ X + torch.exp(log_lam) * torch.eye(d)
    return torch.linalg.solve(A, X.T @ y)


def val_loss(w):
    return 0.5 * ((Xv @ w - yv) ** 2).mean()


log_lam = torch.tensor(0.0, requires_grad=True)
w = inner_solution(log_lam)
loss = val_loss(w)
(g_auto,) = torch.autograd.grad(loss, log_lam)
print(f"val loss {loss.item():.6f} hypergrad (autograd) {g_auto.item():.6f}")

# implicit function theorem: A w = X^T y => dw/dlam = -A^{-1} w * lam
with torch.no_grad():
    lam = log_lam.exp()
    A = X.T @ X + lam * torch.eye(d)
    w_star = torch.linalg.solve(A, X.T @ y)
w_req = w_star.clone().requires_grad_(True)
(dL_dw,) = torch.autograd.grad(val_loss(w_req), w_req)
v = torch.linalg.solve(A.T, dL_dw)
g_ift = -(v @ w_star) * lam
print(f"hypergrad (implicit) {g_ift.item():.6f} agree {torch.allclose(g_auto, g_ift)}")

# unrolled gradient descent on the inner problem
w_u = torch.zeros(d)
lr = 1.0 / torch.linalg.eigvalsh(X.T @ X).max().item()
log_lam_u = torch.tensor(0.0, requires_grad=True)
for _ in range(300):
    grad_inner = X.T @ (X @ w_u - y) + torch.exp(log_lam_u) * w_u
    w_u = w_u - lr * grad_inner
(g_unroll,) = torch.autograd.grad(val_loss(w_u), log_lam_u)
print(f"hypergrad (unrolled 300) {g_unroll.item():.6f}")

opt = torch.optim.Adam([log_lam], lr=0.2)
for step in range(40):
    loss = val_loss(inner_solution(log_lam))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 9:
        print(f"step {step + 1} lambda {log_lam.exp().item():.5f} val {loss.item():.6f}")
