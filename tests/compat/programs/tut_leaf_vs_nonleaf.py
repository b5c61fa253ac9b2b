# compat: exact
"""The "understanding requires_grad, retain_grad, leaf and non-leaf tensors" tutorial: a small
linear model's tensors classified as leaf/non-leaf and requires_grad or not, .grad of non-leaf
tensors being None unless retain_grad() was called, retains_grad, the warning-free way to read
intermediate gradients, and what detach/no_grad do to the flags."""
import warnings

import torch
import torch.nn.functional as F

torch.manual_seed(42)
x = torch.ones(1, 3)
W = torch.ones(3, 2, requires_grad=True)
b = torch.ones(1, 2, requires_grad=True)
y = torch.ones(1, 2)
z = (x @ W) + b
y_pred = F.relu(z)
loss = F.mse_loss(y_pred, y)
tensors = [x, W, b, z, y_pred, loss]
names = ["x", "W", "b", "z", "y_pred", "loss"]
for name, t in zip(names, tensors):
    print(f"{name:7s} requires_grad={t.requires_grad!s:5s} is_leaf={t.is_leaf!s:5s} "
          f"retains_grad={t.retains_grad}")

z.retain_grad()
y_pred.retain_grad()
loss.retain_grad()
print("retains after retain_grad", z.retains_grad, y_pred.retains_grad, W.retains_grad)
loss.backward()
for name, t in zip(names, tensors):
    print(f"{name:7s} grad={t.grad}")

x2 = torch.ones(1, 3)
z2 = (x2 @ W) + b
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    g = z2.grad
print("non-leaf grad without retain_grad:", g, "warned:", len(caught) > 0)

W.grad = None
b.grad = None
z = (x @ W) + b
z.retain_grad()
loss = F.mse_loss(F.relu(z), y)
loss.backward(retain_graph=True)
print("first", z.grad, W.grad)
loss.backward()
print("second (accumulated)", z.grad, W.grad)

d = z.detach()
print("detach:", d.requires_grad, d.is_leaf, d.grad_fn)
with torch.no_grad():
    n = x @ W
print("no_grad:", n.requires_grad, n.is_leaf)
leaf = torch.tensor([1.0, 2.0]).requires_grad_()
print("requires_grad_ leaf:", leaf.is_leaf, leaf.grad_fn)
try:
    z.requires_grad_(False)
except RuntimeError as e:
    print("non-leaf requires_grad_(False):", type(e).__name__)
