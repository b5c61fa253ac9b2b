"""print(optimizer) for SGD, Adam, AdamW and RMSprop with one and several parameter groups
(defaults, per-group overrides, foreach/fused/differentiable flags as torch shows them), and the
state dicts of schedulers and optimizers users print while debugging a resume."""
# compat: exact
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
print(torch.optim.SGD(model.parameters(), lr=0.1))
print(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4))
print(torch.optim.Adam(model.parameters()))
print(torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1))
print(torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9))
print(torch.optim.Adagrad(model.parameters(), lr=0.05))
groups = [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 1e-3}]
opt = torch.optim.SGD(groups, lr=0.1, momentum=0.9)
print(opt)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
for _ in range(3):
    opt.zero_grad()
    model(torch.randn(5, 3)).pow(2).mean().backward()
    opt.step()
    sched.step()
print(sched.state_dict())
print(sched.get_last_lr(), [g["lr"] for g in opt.param_groups])
sd = opt.state_dict()
print(sd["param_groups"])
print(sorted(sd["state"].keys()), list(sd["state"][0].keys()))
cos = torch.optim.lr_scheduler.CosineAnnealingLR(torch.optim.Adam(model.parameters(), lr=0.1),
                                                 T_max=10)
print(cos.state_dict())
onecycle = torch.optim.lr_scheduler.OneCycleLR(torch.optim.SGD(model.parameters(), lr=0.1),
                                               max_lr=0.1, total_steps=10)
print(sorted(onecycle.state_dict().keys()))
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(torch.optim.SGD(model.parameters(), lr=0.1))
print(plateau.state_dict())
