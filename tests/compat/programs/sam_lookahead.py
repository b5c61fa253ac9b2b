"""Optimizer wrappers as their reference implementations write them: SAM (sharpness-aware
minimization, Foret et al.) subclassing torch.optim.Optimizer around a base optimizer with
first_step/second_step, per-parameter state["e_w"], param_groups shared with the base, and a
step(closure) that runs the closure twice; Lookahead (Zhang et al.) keeping slow weights in
state and syncing every k steps; both used on a small classifier, with state_dict round trips."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class SAM(torch.optim.Optimizer):
    def __init__(self, params, base_optimizer, rho=0.05, adaptive=False, **kwargs):
        defaults = dict(rho=rho, adaptive=adaptive, **kwargs)
        super().__init__(params, defaults)
        self.base_optimizer = base_optimizer(self.param_groups, **kwargs)
        self.param_groups = self.base_optimizer.param_groups
        self.defaults.update(self.base_optimizer.defaults)

    @torch.no_grad()
    def first_step(self, zero_grad=False):
        grad_norm = self._grad_norm()
        for group in self.param_groups:
            scale = group["rho"] / (grad_norm + 1e-12)
            for p in group["params"]:
                if p.grad is None:
                    continue
                self.state[p]["old_p"] = p.data.clone()
                e_w = (torch.pow(p, 2) if group["adaptive"] else 1.0) * p.grad * scale.to(p)
                p.add_(e_w)
        if zero_grad:
            self.zero_grad()

    @torch.no_grad()
    def second_step(self, zero_grad=False):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                p.data = self.state[p]["old_p"]
        self.base_optimizer.step()
        if zero_grad:
            self.zero_grad()

    @torch.no_grad()
    def step(self, closure=None):
        assert closure is not None, "SAM requires closure"
        closure = torch.enable_grad()(closure)
        self.first_step(zero_grad=True)
        closure()
        self.second_step()

    def _grad_norm(self):
        shared_device = self.param_groups[0]["params"][0].device
        return torch.norm(torch.stack([
            ((torch.abs(p) if group["adaptive"] else 1.0) * p.grad).norm(p=2).to(shared_device)
            for group in self.param_groups for p in group["params"] if p.grad is not None]), p=2)


class Lookahead(torch.optim.Optimizer):
    def __init__(self, optimizer, k=5, alpha=0.5):
        self.optimizer = optimizer
        self.k, self.alpha = k, alpha
        self.param_groups = optimizer.param_groups
        self.state = optimizer.state
        self.defaults = optimizer.defaults
        self.counter = 0
        self.slow = [[p.detach().clone() for p in g["params"]] for g in self.param_groups]

    def step(self, closure=None):
        loss = self.optimizer.step(closure)
        self.counter += 1
        if self.counter % self.k == 0:
            with torch.no_grad():
                for group, slows in zip(self.param_groups, self.slow):
                    for p, s in zip(group["params"], slows):
                        s.add_(p - s, alpha=self.alpha)
                        p.copy_(s)
        return loss

    def zero_grad(self, set_to_none=True):
        self.optimizer.zero_grad(set_to_none=set_to_none)


X = torch.randn(128, 6)
y = (X[:, 0] * X[:, 1] + X[:, 2] > 0).long()


def make():
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 2))


model = make()
opt = SAM(model.parameters(), torch.optim.SGD, rho=0.05, lr=0.1, momentum=0.9)
print("groups", len(opt.param_groups), sorted(opt.param_groups[0].keys()))
for epoch in range(30):
    def closure():
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        return loss

    loss = F.cross_entropy(model(X), y)
    loss.backward()
    opt.step(closure)
    opt.zero_grad()
    if epoch % 10 == 0:
        print(f"sam {epoch} loss {loss.item():.5f}")
acc = (model(X).argmax(1) == y).float().mean()
print("sam acc", acc.item(), "momentum buffers", sum("momentum_buffer" in s for s in
                                                      opt.base_optimizer.state.values()))

model = make()
opt = SAM(model.parameters(), torch.optim.Adam, rho=0.5, adaptive=True, lr=0.01)
for epoch in range(20):
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    opt.first_step(zero_grad=True)
    F.cross_entropy(model(X), y).backward()
    opt.second_step(zero_grad=True)
print("asam loss", loss.item())

model = make()
opt = Lookahead(torch.optim.Adam(model.parameters(), lr=0.01), k=5, alpha=0.5)
for step in range(40):
    opt.zero_grad()
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print(f"lookahead {step} loss {loss.item():.5f} lr {opt.param_groups[0]['lr']}")
sd = opt.optimizer.state_dict()
print("state keys", sorted(sd["state"][0].keys()), sd["state"][0]["step"])
inner = torch.optim.Adam(make().parameters(), lr=0.01)
inner.load_state_dict(sd)
print("restored", inner.state_dict()["state"][0]["exp_avg"].sum().item())
print("slow == fast at sync", all(torch.equal(p, s) for p, s in
                                  zip(opt.param_groups[0]["params"], opt.slow[0])))
