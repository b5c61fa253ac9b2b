"""Learning-rate schedules as training scripts use them: StepLR, MultiStepLR, ExponentialLR,
CosineAnnealingLR, OneCycleLR (per batch), LambdaLR, ReduceLROnPlateau (on a validation loss),
and a warmup + cosine SequentialLR."""
import torch
from torch.optim import lr_scheduler

param = [torch.nn.Parameter(torch.zeros(2))]


def trace(make, steps=8, per="epoch"):
    opt = torch.optim.SGD(param, lr=0.1, momentum=0.9)
    sched = make(opt)
    lrs = []
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(round(opt.param_groups[0]["lr"], 6))
    return lrs


print("step", trace(lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5)))
print("multistep", trace(lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 5], gamma=0.1)))
print("exp", trace(lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9)))
print("cosine", trace(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=8, eta_min=1e-3)))
print("onecycle", trace(lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10)))
print("lambda", trace(lambda o: lr_scheduler.LambdaLR(o, lambda e: 1 / (1 + e))))
warm = lambda o: lr_scheduler.SequentialLR(  # noqa: E731
    o, [lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=3),
        lr_scheduler.CosineAnnealingLR(o, T_max=5)], milestones=[3])
print("warmup+cosine", trace(warm))
opt = torch.optim.Adam(param, lr=0.01)
plateau = lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=1)
for val_loss in [1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7]:
    plateau.step(val_loss)
    print("plateau", val_loss, opt.param_groups[0]["lr"])
