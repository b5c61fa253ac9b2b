"""Writing an optimizer the way PyTorch's docs show: subclass torch.optim.Optimizer with
defaults, @torch.no_grad() step(closure=None) with torch.enable_grad() around the closure,
per-parameter self.state, add_param_group, state_dict/load_state_dict round trip, zero_grad,
hooks (register_step_post_hook), and a Lookahead wrapper around another optimizer."""
import torch
import torch.nn as nn
from torch.optim import Optimizer

torch.manual_seed(14)


class MomentumSGD(Optimizer):
    def __init__(self, params, lr=1e-2, momentum=0.9, weight_decay=0.0, nesterov=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        defaults = dict(lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=nesterov)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                d_p = p.grad
                if group["weight_decay"] != 0:
                    d_p = d_p.add(p, alpha=group["weight_decay"])
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["momentum_buffer"] = torch.clone(d_p).detach()
                else:
                    state["momentum_buffer"].mul_(group["momentum"]).add_(d_p)
                state["step"] += 1
                buf = state["momentum_buffer"]
                d_p = d_p.add(buf, alpha=group["momentum"]) if group["nesterov"] else buf
                p.add_(d_p, alpha=-group["lr"])
        return loss


class Lookahead:
    def __init__(self, base, k=3, alpha=0.5):
        self.base, self.k, self.alpha = base, k, alpha
        self.param_groups = base.param_groups
        self._counter = 0
        self.slow = [[p.detach().clone() for p in g["params"]] for g in self.param_groups]

    def zero_grad(self, set_to_none=True):
        self.base.zero_grad(set_to_none)

    def step(self, closure=None):
        loss = self.base.step(closure)
        self._counter += 1
        if self._counter % self.k == 0:
            with torch.no_grad():
                for group, slows in zip(self.param_groups, self.slow):
                    for p, s in zip(group["params"], slows):
                        s.add_(p - s, alpha=self.alpha)
                        p.copy_(s)
        return loss


model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1))
opt = MomentumSGD(model[0].parameters(), lr=0.05, nesterov=True, weight_decay=1e-3)
opt.add_param_group({"params": model[2].parameters(), "lr": 0.01, "momentum": 0.5})
print(opt)
calls = []
opt.register_step_post_hook(lambda o, args, kwargs: calls.append(len(o.state)))
X, Y = torch.randn(32, 5), torch.randn(32, 1)


def closure():
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(X), Y)
    loss.backward()
    return loss


for i in range(5):
    loss = opt.step(closure)
    print(i, round(loss.item(), 6), calls[-1])
sd = opt.state_dict()
print(sorted(sd), sd["param_groups"][1], sorted(sd["state"][0]), sd["state"][0]["step"])
opt2 = MomentumSGD(model[0].parameters(), lr=0.05)
opt2.add_param_group({"params": model[2].parameters(), "lr": 0.01, "momentum": 0.5})
opt2.load_state_dict(sd)
print(opt2.param_groups[0]["nesterov"], torch.equal(opt2.state[model[0].weight]["momentum_buffer"], opt.state[model[0].weight]["momentum_buffer"]))
try:
    MomentumSGD(model.parameters(), lr=-1)
except ValueError as e:
    print("ValueError", e)
la = Lookahead(torch.optim.Adam(model.parameters(), lr=1e-2), k=2)
for i in range(4):
    la.zero_grad()
    loss = nn.functional.mse_loss(model(X), Y)
    loss.backward()
    la.step()
    print("lookahead", i, round(loss.item(), 6))
print(model[2].weight, [type(g["params"]).__name__ for g in opt.param_groups], opt.defaults)
