"""What users print while saving and loading: model.state_dict() itself (an OrderedDict of
tensors), its keys and shapes, buffers (running stats, num_batches_tracked, persistent=False
ones left out), named_buffers, an optimizer's state after steps, load_state_dict's result with
strict=False, and a Parameter-holding custom module's repr."""
# compat: exact
import torch
import torch.nn as nn


class WithBuffers(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor([1.0, 2.0]))
        self.register_buffer("steps", torch.tensor(0))
        self.register_buffer("cache", torch.zeros(2), persistent=False)
        self.bn = nn.BatchNorm1d(2)

    def forward(self, x):
        self.steps += 1
        return self.bn(x * self.scale) + self.cache


torch.manual_seed(0)
m = WithBuffers()
m(torch.randn(4, 2))
sd = m.state_dict()
print(sd)
print(type(sd).__name__, list(sd.keys()), [tuple(v.shape) for v in sd.values()])
print(dict(m.named_buffers()))
print([n for n, _ in m.named_parameters()], m.steps, m.bn.num_batches_tracked)
lin = nn.Linear(3, 2)
with torch.no_grad():
    lin.weight.copy_(torch.arange(6.0).view(2, 3) / 10)
    lin.bias.fill_(0.5)
print(lin.state_dict())
print({k: v.tolist() for k, v in lin.state_dict().items()})
res = lin.load_state_dict({"weight": torch.zeros(2, 3), "extra": torch.ones(1)}, strict=False)
print(res)
print(res.missing_keys, res.unexpected_keys, lin.weight)
opt = torch.optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)
lin(torch.ones(1, 3)).sum().backward()
opt.step()
print(opt.state_dict())
adam = torch.optim.Adam(lin.parameters(), lr=0.01)
lin(torch.ones(1, 3)).sum().backward()
adam.step()
print(adam.state_dict()["state"][1])
print(m)
print(nn.Parameter(torch.tensor(2.0)), nn.Parameter(torch.zeros(2, dtype=torch.float64)))
print(nn.ParameterDict({"a": nn.Parameter(torch.ones(1))}))
