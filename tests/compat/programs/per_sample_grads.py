"""Per-sample gradients and friends with torch.func as in the official tutorial and DP-SGD code:
functional_call over detached params, vmap(grad(loss), in_dims=(None, 0, 0)), comparison with a
loop of autograd.grad, per-sample clipping and noise (DP-SGD step), jacrev/jacfwd/hessian,
vmap over a batch of Jacobian-vector products with jvp/vjp, and ensembles with
stack_module_state."""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import (
    functional_call,
    grad,
    grad_and_value,
    hessian,
    jacfwd,
    jacrev,
    jvp,
    stack_module_state,
    vjp,
    vmap,
)

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
x = torch.randn(8, 6)
y = torch.randint(0, 3, (8,))
params = {k: v.detach() for k, v in model.named_parameters()}
buffers = {k: v.detach() for k, v in model.named_buffers()}


def loss_one(params, buffers, xi, yi):
    out = functional_call(model, (params, buffers), (xi.unsqueeze(0),))
    return F.cross_entropy(out, yi.unsqueeze(0))


per_sample = vmap(grad(loss_one), in_dims=(None, None, 0, 0))(params, buffers, x, y)
print({k: tuple(v.shape) for k, v in per_sample.items()})
loop = [torch.autograd.grad(F.cross_entropy(model(x[i:i + 1]), y[i:i + 1]),
                            list(model.parameters())) for i in range(8)]
print(all(torch.allclose(per_sample[k], torch.stack([g[j] for g in loop]), atol=1e-6)
          for j, k in enumerate(params)))
print(per_sample["2.bias"][:3])

# a DP-SGD step: clip each sample's gradient to norm C, sum, add noise, average
C, sigma = 0.5, 0.8
norms = torch.stack([g.flatten(1).norm(dim=1) for g in per_sample.values()], 1).norm(dim=1)
factor = (C / (norms + 1e-6)).clamp(max=1.0)
print("norms", norms, factor)
with torch.no_grad():
    for (k, g), p in zip(per_sample.items(), model.parameters()):
        clipped = (g * factor.view(-1, *[1] * (g.dim() - 1))).sum(0)
        noisy = (clipped + sigma * C * torch.randn_like(clipped)) / len(x)
        p -= 0.1 * noisy
print(F.cross_entropy(model(x), y).item())

gv = grad_and_value(lambda w: (w ** 3).sum())(torch.tensor([1.0, 2.0]))
print(gv)
f = lambda v: torch.stack([v[0] * v[1], v[1].sin(), v.exp().sum()])  # noqa: E731
v0 = torch.tensor([0.5, -1.0])
print(jacrev(f)(v0), jacfwd(f)(v0))
print(hessian(lambda v: (v ** 2).prod() + v.sum() ** 3)(v0))
out, tangent = jvp(f, (v0,), (torch.tensor([1.0, 0.0]),))
print(out, tangent)
out, back = vjp(f, v0)
print(back(torch.ones(3)))
batch = torch.randn(5, 2)
print(vmap(jacrev(f))(batch).shape, vmap(lambda b: f(b).sum())(batch))
print(vmap(torch.dot)(batch, batch), vmap(torch.outer, in_dims=(0, None))(batch, v0).shape)

models = [nn.Linear(3, 2) for _ in range(4)]
ens_params, ens_buffers = stack_module_state(models)
base = copy.deepcopy(models[0])  # (the tutorial moves it to "meta")


def call(p, b, xx):
    return functional_call(base, (p, b), (xx,))


xs = torch.randn(6, 3)
ens = vmap(call, in_dims=(0, 0, None))(ens_params, ens_buffers, xs)
print(ens.shape, torch.allclose(ens[2], models[2](xs)))
print(vmap(call, in_dims=(0, 0, 0))(ens_params, ens_buffers, torch.randn(4, 6, 3)).shape)
