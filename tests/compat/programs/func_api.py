"""torch.func and torch.autograd.functional: vmap, grad, jacrev, hessian, functional_call."""
import torch
from torch.autograd.functional import hessian, jacobian
from torch.func import functional_call, grad, jacrev, vmap

torch.manual_seed(0)
model = torch.nn.Linear(3, 2)
params = dict(model.named_parameters())
x = torch.randn(5, 3)


def loss_fn(p, xi):
    out = functional_call(model, p, (xi,))
    return (out ** 2).sum()


per_sample = vmap(grad(loss_fn), in_dims=(None, 0))(params, x)
print({k: tuple(v.shape) for k, v in per_sample.items()})
print(per_sample["weight"][0])


def f(v):
    return (v.sin() * v.cos()).sum() + (v ** 3).prod()


v = torch.tensor([0.3, -0.7, 1.1])
print(jacrev(lambda v: v.exp() * v)(v))
print(hessian(f, v))
print(jacobian(lambda a, b: a * b + b, (v, v * 2)))
print(vmap(torch.dot)(torch.randn(4, 3), torch.randn(4, 3)))
g = torch.autograd.grad(f(v.requires_grad_()), v, create_graph=True)[0]
print(torch.autograd.grad(g.sum(), v)[0])
