"""PyTorch's Optimizer.load_state_dict keeps the loaded state tensors (step, exp_avg, ...)
when their dtype and device already fit: loading a live optimizer's state_dict() into a second
optimizer makes the two share them, so stepping both advances one shared step counter and
moment estimate. Code that clones a trainer this way gets different numbers from a deep copy."""

import copy

import torch
import torch.nn as nn

torch.manual_seed(0)
net = nn.Linear(3, 1)
opt = torch.optim.Adam(net.parameters(), lr=0.1)
x = torch.randn(8, 3)
net(x).pow(2).mean().backward()
opt.step()

net2 = copy.deepcopy(net)
opt2 = torch.optim.Adam(net2.parameters(), lr=0.1)
opt2.load_state_dict(opt.state_dict())
for model, o in ((net, opt), (net2, opt2)):
    o.zero_grad()
    model(x).pow(2).mean().backward()
    o.step()
print("step counters:", opt.state_dict()["state"][0]["step"], opt2.state_dict()["state"][0]["step"])
print("same weights after one step each:", torch.equal(net.weight, net2.weight))
print(net.weight, net2.weight)
