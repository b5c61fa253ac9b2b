"""Optimizer parameter groups (backbone and head with their own lr and weight decay),
add_param_group, zero_grad(set_to_none=True), requires_grad_(False) freezing, and the
optimizer's state_dict as scripts print it."""
import torch
import torch.nn as nn

torch.manual_seed(8)
backbone = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
head = nn.Linear(8, 2)
extra = nn.Linear(2, 2)
opt = torch.optim.SGD([{"params": backbone.parameters()},
                       {"params": head.parameters(), "lr": 0.1, "weight_decay": 1e-2}],
                      lr=0.01, momentum=0.9)
opt.add_param_group({"params": extra.parameters(), "lr": 0.05})
x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
for step in range(5):
    opt.zero_grad(set_to_none=True)
    loss = nn.functional.cross_entropy(extra(head(backbone(x))), y)
    loss.backward()
    opt.step()
    print(step, f"{loss.item():.5f}")
print([g["lr"] for g in opt.param_groups], [g["weight_decay"] for g in opt.param_groups])
for p in backbone.parameters():
    p.requires_grad_(False)
opt.zero_grad()
nn.functional.cross_entropy(extra(head(backbone(x))), y).backward()
print([p.grad is None for p in backbone.parameters()], head.weight.grad.shape)
sd = opt.state_dict()
print(sorted(sd.keys()), len(sd["state"]), [len(g["params"]) for g in sd["param_groups"]])
print(sorted(sd["state"][2].keys()))
