"""ReduceLROnPlateau as validation loops drive it: mode='max' on an accuracy, patience,
cooldown, threshold_mode='abs' and 'rel', min_lr per group, eps, the scheduler's
num_bad_epochs / cooldown_counter / best printed each epoch, get_last_lr(), and
state_dict / load_state_dict in the middle of a run."""
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import ReduceLROnPlateau

model = nn.Linear(2, 2)
head = nn.Linear(2, 1)
opt = torch.optim.SGD([{"params": model.parameters()},
                       {"params": head.parameters(), "lr": 0.01}], lr=0.1)
sched = ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=1, cooldown=2,
                          threshold=0.01, threshold_mode="abs", min_lr=[1e-3, 5e-3])
accs = [0.50, 0.60, 0.605, 0.60, 0.61, 0.612, 0.60, 0.59, 0.70, 0.69, 0.69, 0.69, 0.69, 0.69]
for epoch, acc in enumerate(accs):
    sched.step(acc)
    print(f"epoch {epoch:2d} acc {acc:.3f} lr {[round(v, 6) for v in sched.get_last_lr()]} "
          f"best {sched.best:.3f} bad {sched.num_bad_epochs} cooldown {sched.cooldown_counter}")

opt2 = torch.optim.Adam(model.parameters(), lr=1e-3)
s2 = ReduceLROnPlateau(opt2, mode="min", factor=0.1, patience=2, threshold=1e-2,
                       threshold_mode="rel", eps=1e-5)
losses = [1.0, 0.995, 0.993, 0.992, 0.98, 0.979, 0.978, 0.9, 0.899, 0.898, 0.897]
for i, loss in enumerate(losses[:6]):
    s2.step(loss)
state = s2.state_dict()
print(state)
print(sorted(k for k in state if not k.startswith("_")), state["best"], state["num_bad_epochs"])
s3 = ReduceLROnPlateau(torch.optim.Adam(model.parameters(), lr=1e-3), mode="min", factor=0.1,
                       patience=2, threshold=1e-2, threshold_mode="rel", eps=1e-5)
s3.load_state_dict(state)
for loss in losses[6:]:
    s2.step(loss)
    s3.step(loss)
    print(f"loss {loss} lr {s2.get_last_lr()} bad {s2.num_bad_epochs} restored bad "
          f"{s3.num_bad_epochs} {s3.best}")
s2.step(torch.tensor(0.5))
print("tensor metric:", s2.best, type(s2.best).__name__)
try:
    ReduceLROnPlateau(opt2, mode="up")
except ValueError as e:
    print("ValueError:", str(e).split("!")[0])
try:
    ReduceLROnPlateau(opt2, factor=1.0)
except ValueError as e:
    print("ValueError:", str(e)[:22])
