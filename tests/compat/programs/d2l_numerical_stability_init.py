"""Dive into Deep Learning's numerical stability and initialisation section: the sigmoid's
vanishing gradient (x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True); y.backward(
torch.ones_like(x))), the product of 100 random 4x4 matrices exploding, Xavier initialisation
written by hand (uniform bound sqrt(6 / (fan_in + fan_out)) and normal std sqrt(2 / (fan_in +
fan_out))) compared in distribution and by seeding with nn.init.xavier_uniform_/xavier_normal_,
calculate_gain, kaiming_uniform_/kaiming_normal_ with fan modes, the d2l init_weights/
init_constant/init_42/my_init (uniform then `m.weight.data *= m.weight.data.abs() >= 5`) via
net.apply, tied parameters shared between layers, and activation variances across a deep MLP."""
import math

import torch
from torch import nn

torch.manual_seed(0)
x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
y = torch.sigmoid(x)
y.backward(torch.ones_like(x))
print(x.grad.max(), x.grad[::20], x.grad.argmax())

M = torch.normal(0, 1, size=(4, 4))
print('a single matrix \n', M)
for i in range(100):
    M = M @ torch.normal(0, 1, size=(4, 4))
print('after multiplying 100 matrices\n', M.abs().max().log10() > 20)

fan_in, fan_out = 300, 200
bound = math.sqrt(6.0 / (fan_in + fan_out))
torch.manual_seed(1)
mine_u = torch.empty(fan_out, fan_in).uniform_(-bound, bound)
torch.manual_seed(1)
ref_u = nn.init.xavier_uniform_(torch.empty(fan_out, fan_in))
print('xavier_uniform by hand:', torch.equal(mine_u, ref_u), mine_u.var().item(),
      2 / (fan_in + fan_out))
std = math.sqrt(2.0 / (fan_in + fan_out))
torch.manual_seed(2)
mine_n = torch.empty(fan_out, fan_in).normal_(0, std)
torch.manual_seed(2)
ref_n = nn.init.xavier_normal_(torch.empty(fan_out, fan_in))
print('xavier_normal by hand:', torch.allclose(mine_n, ref_n), mine_n.std().item())
for nl, param in (('linear', None), ('sigmoid', None), ('tanh', None), ('relu', None),
                  ('leaky_relu', 0.2), ('selu', None), ('conv2d', None)):
    print(nl, nn.init.calculate_gain(nl, param))
w = torch.empty(64, 32, 3, 3)
torch.manual_seed(3)
nn.init.kaiming_uniform_(w, a=math.sqrt(5))
print('default conv init bound:', w.abs().max().item() <= 1 / math.sqrt(32 * 9), w.std().item())
torch.manual_seed(3)
nn.init.kaiming_normal_(w, mode='fan_out', nonlinearity='relu')
print('fan_out std', w.std().item(), math.sqrt(2 / (64 * 9)))
nn.init.trunc_normal_(w, std=0.02, a=-0.04, b=0.04)
print('trunc_normal range', w.min().item() >= -0.04, w.max().item() <= 0.04)

net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
X = torch.rand(size=(2, 4))
print(net(X).shape, net[2].state_dict())
print(*[(name, param.shape) for name, param in net.named_parameters()])


def init_normal(module):
    if type(module) == nn.Linear:  # noqa: E721 (as the book writes it)
        nn.init.normal_(module.weight, mean=0, std=0.01)
        nn.init.zeros_(module.bias)


net.apply(init_normal)
print(net[0].weight.data[0], net[0].bias.data[0])


def init_constant(module):
    if type(module) == nn.Linear:  # noqa: E721 (as the book writes it)
        nn.init.constant_(module.weight, 1)
        nn.init.zeros_(module.bias)


net.apply(init_constant)
print(net[0].weight.data[0], net[0].bias.data[0])


def init_xavier(module):
    if type(module) == nn.Linear:  # noqa: E721 (as the book writes it)
        nn.init.xavier_uniform_(module.weight)


def init_42(module):
    if type(module) == nn.Linear:  # noqa: E721 (as the book writes it)
        nn.init.constant_(module.weight, 42)


net[0].apply(init_xavier)
net[2].apply(init_42)
print(net[0].weight.data[0], net[2].weight.data)


def my_init(module):
    if type(module) == nn.Linear:  # noqa: E721 (as the book writes it)
        print("Init", *[(name, param.shape) for name, param in module.named_parameters()][0])
        nn.init.uniform_(module.weight, -10, 10)
        module.weight.data *= module.weight.data.abs() >= 5


net.apply(my_init)
print(net[0].weight[:2])
net[0].weight.data[:] += 1
net[0].weight.data[0, 0] = 42
print(net[0].weight.data[0])

shared = nn.LazyLinear(8)
net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(),
                    nn.LazyLinear(1))
net(X)
print(net[2].weight.data[0] == net[4].weight.data[0])
net[2].weight.data[0, 0] = 100
print(net[2].weight.data[0] == net[4].weight.data[0], len(list(net.parameters())))
net(X).sum().backward()
print(net[2].weight.grad.shape, net[2].weight.grad is net[4].weight.grad)

torch.manual_seed(4)
for init_name in ('normal_0.01', 'xavier', 'kaiming'):
    layers = []
    for _ in range(10):
        lin = nn.Linear(64, 64)
        if init_name == 'normal_0.01':
            nn.init.normal_(lin.weight, std=0.01)
        elif init_name == 'xavier':
            nn.init.xavier_normal_(lin.weight, gain=nn.init.calculate_gain('tanh'))
        else:
            nn.init.kaiming_normal_(lin.weight, nonlinearity='relu')
        nn.init.zeros_(lin.bias)
        layers += [lin, nn.Tanh() if init_name == 'xavier' else nn.ReLU()]
    h = torch.randn(128, 64)
    variances = []
    for layer in layers:
        h = layer(h)
        if isinstance(layer, nn.Linear):
            variances.append(f'{h.var().item():.3e}')
    print(init_name, variances[0], variances[4], variances[-1])
