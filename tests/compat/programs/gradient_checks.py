"""Autograd as tutorials show it: .grad after backward, retain_graph, autograd.grad with
create_graph (second derivative), tensor hooks, retain_grad, requires_grad_, detach, no_grad."""
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x ** 3).sum()
(g,) = torch.autograd.grad(y, x, create_graph=True)
print("dy/dx", g)
(g2,) = torch.autograd.grad(g.sum(), x)
print("d2y/dx2", g2)
w = torch.ones(3, requires_grad=True)
z = (w * x).sum()
z.backward(retain_graph=True)
z.backward()
print("accumulated", w.grad, x.grad)
seen = []
a = torch.tensor([2.0, -1.0], requires_grad=True)
b = a * 3
b.retain_grad()
b.register_hook(lambda grad: seen.append(grad.clone()))
c = (b ** 2).mean()
c.backward()
print("hooks", seen[0], b.grad, a.grad, b.is_leaf, a.is_leaf)
v = torch.randn(3).requires_grad_()
print(v.requires_grad, v.detach().requires_grad, (v * 2).grad_fn is not None)
with torch.no_grad():
    print((v * 2).requires_grad)
m = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
out = m.mm(m).trace()
out.backward()
print(m.grad)
jac = torch.autograd.functional.jacobian(lambda t: t.sin() * t, torch.tensor([0.5, 1.0]))
print(jac)
