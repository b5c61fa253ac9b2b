"""A custom learning-rate scheduler as research code writes one: an LRScheduler subclass with
get_lr (chainable form using the group's current lr and last_epoch) and _get_closed_form_lr,
a linear warm-up scheduler, both combined with ExponentialLR in ChainedScheduler and with
SequentialLR; state_dict/load_state_dict of the chain; per-layer learning-rate decay groups for
a small transformer-like stack; the lr trajectories are printed."""
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import ChainedScheduler, ExponentialLR, LRScheduler, SequentialLR


class PolyDecay(LRScheduler):
    def __init__(self, optimizer, total_iters, power=2.0, last_epoch=-1):
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch > self.total_iters:
            return [group["lr"] for group in self.optimizer.param_groups]
        factor = ((1.0 - self.last_epoch / self.total_iters)
                  / (1.0 - (self.last_epoch - 1) / self.total_iters)) ** self.power
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        t = min(self.total_iters, self.last_epoch)
        return [base * (1.0 - t / self.total_iters) ** self.power for base in self.base_lrs]


class LinearWarmup(LRScheduler):
    def __init__(self, optimizer, warmup, last_epoch=-1):
        self.warmup = warmup
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        scale = min(1.0, (self.last_epoch + 1) / self.warmup)
        return [base * scale for base in self.base_lrs]


torch.manual_seed(0)
w = nn.Parameter(torch.randn(3))
opt = torch.optim.SGD([w], lr=0.1)
poly = PolyDecay(opt, total_iters=8)
trace = []
for _ in range(10):
    opt.step()
    poly.step()
    trace.append(round(poly.get_last_lr()[0], 6))
print("poly chainable", trace)
print("closed form at 5", [round(v, 6) for v in
                           (setattr(poly, "last_epoch", 5) or poly._get_closed_form_lr())])

opt = torch.optim.SGD([w], lr=0.1)
chain = ChainedScheduler([LinearWarmup(opt, 4), ExponentialLR(opt, gamma=0.9)])
trace = []
for _ in range(8):
    opt.step()
    chain.step()
    trace.append(round(opt.param_groups[0]["lr"], 6))
print("chained", trace)
sd = chain.state_dict()
print("chain state keys", sorted(sd.keys()))

opt = torch.optim.AdamW([w], lr=1e-3)
seq = SequentialLR(opt, [LinearWarmup(opt, 3), PolyDecay(opt, total_iters=5)], milestones=[3])
trace = []
for _ in range(9):
    opt.step()
    seq.step()
    trace.append(round(seq.get_last_lr()[0], 8))
print("sequential", trace)

# layer-wise lr decay: deeper layers get larger lr
model = nn.ModuleDict({
    "embed": nn.Embedding(10, 8),
    "layers": nn.ModuleList([nn.Linear(8, 8) for _ in range(3)]),
    "head": nn.Linear(8, 2),
})
base_lr, decay, n = 1e-3, 0.8, 3
groups = [{"params": model["head"].parameters(), "lr": base_lr, "name": "head"}]
for i, layer in enumerate(model["layers"]):
    groups.append({"params": layer.parameters(), "lr": base_lr * decay ** (n - i),
                   "name": f"layer{i}"})
groups.append({"params": model["embed"].parameters(), "lr": base_lr * decay ** (n + 1),
               "name": "embed"})
opt = torch.optim.AdamW(groups, weight_decay=0.01)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 2))
for _ in range(3):
    opt.step()
    sched.step()
for g in opt.param_groups:
    print(f"{g['name']:7s} lr {g['lr']:.3e} initial {g['initial_lr']:.3e} "
          f"n_params {sum(p.numel() for p in g['params'])}")
