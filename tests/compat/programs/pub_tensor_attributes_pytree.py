"""Probabilistic-programming libraries (Pyro) lean on parts of PyTorch beyond the tensor ops:
they tag tensors with their own attributes (``value._custom_init = False``), tell parameters
apart by ``_cdata``, check dotted names against ``torch.__name__``, filter
``torch.jit.TracerWarning`` and walk nested results with ``torch.utils._pytree`` (a tensor
subclass whose ``__torch_function__`` rebuilds tuples, shapes and named results leaf by leaf).
A tiny mean-field Gaussian fit with such a tagged, tracked parameter prints the same numbers."""
import warnings

import torch
import torch.jit
from torch.utils._pytree import tree_flatten, tree_map, tree_unflatten

torch.manual_seed(0)
print("package", torch.__name__, "torch.distributions.Normal".split(".")[0] == torch.__name__)

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
    rows = list(torch.arange(6.0).reshape(3, 2))
print("rows", len(rows), [r.tolist() for r in rows])


class Tagged(torch.Tensor):
    """Carries a set of labels through every op, as Pyro's provenance tensors do."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        labels = set()

        def strip(x):
            if isinstance(x, Tagged):
                labels.update(x.labels)
                return x.as_subclass(torch.Tensor)
            return x

        plain_args, plain_kwargs = tree_map(strip, (list(args), dict(kwargs or {})))
        out = func(*plain_args, **plain_kwargs)

        def tag(x):
            if isinstance(x, torch.Tensor) and not isinstance(x, Tagged):
                x = x.as_subclass(Tagged)
                x.labels = frozenset(labels)
            return x

        return tree_map(tag, out)


def tagged(t, label):
    t = t.as_subclass(Tagged)
    t.labels = frozenset([label])
    return t


a, b = tagged(torch.randn(3, 4), "a"), tagged(torch.randn(4), "b")
c = a * b + torch.ones(4)
print("labels", sorted(c.labels), type(c).__name__, c.shape, sorted(a.sum(1).labels))
best = c.max(1)
print("max", type(best).__name__, sorted(best.values.labels), best.indices.tolist())
print("shape", type(c.shape).__name__, tuple(c.shape))

leaves, spec = tree_flatten({"w": [torch.ones(2), (3, None)], "b": torch.zeros(1)})
print("leaves", len(leaves), spec.num_leaves, [type(x).__name__ for x in leaves])
doubled = tree_unflatten([x * 2 if isinstance(x, torch.Tensor) else x for x in leaves], spec)
print("rebuilt", doubled["w"][0].tolist(), doubled["w"][1], doubled["b"].tolist())

# a mean-field fit of N(mu, sigma) to data, the parameters tagged and found again by _cdata
data = 2.0 + 0.5 * torch.randn(200)
loc = torch.zeros((), requires_grad=True)
log_scale = torch.zeros((), requires_grad=True)
loc._custom_init, log_scale._custom_init = False, True
store = {"loc": loc, "log_scale": log_scale}
print("tags", [(k, v._custom_init, v.__dict__) for k, v in store.items()])
print("same tensor", store["loc"]._cdata == loc._cdata, loc.detach()._cdata == loc._cdata)
opt = torch.optim.Adam(list(store.values()), lr=0.05)
for step in range(60):
    eps = torch.randn(16)
    q = torch.distributions.Normal(loc, log_scale.exp())
    z = loc + log_scale.exp() * eps
    prior = torch.distributions.Normal(0.0, 10.0)
    lik = torch.distributions.Normal(z.unsqueeze(-1), 0.5).log_prob(data).sum(-1)
    elbo = (lik + prior.log_prob(z) - q.log_prob(z)).mean()
    opt.zero_grad()
    (-elbo).backward()
    opt.step()
    if step % 20 == 0 or step == 59:
        print(f"step {step} elbo {elbo.item():.3f} loc {loc.item():.4f} scale {log_scale.exp().item():.4f}")
