"""nn.Module machinery: buffers, forward/backward hooks, named_modules, apply(init),
load_state_dict(strict=False), parameters_to_vector, clip_grad_norm_, requires_grad_, zero_grad."""
import torch
import torch.nn as nn
from torch.nn.utils import clip_grad_norm_, parameters_to_vector, vector_to_parameters


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8))
        self.head = nn.Linear(8, 2)
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))

    def forward(self, x):
        self.calls += 1
        return self.head(self.body(x))


torch.manual_seed(0)
net = Net()


def init(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)


net.apply(init)
seen = []
net.body.register_forward_pre_hook(lambda m, inp: seen.append(("pre", tuple(inp[0].shape))))
net.head.register_forward_hook(lambda m, inp, out: seen.append(("fwd", tuple(out.shape))))
net.head.register_full_backward_hook(
    lambda m, gin, gout: seen.append(("bwd", tuple(gout[0].shape))))
x = torch.randn(5, 4)
out = net(x)
out.pow(2).sum().backward()
print(seen)
print([n for n, _ in net.named_modules()])
print(net.calls, list(net.state_dict().keys()))
total = clip_grad_norm_(net.parameters(), max_norm=0.5)
print(round(total.item(), 5), round(parameters_to_vector(p.grad for p in net.parameters()).norm().item(), 5))
vec = parameters_to_vector(net.parameters())
vector_to_parameters(vec * 0.5, net.parameters())
print(vec.shape, net.head.bias)
res = net.load_state_dict({"head.weight": torch.ones(2, 8)}, strict=False)
print(sorted(res.missing_keys), res.unexpected_keys)
net.body.requires_grad_(False)
print([p.requires_grad for p in net.parameters()])
net.zero_grad()
print(net.head.weight.grad, sum(p.numel() for p in net.parameters()))
print(net)
