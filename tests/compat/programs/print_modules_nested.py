"""print(model) for nested models: Sequential inside Sequential, ModuleList and ModuleDict,
OrderedDict names, repeated identical blocks, custom modules with extra_repr, layers with their
non-default options (bias=False, stride, padding, dropout p, inplace, eps, momentum, affine),
and the named_modules/named_parameters listings users print next to it."""
# compat: exact
from collections import OrderedDict

import torch
import torch.nn as nn


class Scale(nn.Module):
    def __init__(self, factor, learnable=False):
        super().__init__()
        self.factor = factor
        self.learnable = learnable

    def extra_repr(self):
        return f"factor={self.factor}, learnable={self.learnable}"

    def forward(self, x):
        return x * self.factor


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)
        self.act = nn.ReLU(inplace=True)
        self.scale = Scale(0.5)

    def forward(self, x):
        return self.scale(self.act(self.bn(self.conv(x))))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, kernel_size=5, stride=2, padding=2), nn.ReLU())
        self.blocks = nn.ModuleList([Block(8) for _ in range(3)])
        self.heads = nn.ModuleDict({"cls": nn.Linear(8, 10), "reg": nn.Linear(8, 4, bias=False)})
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.drop = nn.Dropout(p=0.3)
        self.empty = nn.Sequential()
        self.named = nn.Sequential(OrderedDict([("fc1", nn.Linear(4, 4)), ("gelu", nn.GELU()),
                                                ("ln", nn.LayerNorm(4, elementwise_affine=False))]))

    def forward(self, x):
        x = self.stem(x)
        for b in self.blocks:
            x = b(x)
        return self.heads["cls"](self.drop(self.pool(x).flatten(1)))


torch.manual_seed(0)
net = Net()
print(net)
print(net.blocks[0], net.heads, net.named.ln, net.empty)
print(nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Tanh(), nn.Sequential(nn.Identity()))))
print(nn.ModuleList(), nn.ModuleDict(), nn.ParameterList([nn.Parameter(torch.ones(2))]))
print(nn.LSTM(4, 8, num_layers=2, batch_first=True, dropout=0.1, bidirectional=True))
print(nn.Embedding(10, 3, padding_idx=0), nn.MaxPool2d(2), nn.AvgPool1d(3, stride=1),
      nn.Softmax(dim=-1), nn.LeakyReLU(0.2), nn.Flatten(), nn.Upsample(scale_factor=2))
print(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True))
print([name for name, _ in net.named_modules()][:12])
print([(n, tuple(p.shape)) for n, p in net.named_parameters()][:6])
print(sum(p.numel() for p in net.parameters()), net(torch.randn(1, 3, 8, 8)).shape)
print(Scale(2.0, learnable=True), str(Scale(3)) == repr(Scale(3)))
