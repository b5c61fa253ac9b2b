"""Layer-wise adaptive optimizers and gradient centralisation written by hand, as large-batch
training papers describe them: LARS (trust ratio ||w||/||g + wd w|| with momentum, skipping
biases and norms), LAMB (Adam direction scaled by a per-layer trust ratio, written with
torch._foreach ops), and gradient centralisation subtracting the per-filter mean of conv/linear
gradients before an SGD step; each trains the same small CNN for a few steps."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def make_model():
    torch.manual_seed(1)
    return nn.Sequential(nn.Conv2d(1, 6, 3), nn.BatchNorm2d(6), nn.ReLU(), nn.Flatten(),
                         nn.Linear(6 * 6 * 6, 4))


torch.manual_seed(0)
X = torch.randn(64, 1, 8, 8)
y = torch.randint(0, 4, (64,))


class LARS(torch.optim.Optimizer):
    def __init__(self, params, lr, momentum=0.9, weight_decay=1e-4, eta=1e-3):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay,
                                      eta=eta))

    @torch.no_grad()
    def step(self):
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is None:
                    continue
                dp = p.grad
                if p.ndim > 1:
                    dp = dp.add(p, alpha=g["weight_decay"])
                    p_norm, d_norm = torch.norm(p), torch.norm(dp)
                    q = torch.where(p_norm > 0.0,
                                    torch.where(d_norm > 0, g["eta"] * p_norm / d_norm, 1.0),
                                    1.0)
                    dp = dp.mul(q)
                state = self.state[p]
                if "mu" not in state:
                    state["mu"] = torch.zeros_like(p)
                mu = state["mu"]
                mu.mul_(g["momentum"]).add_(dp)
                p.add_(mu, alpha=-g["lr"])


class LAMB(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-2, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.01):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for g in self.param_groups:
            params = [p for p in g["params"] if p.grad is not None]
            grads = [p.grad for p in params]
            for p in params:
                if not self.state[p]:
                    self.state[p].update(step=0, m=torch.zeros_like(p), v=torch.zeros_like(p))
            ms = [self.state[p]["m"] for p in params]
            vs = [self.state[p]["v"] for p in params]
            b1, b2 = g["betas"]
            torch._foreach_mul_(ms, b1)
            torch._foreach_add_(ms, grads, alpha=1 - b1)
            torch._foreach_mul_(vs, b2)
            torch._foreach_addcmul_(vs, grads, grads, value=1 - b2)
            for p, m, v in zip(params, ms, vs):
                st = self.state[p]
                st["step"] += 1
                m_hat = m / (1 - b1 ** st["step"])
                v_hat = v / (1 - b2 ** st["step"])
                update = m_hat / (v_hat.sqrt() + g["eps"]) + g["weight_decay"] * p
                w_norm, u_norm = p.norm(2), update.norm(2)
                trust = (w_norm / u_norm).item() if w_norm > 0 and u_norm > 0 else 1.0
                p.add_(update, alpha=-g["lr"] * trust)


def centralize_gradients(model):
    for p in model.parameters():
        if p.grad is not None and p.grad.dim() > 1:
            p.grad.sub_(p.grad.mean(dim=tuple(range(1, p.grad.dim())), keepdim=True))


def train(name, make_opt, gc=False, steps=15):
    model = make_model()
    opt = make_opt(model)
    for _ in range(steps):
        loss = F.cross_entropy(model(X), y)
        opt.zero_grad()
        loss.backward()
        if gc:
            centralize_gradients(model)
        opt.step()
    w = model[0].weight
    print(f"{name:6s} loss {loss.item():.5f} conv-w norm {w.norm().item():.5f}")
    return model


train("sgd", lambda m: torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9))
m = train("sgd+gc", lambda m: torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9), gc=True)
print("gc grad mean ~0", m[0].weight.grad.mean(dim=(1, 2, 3)).abs().max().item() < 1e-6)
train("lars", lambda m: LARS(m.parameters(), lr=1.0))
train("lamb", lambda m: LAMB(m.parameters(), lr=0.01))
