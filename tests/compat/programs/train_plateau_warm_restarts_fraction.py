"""LR schedules driven the way training scripts drive them: CosineAnnealingWarmRestarts(T_0=2,
T_mult=2, eta_min) stepped per batch with a fractional epoch (epoch + i / iters, the documented
recipe), also stepped with no argument, and its state_dict; ReduceLROnPlateau in 'max' mode
with threshold_mode='abs', cooldown, patience, per-group min_lr and eps on a scripted
validation curve, showing num_bad_epochs, cooldown_counter and the reductions; and a
scheduler state round trip mid-run."""
import torch

torch.manual_seed(0)
p1, p2 = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(2))
opt = torch.optim.SGD([{"params": [p1]}, {"params": [p2], "lr": 0.01}], lr=0.1, momentum=0.9)
sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=1e-4)
iters = 3
trace = []
for epoch in range(7):
    for i in range(iters):
        opt.step()
        sched.step(epoch + i / iters)
        trace.append(round(opt.param_groups[0]["lr"], 7))
    if epoch in (1, 5):
        print(f"epoch {epoch} T_cur {sched.T_cur:.4f} T_i {sched.T_i} last_epoch {sched.last_epoch} "
              f"lrs {[round(x, 7) for x in sched.get_last_lr()]}")
print("fractional", trace)
sd = sched.state_dict()
print("state", {k: (round(v, 6) if isinstance(v, float) else v) for k, v in sd.items()
                if k in ("T_0", "T_i", "T_mult", "eta_min", "T_cur", "last_epoch")})

opt2 = torch.optim.SGD([p1], lr=0.1)
plain = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt2, T_0=3, T_mult=1, eta_min=0.0)
seq = []
for _ in range(8):
    opt2.step()
    plain.step()
    seq.append(round(plain.get_last_lr()[0], 7))
print("per-step", seq)

opt3 = torch.optim.Adam([{"params": [p1]}, {"params": [p2], "lr": 1e-2}], lr=1e-3)
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt3, mode="max", factor=0.5, patience=1,
                                                     threshold=0.01, threshold_mode="abs",
                                                     cooldown=1, min_lr=[2e-4, 1e-3], eps=1e-5)
val_acc = [0.50, 0.60, 0.605, 0.603, 0.61, 0.70, 0.69, 0.695, 0.70, 0.699, 0.70, 0.70, 0.70, 0.7]
for epoch, acc in enumerate(val_acc):
    plateau.step(acc)
    print(f"epoch {epoch:2d} acc {acc:.3f} best {plateau.best:.3f} bad {plateau.num_bad_epochs} "
          f"cooldown {plateau.cooldown_counter} lrs {[round(g['lr'], 7) for g in opt3.param_groups]}")
    if epoch == 6:
        saved = plateau.state_dict()
restored = torch.optim.lr_scheduler.ReduceLROnPlateau(opt3, mode="max")
restored.load_state_dict(saved)
print("restored", restored.mode, restored.threshold_mode, restored.cooldown, restored.min_lrs,
      restored.patience, round(restored.best, 3), restored.last_epoch)
