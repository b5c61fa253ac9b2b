"""Plumbing that optimizer collections lean on, written the way such libraries write it: a base
class whose optimizers check their arguments before anything reads ``params``; a step that splits
the parameters by device and dtype with ``torch.utils._foreach_utils`` and clamps second moments
with ``_foreach_maximum_(xs, eps)`` (the number overload); a gradient-accumulation hook that
frees each gradient with ``del p.grad``; a wrapper optimizer that never runs
``Optimizer.__init__``, sets its own hook dictionaries and calls ``_patch_step_function()``;
and a distributed helper that falls back to one process when no process group exists."""
from collections import OrderedDict

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.optim import Optimizer
from torch.utils._foreach_utils import _group_tensors_by_device_and_dtype


def world_size():
    try:
        return dist.get_world_size()
    except ValueError:  # no default process group: one process
        return 1


class BaseOptimizer(Optimizer):
    @staticmethod
    def check_positive(value, name):
        if value < 0.0:
            raise ValueError(f"[-] {name} must be positive, got {value}")


class ClampedAdam(BaseOptimizer):
    """Adam whose second moment is floored at ``eps ** 2`` (Adafactor-style), on foreach ops."""

    def __init__(self, params, lr=1e-2, betas=(0.9, 0.99), eps=1e-3, weight_decay=0.0):
        self.check_positive(lr, "lr")
        self.check_positive(eps, "eps")
        self.check_positive(weight_decay, "weight_decay")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                if not self.state[p]:
                    self.state[p]["step"] = torch.tensor(0.0)
                    self.state[p]["m"] = torch.zeros_like(p)
                    self.state[p]["v"] = torch.zeros_like(p)
            grads = [p.grad for p in params]
            ms = [self.state[p]["m"] for p in params]
            vs = [self.state[p]["v"] for p in params]
            groups = _group_tensors_by_device_and_dtype([params, grads, ms, vs], with_indices=True)
            b1, b2 = group["betas"]
            for (device, dtype), ((ps, gs, m, v), idx) in groups.items():
                print(f"  group {device.type} {dtype} holds {len(ps)} tensors at {idx}")
                step = self.state[ps[0]]["step"].add_(1).item()
                torch._foreach_lerp_(m, gs, 1 - b1)
                torch._foreach_mul_(v, b2)
                torch._foreach_addcmul_(v, gs, gs, value=1 - b2)
                denom = torch._foreach_maximum(v, group["eps"] ** 2)
                torch._foreach_sqrt_(denom)
                if group["weight_decay"]:
                    torch._foreach_mul_(ps, 1 - group["lr"] * group["weight_decay"])
                lr = group["lr"] * (1 - b2 ** step) ** 0.5 / (1 - b1 ** step)
                torch._foreach_addcdiv_(ps, m, denom, value=-lr)
                for p in ps[1:]:
                    self.state[p]["step"].add_(1)
        return loss


class StepWatcher(Optimizer):
    """A wrapper in the library style: it delegates to an inner optimizer and runs PyTorch's
    step hooks without calling ``Optimizer.__init__``."""

    def __init__(self, optimizer, every=2):
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._patch_step_function()
        self.optimizer = optimizer
        self.defaults = optimizer.defaults
        self.every = every
        self.calls = 0

    @property
    def param_groups(self):
        return self.optimizer.param_groups

    @property
    def state(self):
        return self.optimizer.state

    def state_dict(self):
        return self.optimizer.state_dict()

    def load_state_dict(self, state_dict):
        self.optimizer.load_state_dict(state_dict)

    def zero_grad(self, set_to_none=True):
        self.optimizer.zero_grad(set_to_none)

    def step(self, closure=None):
        self.calls += 1
        return self.optimizer.step(closure)


torch.manual_seed(0)
print("world size:", world_size())
for bad in (dict(eps=-1.0), dict(lr=-0.5), dict(weight_decay=-1e-2)):
    try:
        ClampedAdam(None, **bad)
    except ValueError as e:
        print("rejected:", e)
    try:
        torch.optim.AdamW(None, **bad)
    except ValueError as e:
        print("torch.optim rejected:", e)

model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 2))
model[2].double()  # a float64 head: two dtype groups
x = torch.randn(24, 5)
y = torch.randn(24, 2, dtype=torch.float64)

opt = StepWatcher(ClampedAdam(model.parameters(), lr=2e-2, weight_decay=1e-2))
log = []
opt.register_step_pre_hook(lambda o, a, k: log.append("pre"))
opt.register_step_post_hook(lambda o, a, k: log.append("post"))

accum = {p: torch.zeros_like(p) for p in model.parameters()}


def accumulate(p):
    accum[p].add_(p.grad)
    del p.grad  # the gradient lives in the buffer now


handles = [p.register_post_accumulate_grad_hook(accumulate) for p in model.parameters()]
for it in range(6):
    for half in (slice(0, 12), slice(12, 24)):
        out = model[2](model[1](model[0](x[half])).double())
        loss = ((out - y[half]) ** 2).mean()
        loss.backward()
    print(f"iter {it} loss {loss.item():.6f} grads freed: {all(p.grad is None for p in model.parameters())}")
    for p in model.parameters():
        p.grad = accum[p] / 2
        accum[p] = torch.zeros_like(p)
    opt.step()
    opt.zero_grad()
for h in handles:
    h.remove()
print("hooks ran:", log.count("pre"), log.count("post"), "wrapper steps:", opt.calls)

sd = opt.state_dict()
steps = sorted({round(s["step"].item()) for s in sd["state"].values()})
print("state entries:", len(sd["state"]), "steps:", steps)
fresh = StepWatcher(ClampedAdam(model.parameters(), lr=2e-2, weight_decay=1e-2))
fresh.load_state_dict(sd)
norms = [f"{p.norm().item():.6f}" for p in model.parameters()]
print("param norms:", " ".join(norms))
print("moment sums:", " ".join(f"{s['v'].sum().item():.6e}" for s in fresh.state.values()))
