"""Pruning beyond the basics of the tutorial: a custom prune.BasePruningMethod subclass
(FooBarPruningMethod, every other entry, PRUNING_TYPE="unstructured") applied with its apply
classmethod and a functional wrapper, prune.identity, iterative pruning composing masks in a
PruningContainer, global_unstructured over several modules with L1Unstructured, prune.is_pruned,
sparsity per layer, random_structured on a Linear, a state_dict holding weight_orig/weight_mask,
prune.remove making it permanent, and fine-tuning with the masks in place."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import prune


class FooBarPruningMethod(prune.BasePruningMethod):
    """Prune every other entry in a tensor"""
    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        mask = default_mask.clone()
        mask.view(-1)[::2] = 0
        return mask


def foobar_unstructured(module, name):
    FooBarPruningMethod.apply(module, name)
    return module


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 3))
foobar_unstructured(model[0], name="bias")
print(model[0].bias_mask, model[0].bias)
print(prune.is_pruned(model), prune.is_pruned(model[2]))
prune.identity(model[2], "bias")
print(model[2].bias_mask, [n for n, _ in model[2].named_buffers()])
prune.l1_unstructured(model[0], "weight", amount=0.25)
prune.l1_unstructured(model[0], "weight", amount=0.25)
hook = [h for h in model[0]._forward_pre_hooks.values() if h._tensor_name == "weight"][0]
print(type(hook).__name__, [type(m).__name__ for m in hook._pruning_methods],
      int(model[0].weight_mask.sum()))
prune.random_structured(model[4], "weight", amount=1, dim=1)
print(model[4].weight_mask.sum(0))

parameters_to_prune = ((model[2], "weight"), (model[4], "bias"))
prune.global_unstructured(parameters_to_prune, pruning_method=prune.L1Unstructured, amount=5)
for name, mod in model.named_modules():
    if isinstance(mod, nn.Linear):
        zeros = float(torch.sum(mod.weight == 0))
        print(name, f"{100.0 * zeros / mod.weight.nelement():.2f}%",
              int(torch.sum(mod.bias == 0)))
print(list(model.state_dict().keys()))

x = torch.randn(32, 8)
y = torch.randint(0, 3, (32,))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(10):
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        print(step, f"{loss.item():.6f}", int((model[0].weight == 0).sum()))
print((model[0].weight_orig.grad * (1 - model[0].weight_mask)).abs().sum())
for mod, name in ((model[0], "weight"), (model[0], "bias"), (model[2], "weight"),
                  (model[2], "bias"), (model[4], "weight"), (model[4], "bias")):
    prune.remove(mod, name)
print(prune.is_pruned(model), list(model.state_dict().keys()))
print(model[0].weight)
