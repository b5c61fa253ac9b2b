"""Weight averaging: optim.swa_utils.AveragedModel (SWA and EMA via get_ema_multi_avg_fn), SWALR,
update_bn over a DataLoader, and a hand-written EMA with torch._foreach_mul_/_foreach_add_ and
copy_ under no_grad."""
import copy

import torch
import torch.nn as nn
from torch.optim.swa_utils import SWALR, AveragedModel, get_ema_multi_avg_fn, update_bn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(5)
model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1))
ds = TensorDataset(torch.randn(48, 4), torch.randn(48, 1))
loader = DataLoader(ds, batch_size=16, shuffle=True)
opt = torch.optim.SGD(model.parameters(), lr=0.05)
swa_model = AveragedModel(model)
ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
swa_sched = SWALR(opt, swa_lr=0.01, anneal_epochs=2, anneal_strategy="cos")
ema_hand = copy.deepcopy(model)
for p in ema_hand.parameters():
    p.requires_grad_(False)
for epoch in range(4):
    for xb, yb in loader:
        loss = nn.functional.mse_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        ema_model.update_parameters(model)
        with torch.no_grad():
            ep, mp = list(ema_hand.parameters()), list(model.parameters())
            torch._foreach_mul_(ep, 0.9)
            torch._foreach_add_(ep, mp, alpha=0.1)
    if epoch >= 1:
        swa_model.update_parameters(model)
        swa_sched.step()
    print(epoch, f"{loss.item():.5f}", swa_sched.get_last_lr(), swa_model.n_averaged.item())
update_bn(loader, swa_model)
print(swa_model.module[1].running_mean, swa_model.module[1].momentum)
print(list(swa_model.state_dict().keys())[:3], swa_model.n_averaged)
print(ema_model.module[0].weight[0], ema_hand[0].weight[0])
with torch.no_grad():
    x = torch.randn(5, 4)
    swa_model.eval()
    print(swa_model(x).squeeze(), ema_model(x).shape)
avg = AveragedModel(nn.Linear(2, 1), avg_fn=lambda a, m, n: 0.5 * a + 0.5 * m, use_buffers=True)
lin = nn.Linear(2, 1)
avg.update_parameters(lin)
avg.update_parameters(lin)
print(avg.module.weight, avg.n_averaged)
