""""A gentle introduction to torch.autograd" and the autograd-mechanics notes as users replay
them: Q = 3a^3 - b^2 with an external gradient, checking 9a^2 == a.grad, the DAG through
grad_fn.next_functions, requires_grad propagation, freezing a pretrained-style backbone with
requires_grad_(False) and replacing the head, an optimizer over the head only, retain_grad on an
intermediate, register_hook that scales a gradient, torch.no_grad as a decorator,
set_grad_enabled(False), autograd.grad with allow_unused and materialize_grads, and
vector-Jacobian products with backward(v)."""
import torch
from torch import nn, optim

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
print(9 * a ** 2 == a.grad)
print(-2 * b == b.grad)
print(Q.grad_fn.name(), [(type(f).__name__, i) for f, i in Q.grad_fn.next_functions])
print([(f.name() if f is not None else None, i)
       for f, i in Q.grad_fn.next_functions[0][0].next_functions])

x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)
a2 = x + y
print(f"Does `a` require gradients?: {a2.requires_grad}")
b2 = x + z
print(f"Does `b` require gradients?: {b2.requires_grad}")

torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                      nn.Flatten(), nn.Linear(8, 1000))
for param in model.parameters():
    param.requires_grad = False
model[5] = nn.Linear(8, 10)
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
print([n for n, p in model.named_parameters() if p.requires_grad])
data = torch.rand(4, 3, 16, 16)
labels = torch.rand(4, 10)
prediction = model(data)
loss = (prediction - labels).sum()
loss.backward()
optimizer.step()
print(model[0].weight.grad, model[5].weight.grad.shape, f"{loss.item():.5f}")
print(model[5].weight[0, :3])

x = torch.ones(2, 2, requires_grad=True)
h = x * 3
h.retain_grad()
h.register_hook(lambda g: g * 10)
out = (h * h).mean()
out.backward()
print(h.grad, x.grad, h.is_leaf, x.is_leaf, out.grad_fn.name())


@torch.no_grad()
def doubler(t):
    return t * 2


print(doubler(x).requires_grad)
with torch.set_grad_enabled(False):
    print((x * 2).requires_grad)
torch.set_grad_enabled(True)
print((x * 2).requires_grad, torch.is_grad_enabled())

u = torch.randn(3, requires_grad=True)
w = torch.randn(3, requires_grad=True)
out = (u ** 2).sum()
gu, gw = torch.autograd.grad(out, (u, w), allow_unused=True, retain_graph=True)
print(gu, gw)
gu, gw = torch.autograd.grad(out, (u, w), allow_unused=True, materialize_grads=True)
print(gw)

x = torch.randn(3, requires_grad=True)
y = x * 2
while y.data.norm() < 1000:
    y = y * 2
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)
print(y.shape, x.grad)
try:
    y.backward(v)
except RuntimeError as e:
    print("RuntimeError", "second time" in str(e))
