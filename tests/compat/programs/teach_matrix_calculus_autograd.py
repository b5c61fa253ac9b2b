"""Teaching notebook on matrix calculus checked with autograd: the gradient of x^T A x against
(A + A^T) x, of ||Ax - b||^2 against 2 A^T (Ax - b), of tr(AB) against B^T, of log det(A) against
A^{-T} (torch.logdet, torch.linalg.slogdet), of the Frobenius norm, the softmax Jacobian
diag(s) - s s^T from torch.autograd.functional.jacobian, the Hessian of a quadratic form
(hessian equals A + A^T), the chain rule through a sigmoid layer written out by hand, and the
vector-Jacobian product that backward(v) computes (v^T J)."""
import torch
from torch.autograd.functional import hessian, jacobian, vjp

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
A = torch.randn(4, 4)
x = torch.randn(4, requires_grad=True)
f = x @ A @ x
f.backward()
print('x^T A x:', torch.allclose(x.grad, (A + A.T) @ x.detach()), x.grad)

M = torch.randn(5, 3)
b = torch.randn(5)
x = torch.randn(3, requires_grad=True)
loss = (M @ x - b).pow(2).sum()
loss.backward()
print('least squares:', torch.allclose(x.grad, 2 * M.T @ (M @ x.detach() - b)))

Am = torch.randn(3, 4, requires_grad=True)
B = torch.randn(4, 3)
torch.trace(Am @ B).backward()
print('trace:', torch.allclose(Am.grad, B.T))

S = torch.randn(4, 4)
P = (S @ S.T + 4 * torch.eye(4)).requires_grad_(True)
torch.logdet(P).backward()
print('logdet:', torch.allclose(P.grad, torch.linalg.inv(P.detach()).T), P.grad.diagonal())
P.grad = None
sign, logabs = torch.linalg.slogdet(P)
logabs.backward()
print('slogdet:', sign.item(), torch.allclose(P.grad, torch.linalg.inv(P.detach()).T))
P.grad = None
torch.det(P).backward()
print('det:', torch.allclose(P.grad, torch.det(P.detach()) * torch.linalg.inv(P.detach()).T))

W = torch.randn(3, 3, requires_grad=True)
torch.linalg.norm(W).backward()
print('frobenius:', torch.allclose(W.grad, W.detach() / W.detach().norm()))

z = torch.randn(5)
J = jacobian(lambda t: torch.softmax(t, dim=0), z)
s = torch.softmax(z, dim=0)
print('softmax jacobian:', torch.allclose(J, torch.diag(s) - torch.outer(s, s)), J.shape,
      J.sum(0).abs().max().item() < 1e-12)
H = hessian(lambda t: t @ A @ t, torch.randn(4))
print('hessian:', torch.allclose(H, A + A.T))
J_log = jacobian(lambda t: torch.log_softmax(t, 0), z)
print('log-softmax jacobian:', torch.allclose(J_log, torch.eye(5) - s.expand(5, 5)))

X = torch.randn(6, 4)
Wl = torch.randn(4, 3, requires_grad=True)
bl = torch.randn(3, requires_grad=True)
Z = X @ Wl + bl
Y = torch.sigmoid(Z)
G = torch.randn(6, 3)
Y.backward(G)
dZ = G * Y.detach() * (1 - Y.detach())
print('sigmoid layer W:', torch.allclose(Wl.grad, X.T @ dZ), 'b:', torch.allclose(bl.grad, dZ.sum(0)))

v = torch.randn(3)
inp = torch.randn(4)
func = lambda t: torch.stack([t.sum(), (t ** 2).sum(), t.prod()])  # noqa: E731
out, vjp_val = vjp(func, inp, v)
Jf = jacobian(func, inp)
print('vjp = v^T J:', torch.allclose(vjp_val, v @ Jf), out.shape, Jf.shape)
inp.requires_grad_(True)
func(inp).backward(v)
print('backward(v) = v^T J:', torch.allclose(inp.grad, v @ Jf))
torch.set_default_dtype(torch.float32)
