"""torch.func on per-example quantities as in the functorch tutorials: functional_call with
detached params, vmap(grad(...)) per-example gradients and their norms, per-example losses with
vmap over a model, the empirical neural tangent kernel from vmap(jacrev(...)) contracted with
einsum, vmap with in_dims/out_dims and randomness='different', jacfwd vs jacrev, hessian of the
loss w.r.t. the input, and grad_and_value with has_aux."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad, grad_and_value, hessian, jacfwd, jacrev, vmap

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 2))
params = {k: v.detach() for k, v in model.named_parameters()}
x = torch.randn(6, 3)
y = torch.randint(0, 2, (6,))


def loss_one(p, xi, yi):
    out = functional_call(model, p, (xi.unsqueeze(0),))
    return F.cross_entropy(out, yi.unsqueeze(0))


per_grads = vmap(grad(loss_one), in_dims=(None, 0, 0))(params, x, y)
print({k: tuple(v.shape) for k, v in per_grads.items()})
norms = torch.stack([g.flatten(1).norm(dim=1) for g in per_grads.values()]).norm(dim=0)
print("per-example grad norms", norms)
mean_grad = torch.autograd.grad(F.cross_entropy(model(x), y), list(model.parameters()))
print("mean matches", all(torch.allclose(pg.mean(0), g, atol=1e-6)
                          for pg, g in zip(per_grads.values(), mean_grad)))
losses = vmap(loss_one, in_dims=(None, 0, 0))(params, x, y)
print("per-example losses", losses)
gv, (lv, aux) = grad_and_value(lambda p: (loss_one(p, x[0], y[0]), {"n": torch.tensor(7)}),
                               has_aux=True)(params)
print("grad_and_value", torch.allclose(lv, losses[0]), aux["n"].item(), gv["2.bias"])


def f_single(p, xi):
    return functional_call(model, p, (xi.unsqueeze(0),)).squeeze(0)


def ntk(x1, x2):
    j1 = vmap(jacrev(f_single), (None, 0))(params, x1)
    j2 = vmap(jacrev(f_single), (None, 0))(params, x2)
    j1 = [j.flatten(2) for j in j1.values()]
    j2 = [j.flatten(2) for j in j2.values()]
    return sum(torch.einsum("Naf,Mbf->NMab", a, b) for a, b in zip(j1, j2))


K = ntk(x[:4], x[:3])
print("ntk", K.shape, K[0, 0])
Ktr = torch.einsum("NMaa->NM", ntk(x[:4], x[:4]))
print("ntk trace psd", torch.allclose(Ktr, Ktr.T, atol=1e-5),
      bool((torch.linalg.eigvalsh(Ktr) > -1e-4).all()))


def f_in(xi):
    return model(xi)


Jf = jacfwd(f_in)(x[0])
Jr = jacrev(f_in)(x[0])
print("jacfwd==jacrev", torch.allclose(Jf, Jr, atol=1e-6), Jf.shape)
Hx = hessian(lambda xi: F.cross_entropy(model(xi.unsqueeze(0)), y[:1]))(x[0])
print("input hessian", Hx.shape, torch.allclose(Hx, Hx.T, atol=1e-6))
batched = vmap(lambda a, b: a @ b, in_dims=(0, None), out_dims=1)(torch.randn(4, 2, 3),
                                                                   torch.randn(3))
print("out_dims", batched.shape)
drop = vmap(lambda t: F.dropout(t, 0.5), randomness="different")(torch.ones(3, 1000))
print("randomness different", drop.shape, not torch.equal(drop[0], drop[1]))
