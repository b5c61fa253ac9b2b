"""Weight averaging with hand-written pieces: AveragedModel with a custom avg_fn (an EMA
lambda), use_buffers=True, n_averaged, a custom multi_avg_fn, update_bn over a plain list of
batches, SWALR annealing printed per epoch, and evaluating the averaged model."""
import torch
import torch.nn as nn
from torch.optim.swa_utils import SWALR, AveragedModel, update_bn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(5, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 1))
x = torch.randn(64, 5)
y = (x[:, :1] - x[:, 1:2]).sin()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

decay = 0.9
ema_avg = lambda averaged, current, num_averaged: decay * averaged + (1 - decay) * current  # noqa: E731
ema = AveragedModel(model, avg_fn=ema_avg)
ema_buffers = AveragedModel(model, avg_fn=ema_avg, use_buffers=True)
swa = AveragedModel(model)
swa_sched = SWALR(opt, swa_lr=0.01, anneal_epochs=3, anneal_strategy="linear")
print(type(ema.module).__name__, ema.n_averaged, [n for n, _ in ema.named_buffers()][:2])

for epoch in range(6):
    for i in range(0, 64, 16):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x[i:i + 16]), y[i:i + 16])
        loss.backward()
        opt.step()
        ema.update_parameters(model)
        ema_buffers.update_parameters(model)
    if epoch >= 2:
        swa.update_parameters(model)
        swa_sched.step()
    print(f"epoch {epoch} loss {loss.item():.6f} lr {swa_sched.get_last_lr()[0]:.6f} "
          f"ema n {ema.n_averaged.item()} swa n {swa.n_averaged.item()}")

print("running_mean before update_bn:", swa.module[1].running_mean[:3])
batches = [x[i:i + 16] for i in range(0, 64, 16)]
update_bn(batches, swa)
print("running_mean after update_bn:", swa.module[1].running_mean[:3],
      swa.module[1].num_batches_tracked, swa.module[1].momentum)
print("ema_buffers tracks buffers:", torch.allclose(ema_buffers.module[1].running_var,
                                                   ema_buffers.module[1].running_var),
      ema_buffers.module[1].running_mean[:3])

swa.eval()
ema.eval()
model.eval()
with torch.no_grad():
    for name, m in (("model", model), ("ema", ema), ("swa", swa), ("ema_buf", ema_buffers)):
        print(f"{name:8s} mse {nn.functional.mse_loss(m(x), y).item():.6f}")


def multi_avg(averaged_params, current_params, num_averaged):
    for a, c in zip(averaged_params, current_params):
        a.mul_(0.5).add_(c, alpha=0.5)


half = AveragedModel(model, multi_avg_fn=multi_avg)
with torch.no_grad():
    for p in model.parameters():
        p.add_(1.0)
half.update_parameters(model)
half.update_parameters(model)
print("multi_avg_fn:", half.module[3].bias, model[3].bias, half.n_averaged)
print([k for k in half.state_dict()][:3], half.state_dict()["n_averaged"])
