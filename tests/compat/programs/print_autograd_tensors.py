"""Tensors as they print during training: requires_grad=True on leaves, grad_fn=<...> on results
of every kind of op, .grad after backward, detached copies, Parameters (and their .data),
tensors produced under no_grad, and the suffix for a non-default dtype together with grad_fn."""
# compat: exact
import torch
import torch.nn as nn

torch.manual_seed(0)
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
print(w)
print(w * 2, w + 1, w - 1, w / 2, -w, w ** 2)
print(w.sum(), w.mean(), w.exp(), w.sin(), w.relu(), w.sigmoid(), w.tanh())
print(w.view(3, 1), w.reshape(1, 3), w.unsqueeze(0), w[1:], w[0], w.t() if w.dim() == 2 else w.T)
print(torch.cat([w, w]), torch.stack([w, w]), w @ w, w.max(), w.clone(), w.abs())
y = (w ** 2).sum()
y.backward()
print(y, w.grad, w.grad.requires_grad, w.is_leaf, y.is_leaf)
print(w.detach(), w.data, y.detach().item())
with torch.no_grad():
    print(w * 3, (w * 3).requires_grad)
d = torch.ones(2, dtype=torch.float64, requires_grad=True)
print(d, d * 2, d.sum())
p = nn.Parameter(torch.tensor([0.5, -0.5]))
print(p)
print(p.data, p * 2, p.requires_grad)
print(nn.Parameter(torch.zeros(2, 2), requires_grad=False))
lin = nn.Linear(2, 1)
with torch.no_grad():
    lin.weight.fill_(0.25)
    lin.bias.zero_()
print(lin.weight, lin.bias)
print(lin(torch.ones(1, 2)))
z = torch.tensor(2.0, requires_grad=True)
print(z, z * z, torch.tensor(3.0) * z)
print(torch.randn(2, 2, requires_grad=True).mm(torch.eye(2)))
print(w.to(torch.float64), w.float(), w.double().half())
