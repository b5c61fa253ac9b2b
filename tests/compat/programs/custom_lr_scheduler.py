"""Custom LR schedulers as older repositories write them: subclasses of
torch.optim.lr_scheduler._LRScheduler overriding get_lr() with self.last_epoch and
self.base_lrs (a linear warm-up, a GradualWarmupScheduler wrapping an after_scheduler, a
polynomial decay), their state_dict, get_last_lr(), and a plain function-based scheduler that
edits param_groups directly."""
import math

import torch
import torch.nn as nn
from torch.optim.lr_scheduler import _LRScheduler


class WarmupLinearSchedule(_LRScheduler):
    def __init__(self, optimizer, warmup_steps, t_total, last_epoch=-1):
        self.warmup_steps = warmup_steps
        self.t_total = t_total
        super(WarmupLinearSchedule, self).__init__(optimizer, last_epoch)

    def get_lr(self):
        step = self.last_epoch
        if step < self.warmup_steps:
            factor = float(step) / float(max(1, self.warmup_steps))
        else:
            factor = max(0.0, float(self.t_total - step) /
                         float(max(1.0, self.t_total - self.warmup_steps)))
        return [base_lr * factor for base_lr in self.base_lrs]


class GradualWarmupScheduler(_LRScheduler):
    def __init__(self, optimizer, multiplier, total_epoch, after_scheduler=None):
        self.multiplier = multiplier
        if self.multiplier < 1.:
            raise ValueError("multiplier should be greater thant or equal to 1.")
        self.total_epoch = total_epoch
        self.after_scheduler = after_scheduler
        self.finished = False
        super(GradualWarmupScheduler, self).__init__(optimizer)

    def get_lr(self):
        if self.last_epoch > self.total_epoch:
            if self.after_scheduler:
                if not self.finished:
                    self.after_scheduler.base_lrs = [base_lr * self.multiplier
                                                     for base_lr in self.base_lrs]
                    self.finished = True
                return self.after_scheduler.get_last_lr()
            return [base_lr * self.multiplier for base_lr in self.base_lrs]
        return [base_lr * ((self.multiplier - 1.) * self.last_epoch / self.total_epoch + 1.)
                for base_lr in self.base_lrs]

    def step(self, epoch=None, metrics=None):
        if self.finished and self.after_scheduler:
            if epoch is None:
                self.after_scheduler.step(None)
            else:
                self.after_scheduler.step(epoch - self.total_epoch)
            self._last_lr = self.after_scheduler.get_last_lr()
        else:
            return super(GradualWarmupScheduler, self).step(epoch)


class PolyLR(_LRScheduler):
    def __init__(self, optimizer, max_iters, power=0.9, last_epoch=-1, min_lr=1e-6):
        self.power = power
        self.max_iters = max_iters
        self.min_lr = min_lr
        super(PolyLR, self).__init__(optimizer, last_epoch)

    def get_lr(self):
        return [max(base_lr * (1 - self.last_epoch / self.max_iters) ** self.power, self.min_lr)
                for base_lr in self.base_lrs]


torch.manual_seed(0)
model = nn.Linear(3, 1)
x, y = torch.randn(16, 3), torch.randn(16, 1)


def train_step(opt):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


opt = torch.optim.SGD(model.parameters(), lr=0.1)
sched = WarmupLinearSchedule(opt, warmup_steps=3, t_total=10)
print("initial lr", opt.param_groups[0]["lr"], sched.get_last_lr(), sched.last_epoch)
for step in range(10):
    loss = train_step(opt)
    sched.step()
    print(f"step {step} loss {loss:.6f} lr {sched.get_last_lr()[0]:.6f}")
print(sorted(sched.state_dict()), isinstance(sched, torch.optim.lr_scheduler.LRScheduler))

opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6)
warm = GradualWarmupScheduler(opt, multiplier=8, total_epoch=3, after_scheduler=cosine)
for epoch in range(1, 10):
    train_step(opt)
    warm.step()
    print(f"epoch {epoch} lr {opt.param_groups[0]['lr']:.6f} finished {warm.finished}")

opt = torch.optim.Adam([{"params": model.weight}, {"params": model.bias, "lr": 0.5}], lr=0.1)
poly = PolyLR(opt, max_iters=5, power=0.9)
for it in range(5):
    train_step(opt)
    poly.step()
    print(f"poly {it} {[round(v, 8) for v in poly.get_last_lr()]}")


def adjust_learning_rate(optimizer, epoch, base_lr=0.1):
    """Sets the learning rate to the initial LR decayed by 10 every 2 epochs"""
    lr = base_lr * (0.1 ** (epoch // 2))
    for param_group in optimizer.param_groups:
        param_group["lr"] = lr
    return lr


opt = torch.optim.SGD(model.parameters(), lr=0.1)
print([adjust_learning_rate(opt, e) for e in range(6)], opt.param_groups[0]["lr"])
print(f"cosine by hand: {0.5 * 0.1 * (1 + math.cos(math.pi * 3 / 10)):.6f}")
