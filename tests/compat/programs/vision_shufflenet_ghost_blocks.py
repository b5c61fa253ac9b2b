"""ShuffleNetV2 and GhostNet building blocks as their reference ports write them: channel_shuffle
by view/transpose/contiguous compared with nn.ChannelShuffle, a stride-1 unit with
x.chunk(2, dim=1) and a stride-2 unit with two depthwise-separable branches, a Ghost module
(primary 1x1 conv plus cheap depthwise 'ghost' features, sliced to the output width),
AdaptiveMaxPool2d/AdaptiveAvgPool2d heads concatenated, hard-swish/hard-sigmoid, and parameter
and multiply-add counts from module attributes; three SGD steps with nesterov momentum."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(17)


def channel_shuffle(x, groups):
    b, c, h, w = x.size()
    x = x.view(b, groups, c // groups, h, w)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(b, -1, h, w)


def dw_conv(c, stride):
    return nn.Sequential(nn.Conv2d(c, c, 3, stride, 1, groups=c, bias=False), nn.BatchNorm2d(c))


class ShuffleUnit(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.stride = stride
        branch = cout // 2
        if stride > 1:
            self.branch1 = nn.Sequential(dw_conv(cin, stride), nn.Conv2d(cin, branch, 1, bias=False),
                                         nn.BatchNorm2d(branch), nn.ReLU(inplace=True))
        else:
            self.branch1 = nn.Sequential()
        c2 = cin if stride > 1 else branch
        self.branch2 = nn.Sequential(nn.Conv2d(c2, branch, 1, bias=False), nn.BatchNorm2d(branch),
                                     nn.ReLU(inplace=True), dw_conv(branch, stride),
                                     nn.Conv2d(branch, branch, 1, bias=False), nn.BatchNorm2d(branch),
                                     nn.ReLU(inplace=True))

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)


class GhostModule(nn.Module):
    def __init__(self, cin, cout, ratio=2):
        super().__init__()
        self.cout = cout
        init = -(-cout // ratio)
        self.primary = nn.Sequential(nn.Conv2d(cin, init, 1, bias=False), nn.BatchNorm2d(init),
                                     nn.Hardswish())
        self.cheap = nn.Sequential(nn.Conv2d(init, init * (ratio - 1), 3, 1, 1, groups=init, bias=False),
                                   nn.BatchNorm2d(init * (ratio - 1)), nn.Hardswish())

    def forward(self, x):
        x1 = self.primary(x)
        out = torch.cat([x1, self.cheap(x1)], dim=1)
        return out[:, :self.cout, :, :]


class Net(nn.Module):
    def __init__(self, n_classes=4):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 12, 3, 2, 1, bias=False), nn.BatchNorm2d(12), nn.ReLU())
        self.stage = nn.Sequential(ShuffleUnit(12, 24, 2), ShuffleUnit(24, 24, 1), GhostModule(24, 15))
        self.gate = nn.Hardsigmoid()
        self.fc = nn.Linear(30, n_classes)

    def forward(self, x):
        h = self.stage(self.stem(x))
        h = h * self.gate(h.mean(dim=(2, 3), keepdim=True))
        pooled = torch.cat([F.adaptive_max_pool2d(h, 1), nn.AdaptiveAvgPool2d((1, 1))(h)], dim=1)
        return self.fc(pooled.flatten(1))


x = torch.arange(2 * 6 * 1 * 1.0).view(2, 6, 1, 1)
print("shuffle", channel_shuffle(x, 3)[0].flatten().tolist(),
      torch.equal(channel_shuffle(x, 3), nn.ChannelShuffle(3)(x)))
amp, idx = F.adaptive_max_pool2d(torch.randn(1, 2, 5, 7), (2, 3), return_indices=True)
print("adaptive max", amp.shape, idx[0, 0])

model = Net()
n_params = sum(p.numel() for p in model.parameters())
macs = {}


def count(mod, inp, out):
    k = mod.weight[0].numel()
    macs[mod] = out.numel() // out.shape[0] * k


for m in model.modules():
    if isinstance(m, (nn.Conv2d, nn.Linear)):
        m.register_forward_hook(count)
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=4e-5)
for step in range(3):
    xb = torch.randn(8, 3, 16, 16)
    yb = torch.randint(0, 4, (8,))
    loss = F.cross_entropy(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.5f}")
print("params", n_params, "MACs", sum(macs.values()), "convs", len(macs))
model.eval()
print("eval logits", model(torch.ones(2, 3, 16, 16)))
