# compat: exact
"""Teaching notebook on gradients and in-place updates: the manual training loop's three ways
to reset (`w.grad.zero_()`, `w.grad.data.zero_()`, `w.grad = None`) and what `.grad` holds after
each, accumulation over mini-batches as a deliberate trick, optimizer.zero_grad(set_to_none=
False/True), `with torch.no_grad(): w -= lr * w.grad` against `w.data -= ...`, the in-place
version counter (`x._version`) and the error when a tensor saved for backward is modified
in place, `Tensor.apply_`/`map_` applying Python callables per element to detached tensors
(refused on one that requires grad), and `torch.set_grad_enabled` as a function and a
context manager."""
import torch

torch.manual_seed(0)
X = torch.randn(8, 3)
y = X @ torch.tensor([1.0, -2.0, 0.5]) + 0.1
w = torch.zeros(3, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.1
for epoch in range(3):
    loss = ((X @ w + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    print(f'epoch {epoch}: loss {loss.item():.4f} grad norm {w.grad.norm().item():.4f}')
    if epoch == 0:
        w.grad.zero_()
        b.grad.zero_()
    elif epoch == 1:
        w.grad.data.zero_()
        b.grad = None
    else:
        w.grad = None
        b.grad = None
    print(w.grad, b.grad)

w2 = torch.zeros(3, requires_grad=True)
for epoch in range(2):
    loss = ((X @ w2 - y) ** 2).mean()
    loss.backward()
    print('accumulated', w2.grad)
w2.grad = None
for chunk in X.split(4):
    ((chunk @ w2) ** 2).sum().backward()
full = torch.zeros(3, requires_grad=True)
((X @ full) ** 2).sum().backward()
print(torch.allclose(w2.grad, full.grad))

model = torch.nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
model(X).sum().backward()
opt.zero_grad(set_to_none=False)
print(model.weight.grad, model.bias.grad)
model(X).sum().backward()
opt.zero_grad()
print(model.weight.grad, model.bias.grad)

v = torch.ones(3, requires_grad=True)
v.data -= 0.5
print(v, v.requires_grad, v.is_leaf, v.grad_fn)
with torch.no_grad():
    v.mul_(2)
print(v, v.is_leaf)

x = torch.ones(3)
print(x._version)
x.add_(1)
x[0] = 5
x.mul_(2)
print(x._version, x)
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
s = a.sigmoid()
s_version = s._version
s.mul_(1)
print(s._version > s_version)
try:
    s.sum().backward()
except RuntimeError as e:
    print('RuntimeError:', 'modified by an inplace operation' in str(e))
e = a * 3
e2 = e * 2
e.add_(1)
e2.sum().backward()
print(a.grad)

t = torch.arange(6.0).reshape(2, 3)
print(t.apply_(lambda v: v * v if v > 2 else -v))
counts = torch.tensor([1, 2, 3])
print(counts.apply_(lambda v: v * 10 + 1), counts.dtype)
print(t.map_(torch.tensor([1.0, 2.0, 3.0]), lambda p, q: p + q))
print(t[:, 0].apply_(lambda v: 0.0), t)
param = torch.ones(2, requires_grad=True)
try:
    param.apply_(lambda v: v + 1)
except RuntimeError as err:
    print('apply_ on a tensor that requires grad:', type(err).__name__)
print(param.detach().apply_(lambda v: v + 1), param)

torch.set_grad_enabled(False)
z = param * 2
print(z.requires_grad, torch.is_grad_enabled())
torch.set_grad_enabled(True)
with torch.set_grad_enabled(False):
    print((param * 2).requires_grad)
print((param * 2).requires_grad)
is_train = False
with torch.set_grad_enabled(is_train):
    out = model(X)
print(out.requires_grad, out.shape)
