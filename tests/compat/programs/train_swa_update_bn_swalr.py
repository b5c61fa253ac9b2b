"""Stochastic Weight Averaging as the PyTorch blog/recipes write it: a BatchNorm CNN trained with
CosineAnnealingLR, then after swa_start an AveragedModel updated each epoch with SWALR
(anneal_strategy 'linear' then 'cos', anneal_epochs), torch.optim.swa_utils.update_bn over a
DataLoader of (x, y) tuples resetting the running stats (momentum None -> cumulative average),
an EMA model with get_ema_multi_avg_fn and use_buffers=True, and evaluation of all three."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.swa_utils import SWALR, AveragedModel, get_ema_multi_avg_fn, update_bn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(9)
X = torch.randn(64, 2, 8, 8)
Y = (X[:, 0].mean(dim=(1, 2)) > X[:, 1].mean(dim=(1, 2))).long()
loader = DataLoader(TensorDataset(X, Y), batch_size=16, shuffle=True,
                    generator=torch.Generator().manual_seed(1))

model = nn.Sequential(nn.Conv2d(2, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                      nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6)
swa_model = AveragedModel(model)
ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.8), use_buffers=True)
swa_sched = SWALR(opt, swa_lr=0.05, anneal_epochs=2, anneal_strategy="linear")
swa_start = 3


def evaluate(m):
    m.eval()
    with torch.no_grad():
        logits = m(X)
    return F.cross_entropy(logits, Y).item(), (logits.argmax(1) == Y).float().mean().item()


for epoch in range(7):
    model.train()
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        ema_model.update_parameters(model)
    if epoch >= swa_start:
        swa_model.update_parameters(model)
        swa_sched.step()
    else:
        sched.step()
    print(f"epoch {epoch} loss {loss.item():.5f} lr {opt.param_groups[0]['lr']:.5f} "
          f"n_averaged {int(swa_model.n_averaged)}")

bn = swa_model.module[1]
print("before update_bn", bn.running_mean[:3], int(bn.num_batches_tracked))
update_bn(loader, swa_model)
print("after update_bn", bn.running_mean[:3], bn.running_var[:3], bn.momentum)
print("swa", evaluate(swa_model))
print("ema", evaluate(ema_model))
print("model", evaluate(model))
print("swa keys", list(swa_model.state_dict())[:3], len(swa_model.state_dict()))

opt2 = torch.optim.SGD(model.parameters(), lr=0.5)
cos = SWALR(opt2, swa_lr=0.1, anneal_epochs=3, anneal_strategy="cos")
lrs = []
for _ in range(5):
    opt2.step()
    cos.step()
    lrs.append(round(opt2.param_groups[0]["lr"], 6))
print("cos anneal", lrs)
