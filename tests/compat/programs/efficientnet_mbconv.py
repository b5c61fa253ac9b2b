"""EfficientNet/MobileNetV2-style blocks written by hand: make_divisible channel rounding,
Conv-BN-SiLU stems, MBConv with an expansion 1x1 conv, depthwise 3x3/5x5 convs (groups=channels),
squeeze-and-excitation with adaptive_avg_pool2d and sigmoid gating, stochastic depth (drop path)
with a per-sample Bernoulli mask in training and identity in eval, compound scaling of width and
depth with math.ceil, a parameter and FLOP-ish count per stage, training a few steps with
RMSprop, and the eval-mode output."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def make_divisible(v, divisor=8, min_value=None):
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class ConvBNAct(nn.Sequential):
    def __init__(self, cin, cout, k=3, stride=1, groups=1, act=True):
        super().__init__(nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01),
                         nn.SiLU(inplace=True) if act else nn.Identity())


class SqueezeExcite(nn.Module):
    def __init__(self, cin, squeeze):
        super().__init__()
        self.reduce = nn.Conv2d(cin, squeeze, 1)
        self.expand = nn.Conv2d(squeeze, cin, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        s = self.expand(F.silu(self.reduce(s)))
        return x * torch.sigmoid(s)


def drop_path(x, p, training):
    if p == 0.0 or not training:
        return x
    keep = 1 - p
    mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
    return x * mask / keep


class MBConv(nn.Module):
    def __init__(self, cin, cout, k, stride, expand, se_ratio=0.25, drop=0.0):
        super().__init__()
        mid = cin * expand
        self.use_res = stride == 1 and cin == cout
        layers = []
        if expand != 1:
            layers.append(ConvBNAct(cin, mid, 1))
        layers += [ConvBNAct(mid, mid, k, stride, groups=mid),
                   SqueezeExcite(mid, max(1, int(cin * se_ratio))),
                   ConvBNAct(mid, cout, 1, act=False)]
        self.block = nn.Sequential(*layers)
        self.drop = drop

    def forward(self, x):
        out = self.block(x)
        if self.use_res:
            out = drop_path(out, self.drop, self.training) + x
        return out


class TinyEfficientNet(nn.Module):
    # (expand, channels, repeats, stride, kernel)
    cfg = [(1, 16, 1, 1, 3), (6, 24, 2, 2, 3), (6, 40, 2, 2, 5)]

    def __init__(self, width=1.0, depth=1.0, num_classes=5, drop_path_rate=0.2):
        super().__init__()
        stem = make_divisible(32 * width)
        self.stem = ConvBNAct(3, stem, 3, 2)
        blocks, cin = [], stem
        total = sum(math.ceil(r * depth) for _, _, r, _, _ in self.cfg)
        i = 0
        for e, c, r, s, k in self.cfg:
            cout = make_divisible(c * width)
            for j in range(math.ceil(r * depth)):
                blocks.append(MBConv(cin, cout, k, s if j == 0 else 1, e,
                                     drop=drop_path_rate * i / total))
                cin = cout
                i += 1
        self.blocks = nn.Sequential(*blocks)
        self.head = ConvBNAct(cin, make_divisible(128 * width), 1)
        self.classifier = nn.Sequential(nn.Dropout(0.2),
                                        nn.Linear(make_divisible(128 * width), num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.uniform_(m.weight, -1.0 / math.sqrt(m.out_features),
                                 1.0 / math.sqrt(m.out_features))
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.head(self.blocks(self.stem(x)))
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


print([make_divisible(v) for v in (3, 16 * 1.1, 24 * 0.75, 37.5, 100)])
torch.manual_seed(0)
for w, d in ((1.0, 1.0), (0.5, 2.0)):
    net = TinyEfficientNet(w, d)
    print(w, d, len(net.blocks), sum(p.numel() for p in net.parameters()),
          [b.block[-1][0].out_channels for b in net.blocks])
net = TinyEfficientNet()
dw = [m for m in net.modules() if isinstance(m, nn.Conv2d) and m.groups > 1]
print(len(dw), dw[0], [round(b.drop, 4) for b in net.blocks])
x = torch.randn(8, 3, 32, 32)
y = torch.randint(0, 5, (8,))
opt = torch.optim.RMSprop(net.parameters(), lr=1e-3, alpha=0.9, eps=1e-3, momentum=0.9,
                          weight_decay=1e-5)
for step in range(5):
    net.train()
    loss = F.cross_entropy(net(x), y, label_smoothing=0.1)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(step, f"{loss.item():.5f}")
net.eval()
with torch.no_grad():
    out = net(x)
print(out[:2], net.blocks[1].block[0][1].running_mean[:4])
