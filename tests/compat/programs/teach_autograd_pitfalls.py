# compat: exact
"""Teaching notebook on autograd pitfalls: requires_grad_() on a leaf, gradients accumulating
across backward() calls until `x.grad.zero_()`, `x.grad = None`, backward on a non-scalar with
a gradient argument (`y.backward(torch.ones(len(x)))`, `y.sum().backward()`), detach() to cut the
graph (`u = y.detach(); z = u * x`), detach sharing storage so an in-place edit is visible,
the error for in-place modification of a leaf requiring grad, `.data` vs detach, control flow
through Python (d2l's `f(a)` with while/if), retain_graph, the .grad of a non-leaf warning
pattern with retain_grad(), and torch.no_grad() making requires_grad False."""
import torch

x = torch.arange(4.0)
print(x.requires_grad, x.grad)
x.requires_grad_(True)
print(x.requires_grad, x.grad, x.is_leaf)
y = 2 * torch.dot(x, x)
print(y, y.grad_fn.__class__.__name__)
y.backward()
print(x.grad, x.grad == 4 * x)
y = x.sum()
y.backward()
print(x.grad)
x.grad.zero_()
y = x.sum()
y.backward()
print(x.grad)
x.grad = None
y = x * x
y.backward(gradient=torch.ones(len(y)))
print(x.grad)
x.grad.zero_()
y = x * x
y.sum().backward()
print(x.grad)
try:
    (x * x).backward()
except RuntimeError as e:
    print('RuntimeError raised:', type(e).__name__)

x.grad.zero_()
y = x * x
u = y.detach()
z = u * x
z.sum().backward()
print(x.grad == u, u.requires_grad, u.grad_fn)
x.grad.zero_()
y.sum().backward()
print(x.grad == 2 * x)

d = x.detach()
d[0] = 10.0
print(x, d.data_ptr() == x.data_ptr())
d[0] = 0.0
try:
    x[0] = 5.0
except RuntimeError as e:
    print('in-place on a leaf raises', type(e).__name__)
with torch.no_grad():
    x[0] = 0.0
    w = x * 2
print(w.requires_grad, x.requires_grad, torch.is_grad_enabled())
x.data[1] = 1.0
print(x, x.requires_grad)


def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


a = torch.randn(size=(), requires_grad=True) if False else torch.tensor(0.37, requires_grad=True)
d = f(a)
d.backward()
print(a.grad == d / a, a.grad)

x = torch.tensor([1.0, 2.0], requires_grad=True)
h = x ** 2
h.retain_grad()
out = (h * 3).sum()
out.backward(retain_graph=True)
print(h.grad, x.grad, h.is_leaf, h.requires_grad)
out.backward()
print(x.grad)
try:
    out.backward()
except RuntimeError as e:
    print('second backward fails:', type(e).__name__)
g = x * 1
print(g.grad_fn is not None, g.detach().grad_fn, g.detach().requires_grad)
x2 = torch.ones(3)
x2.requires_grad = True
print(x2, torch.ones(2, requires_grad=True) * 2)
try:
    torch.arange(3).requires_grad_()
except RuntimeError as e:
    print('int requires_grad raises', type(e).__name__)
