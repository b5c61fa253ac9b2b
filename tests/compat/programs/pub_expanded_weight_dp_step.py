"""A privacy library's load-time imports and its "expanded weights" mode: it imports
`implicit_replication` from the older `torch.distributed._tensor` path, tests models against
`FSDPModule`, annotates collate functions with the DataLoader module's `_collate_fn_t`, and gets
per-sample gradients from `call_for_per_sample_grads` (mean and sum losses), which fill
`grad_sample` and leave `.grad` unset; a clipped, noised step follows."""
import torch
import torch.nn as nn
from torch.distributed._composable.fsdp import FSDPModule
from torch.distributed._tensor.experimental import implicit_replication
from torch.nn.utils._per_sample_grad import call_for_per_sample_grads
from torch.utils.data.dataloader import _collate_fn_t

torch.manual_seed(0)
print("collate alias", _collate_fn_t is not None)

model = nn.Sequential(nn.Conv1d(2, 3, 3, padding=1), nn.GroupNorm(1, 3), nn.ReLU(), nn.Flatten(),
                      nn.Linear(18, 4), nn.LayerNorm(4), nn.Linear(4, 2))
print("sharded", isinstance(model, FSDPModule))
x = torch.randn(5, 2, 6, requires_grad=True)
y = torch.tensor([0, 1, 1, 0, 1])
for reduction in ("mean", "sum"):
    for p in model.parameters():
        p.grad_sample = None
    out = call_for_per_sample_grads(model, loss_reduction=reduction)(x)
    loss = nn.functional.cross_entropy(out, y, reduction=reduction)
    loss.backward()
    print(reduction, "loss", round(loss.item(), 5), "input grad", round(x.grad.abs().sum().item(), 5))
    for name, p in model.named_parameters():
        print("  ", name, p.grad is None, tuple(p.grad_sample.shape),
              round(p.grad_sample.pow(2).sum().item(), 5))
    x.grad = None

noise = torch.Generator().manual_seed(7)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
norms = torch.stack([p.grad_sample.flatten(1).norm(dim=1) for p in model.parameters()]).norm(dim=0)
scale = (1.0 / (norms + 1e-6)).clamp(max=1.0)
with implicit_replication():
    for p in model.parameters():
        p.grad = (torch.einsum("n,n...->...", scale, p.grad_sample)
                  + 0.5 * torch.randn(p.shape, generator=noise)) / len(y)
opt.step()
print("after step", round(sum(p.sum().item() for p in model.parameters()), 5))
