# compat: exact
"""The "reasoning about shapes" recipe: running a conv net on the meta device to get output
shapes without computing anything, forward hooks that print each layer's input and output
shapes, and the formulas for conv/pool output sizes checked against what the layers return."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

t = torch.rand(2, 10, device="meta")
print(t)
print(t.shape, t.device, t.is_meta)

inp = torch.randn(20, 16, 50, 100, device="meta")
m = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1), device="meta")
out = m(inp)
print(out.shape, out.device)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


def fw_hook(module, input, output):
    print(f"Shape of output to {module} is {output.shape}.")


with torch.device("meta"):
    net = Net()
    inp = torch.randn((1024, 3, 32, 32))

for name, layer in net.named_modules():
    layer.register_forward_hook(fw_hook)

out = net(inp)
print(out.shape, out.device)


def conv_out(n, k, s=1, p=0, d=1):
    return math.floor((n + 2 * p - d * (k - 1) - 1) / s + 1)


print("formula conv", conv_out(50, 3, 2, 4, 3), conv_out(100, 5, 1, 2, 1))
for k, s, p, d in [(3, 1, 0, 1), (3, 2, 1, 1), (5, 2, 2, 2), (4, 3, 1, 1)]:
    conv = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, device="meta")
    pool = nn.MaxPool2d(k, stride=s, padding=min(p, k // 2), dilation=d)
    x = torch.empty(1, 1, 31, 17, device="meta")
    print((k, s, p, d), tuple(conv(x).shape[2:]), (conv_out(31, k, s, p, d), conv_out(17, k, s, p, d)),
          tuple(pool(x).shape[2:]))
tconv = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, device="meta")
print("transposed", tconv(torch.empty(1, 4, 7, 9, device="meta")).shape)
print("adaptive", nn.AdaptiveAvgPool2d((5, 7))(torch.empty(2, 3, 31, 17, device="meta")).shape)
