"""A custom optimizer written the way torch.optim's own are: an AdaBelief-style Optimizer
subclass with defaults, __setstate__ defaults, @torch.no_grad() step(closure) that re-enables
grad for the closure, lazily initialised self.state with a tensor step, amsgrad and decoupled
weight decay options, add_param_group when a frozen layer is unfrozen mid-training, step
hooks, and a state_dict round trip into a fresh instance that continues identically."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class AdaBelief(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-16, weight_decay=0.0,
                 amsgrad=False, decoupled=True):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, decoupled=decoupled)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = torch.tensor(0.0)
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["exp_avg_var"] = torch.zeros_like(p)
                    if group["amsgrad"]:
                        state["max_exp_avg_var"] = torch.zeros_like(p)
                if group["weight_decay"] != 0:
                    if group["decoupled"]:
                        p.mul_(1.0 - group["lr"] * group["weight_decay"])
                    else:
                        grad = grad.add(p, alpha=group["weight_decay"])
                state["step"] += 1
                step = state["step"].item()
                exp_avg, exp_avg_var = state["exp_avg"], state["exp_avg_var"]
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                diff = grad - exp_avg
                exp_avg_var.mul_(beta2).addcmul_(diff, diff, value=1 - beta2)
                if group["amsgrad"]:
                    torch.max(state["max_exp_avg_var"], exp_avg_var,
                              out=state["max_exp_avg_var"])
                    var = state["max_exp_avg_var"]
                else:
                    var = exp_avg_var
                bc1, bc2 = 1 - beta1 ** step, 1 - beta2 ** step
                denom = (var.add(group["eps"]).sqrt() / bc2 ** 0.5).add_(group["eps"])
                p.addcdiv_(exp_avg, denom, value=-group["lr"] / bc1)
        return loss


torch.manual_seed(0)
X = torch.randn(128, 6)
y = (X[:, 0] * X[:, 1] > 0).long()
body = nn.Sequential(nn.Linear(6, 16), nn.ReLU())
head = nn.Linear(16, 2)
for p in body.parameters():
    p.requires_grad_(False)
opt = AdaBelief(head.parameters(), lr=1e-2, weight_decay=1e-2, amsgrad=True)
print(opt)
calls = []
opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))


def closure():
    opt.zero_grad()
    loss = F.cross_entropy(head(body(X)), y)
    loss.backward()
    return loss


for step in range(10):
    loss = opt.step(closure)
print(f"head only loss {loss.item():.5f} hooks {calls[:2]} {len(calls)}")
for p in body.parameters():
    p.requires_grad_(True)
opt.add_param_group({"params": body.parameters(), "lr": 3e-3, "amsgrad": False})
print("groups", len(opt.param_groups), [g["lr"] for g in opt.param_groups],
      [g["amsgrad"] for g in opt.param_groups])
for step in range(10):
    loss = opt.step(closure)
print(f"full loss {loss.item():.5f}")

sd = opt.state_dict()
print("state keys", sorted(sd["state"][0].keys()), "step", sd["state"][0]["step"].item())
clone_body, clone_head = nn.Sequential(nn.Linear(6, 16), nn.ReLU()), nn.Linear(16, 2)
clone_body.load_state_dict(body.state_dict())
clone_head.load_state_dict(head.state_dict())
opt2 = AdaBelief(clone_head.parameters(), lr=1e-2, weight_decay=1e-2, amsgrad=True)
opt2.add_param_group({"params": clone_body.parameters(), "lr": 3e-3, "amsgrad": False})
opt2.load_state_dict(sd)
for o, b, h in [(opt, body, head), (opt2, clone_body, clone_head)]:
    for _ in range(5):
        o.zero_grad()
        F.cross_entropy(h(b(X)), y).backward()
        o.step()
print("resumed identically", all(torch.equal(a, b) for a, b in
                                 zip(head.parameters(), clone_head.parameters())))
print(f"final weight norm {head.weight.norm().item():.6f}")
