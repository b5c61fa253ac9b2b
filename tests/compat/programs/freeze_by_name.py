"""Freezing layers by parameter name and rebuilding the optimizer, as fine-tuning scripts do:
requires_grad = False for names starting with given prefixes, filter(lambda p: p.requires_grad)
for the optimizer, counting trainable vs total parameters, unfreezing later (gradual unfreezing)
with add_param_group, and checking frozen weights stay unchanged."""
import torch
import torch.nn as nn


def count_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Linear(16, 32), nn.ReLU(),
            nn.Linear(32, 32), nn.ReLU(),
        )
        self.neck = nn.Linear(32, 16)
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        return self.head(torch.relu(self.neck(self.features(x))))


torch.manual_seed(1)
model = Net()
x = torch.randn(40, 16)
y = torch.randint(0, 4, (40,))
total = sum(p.numel() for p in model.parameters())
print(f"total params: {total:,}  trainable: {count_parameters(model):,}")

freeze = ("features.", "neck.")
for name, param in model.named_parameters():
    if name.startswith(freeze):
        param.requires_grad = False
for name, param in model.named_parameters():
    print(f"{name:22s} {str(tuple(param.shape)):10s} requires_grad={param.requires_grad}")
print(f"trainable now: {count_parameters(model):,} ({100 * count_parameters(model) / total:.1f}%)")

optimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1,
                            momentum=0.9)
print("optimizer groups:", len(optimizer.param_groups), "params:",
      len(optimizer.param_groups[0]["params"]))
before = {k: v.clone() for k, v in model.state_dict().items()}
crit = nn.CrossEntropyLoss()
for step in range(5):
    optimizer.zero_grad()
    loss = crit(model(x), y)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.5f}")
after = model.state_dict()
for k in before:
    print(f"  {k:22s} changed={not torch.equal(before[k], after[k])}")
print("frozen grads are None:", all(p.grad is None for n, p in model.named_parameters()
                                     if n.startswith(freeze)))

# gradual unfreezing: unfreeze the neck and add it with a smaller lr
for p in model.neck.parameters():
    p.requires_grad_(True)
optimizer.add_param_group({"params": model.neck.parameters(), "lr": 0.01})
print([(len(g["params"]), g["lr"], g["momentum"]) for g in optimizer.param_groups])
for step in range(3):
    optimizer.zero_grad()
    loss = crit(model(x), y)
    loss.backward()
    optimizer.step()
print(f"after unfreezing: {loss.item():.5f}, neck grad norm {model.neck.weight.grad.norm():.5f}")

# rebuild from scratch, the other common way
for p in model.parameters():
    p.requires_grad = True
params = [p for p in model.parameters() if p.requires_grad]
optimizer = torch.optim.Adam([
    {"params": model.features.parameters(), "lr": 1e-4},
    {"params": list(model.neck.parameters()) + list(model.head.parameters())},
], lr=1e-3)
print(len(params), [g["lr"] for g in optimizer.param_groups], count_parameters(model))
for step in range(3):
    optimizer.zero_grad()
    loss = crit(model(x), y)
    loss.backward()
    optimizer.step()
print(f"all trainable: {loss.item():.5f}")
print(optimizer.state_dict()["param_groups"][1]["params"], len(optimizer.state_dict()["state"]))

# freeze with requires_grad_ on a module and eval() for the batchnorm-free part
model.features.requires_grad_(False)
print([n for n, p in model.named_parameters() if not p.requires_grad])
try:
    torch.optim.SGD([p for p in model.features.parameters() if p.requires_grad], lr=0.1)
except ValueError as e:
    print("ValueError:", e)
