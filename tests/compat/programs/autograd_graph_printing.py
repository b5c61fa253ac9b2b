"""Inspecting the autograd graph by printing: grad_fn names of every common op, next_functions
chains, AccumulateGrad leaves, is_leaf/requires_grad flags through detach and no_grad,
retain_grad on an intermediate, printing .grad of leaves and non-leaves (None), hooks that
print the gradient flowing through them, and torch.autograd.grad results."""
# compat: exact
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = torch.tensor(0.5, requires_grad=True)
h = x * w
h.retain_grad()
z = (h.exp() + h.pow(2)).sum()
print(type(z.grad_fn).__name__, z.grad_fn.name(), str(z.grad_fn).split(" object")[0])
print([type(f).__name__ if f is not None else None for f, _ in z.grad_fn.next_functions])
fn = h.grad_fn
print(fn.name(), [(type(f).__name__, i) for f, i in fn.next_functions])
print(fn.next_functions[0][0].variable is x if hasattr(fn.next_functions[0][0], "variable") else None)
ops = {
    "add": x + 1, "sub": x - w, "mul": x * 2, "div": x / w, "neg": -x, "pow": x ** 2,
    "matmul": x @ x, "mean": x.mean(), "sum": x.sum(), "view": x.view(3, 1), "t": x.view(1, 3).t(),
    "index": x[0], "slice": x[1:], "cat": torch.cat([x, x]), "stack": torch.stack([x, x]),
    "relu": x.relu(), "sigmoid": x.sigmoid(), "softmax": x.softmax(0), "log": x.log(),
    "max": x.max(), "clone": x.clone(), "expand": w.expand(3), "unsqueeze": x.unsqueeze(0),
    "norm": x.norm(), "abs": x.abs(), "where": torch.where(x > 1, x, w), "sqrt": x.sqrt(),
}
for name, t in ops.items():
    print(name, t.grad_fn.name(), t.requires_grad, t.is_leaf)
z.backward()
print(x.grad, w.grad, h.grad, h.is_leaf, h.retains_grad, x.retains_grad)
y = x * 3
print(y.grad if not y.is_leaf else "leaf")
x.grad = None
seen = []
q = x * 2
q.register_hook(lambda g: seen.append(g.clone()))
x.register_hook(lambda g: print("grad at x", g))
(q ** 2).sum().backward()
print(seen)
a = torch.tensor([2.0], requires_grad=True)
b = a ** 3
(g,) = torch.autograd.grad(b, a, create_graph=True)
print(g, g.grad_fn.name(), g.requires_grad)
(g2,) = torch.autograd.grad(g, a)
print(g2, g2.grad_fn)
d = x.detach()
print(d.requires_grad, d.grad_fn, d.is_leaf, x.detach().requires_grad_().is_leaf)
with torch.no_grad():
    n = x * 2
print(n.requires_grad, n.grad_fn, n.is_leaf)
with torch.enable_grad():
    print((x * 2).grad_fn.name())
print(torch.is_grad_enabled(), x.grad_fn, w.requires_grad, torch.tensor(1.0).requires_grad)
