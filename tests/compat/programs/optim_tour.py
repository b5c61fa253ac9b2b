"""Optimizers and schedules on one small regression: RMSprop, Adagrad, Adadelta, NAdam, RAdam,
SGD nesterov with OneCycleLR, CosineAnnealingWarmRestarts, ReduceLROnPlateau, LBFGS, SWA."""
import torch
import torch.nn as nn
from torch.optim.swa_utils import SWALR, AveragedModel

torch.manual_seed(0)
X = torch.randn(64, 5)
Y = X @ torch.randn(5, 1) + 0.1 * torch.randn(64, 1)


def fit(make_opt, make_sched=None, steps=30, plateau=False):
    torch.manual_seed(1)
    model = nn.Linear(5, 1)
    opt = make_opt(model.parameters())
    sched = make_sched(opt) if make_sched else None
    for _ in range(steps):
        loss = nn.functional.mse_loss(model(X), Y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step(loss.item()) if plateau else sched.step()
    return round(loss.item(), 6), round(opt.param_groups[0]["lr"], 8)


print(fit(lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True)))
print(fit(lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.01)))
print(fit(lambda p: torch.optim.Adadelta(p, lr=1.0)))
print(fit(lambda p: torch.optim.NAdam(p, lr=0.05)))
print(fit(lambda p: torch.optim.RAdam(p, lr=0.05, weight_decay=0.01)))
print(fit(lambda p: torch.optim.Adamax(p, lr=0.05)))
print(fit(lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
          lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=30)))
print(fit(lambda p: torch.optim.SGD(p, lr=0.05),
          lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=2)))
print(fit(lambda p: torch.optim.SGD(p, lr=0.05),
          lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, patience=2, factor=0.5),
          plateau=True))
torch.manual_seed(1)
model = nn.Linear(5, 1)
opt = torch.optim.LBFGS(model.parameters(), lr=0.5, history_size=5, line_search_fn="strong_wolfe")


def closure():
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(X), Y)
    loss.backward()
    return loss


for _ in range(3):
    print(round(opt.step(closure).item(), 6))
swa = AveragedModel(model)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
sw = SWALR(opt, swa_lr=0.005, anneal_epochs=3)
for _ in range(5):
    closure()
    opt.step()
    swa.update_parameters(model)
    sw.step()
print(swa.n_averaged, swa.module.weight.detach().round(decimals=4), opt.param_groups[0]["lr"])
