"""torch.autograd.functional on a small network's loss as a function of a flat parameter vector:
jacobian (vectorize=True too), hessian, vjp, jvp, hvp, vhp, a Hessian-vector product by double
backward (Pearlmutter), the power method for the top Hessian eigenvalue, a Gauss-Newton product,
and torch.linalg.eigvalsh of the full Hessian for comparison."""
import torch
import torch.nn as nn
from torch.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp
from torch.nn.utils import parameters_to_vector, vector_to_parameters

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
X = torch.randn(16, 3)
y = torch.randn(16, 1)
shapes = [p.shape for p in net.parameters()]
theta0 = parameters_to_vector(net.parameters()).detach()
print("n params", theta0.numel())


def unflatten(theta):
    out, i = [], 0
    for s in shapes:
        n = s.numel()
        out.append(theta[i:i + n].view(s))
        i += n
    return out


def outputs(theta):
    w1, b1, w2, b2 = unflatten(theta)
    return torch.tanh(X @ w1.T + b1) @ w2.T + b2


def loss_fn(theta):
    return ((outputs(theta) - y) ** 2).mean()


print("loss", round(loss_fn(theta0).item(), 6))
J = jacobian(outputs, theta0)
Jv = jacobian(outputs, theta0, vectorize=True)
print("jacobian", tuple(J.shape), torch.allclose(J, Jv), round(J.abs().sum().item(), 5))
H = hessian(loss_fn, theta0)
print("hessian", tuple(H.shape), torch.allclose(H, H.T), round(H.trace().item(), 6))
v = torch.randn_like(theta0)
_, hv = hvp(loss_fn, theta0, v)
_, vh = vhp(loss_fn, theta0, v)
print("hvp", torch.allclose(hv, H @ v), torch.allclose(vh, v @ H), hv[:4])
u = torch.randn(16, 1)
out, vj = vjp(outputs, theta0, u)
print("vjp", torch.allclose(vj, J.reshape(16, -1).T @ u.reshape(-1)), vj[:3])
out, jv = jvp(outputs, theta0, v)
print("jvp", torch.allclose(jv.reshape(-1), J.reshape(16, -1) @ v), jv[:3, 0])

# Pearlmutter's trick on the module itself
loss = ((net(X) - y) ** 2).mean()
grads = torch.autograd.grad(loss, list(net.parameters()), create_graph=True)
vs = unflatten(v)
dot = sum((g * vv).sum() for g, vv in zip(grads, vs))
hv2 = torch.autograd.grad(dot, list(net.parameters()))
print("double backward", torch.allclose(torch.cat([h.reshape(-1) for h in hv2]), hv))

# power iteration for the top eigenvalue
q = torch.ones_like(theta0) / theta0.numel() ** 0.5
for _ in range(100):
    _, hq = hvp(loss_fn, theta0, q)
    lam = torch.dot(q, hq)
    q = hq / hq.norm()
eigs = torch.linalg.eigvalsh(H)
print("top eig", round(lam.item(), 5), round(eigs[-1].item(), 5), "min", round(eigs[0].item(), 5))

# Gauss-Newton vector product J^T J v / n for the mse loss
Jm = J.reshape(16, -1)
gn = 2 * Jm.T @ (Jm @ v) / 16
_, jv = jvp(outputs, theta0, v)
_, gn2 = vjp(outputs, theta0, 2 * jv / 16)
print("gauss-newton", torch.allclose(gn, gn2), round(gn.norm().item(), 5))

# a Newton step on the flat parameters (damped)
g = torch.autograd.functional.jacobian(loss_fn, theta0)
step = torch.linalg.solve(H + 0.1 * torch.eye(H.shape[0]), g)
theta1 = theta0 - step
vector_to_parameters(theta1, net.parameters())
print("newton", round(loss_fn(theta1).item(), 6), round(((net(X) - y) ** 2).mean().item(), 6))
# jacobian of a function with several inputs and outputs, create_graph
a = torch.randn(3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
Ja, Jb = jacobian(lambda a, b: a * b.exp(), (a, b), create_graph=True)
print("multi", Ja.diagonal(), Jb.diagonal().requires_grad)
(ha,) = torch.autograd.grad(Jb.trace(), a)
print("through jacobian", ha)
