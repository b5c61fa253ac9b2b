"""MobileNetV2/V3-style blocks as torchvision-like code writes them: depthwise-separable
convolutions (groups=in_channels), inverted residuals with expansion, a squeeze-and-excitation
block (adaptive_avg_pool2d, hardsigmoid), Hardswish/ReLU6, _make_divisible channel rounding,
GroupNorm and InstanceNorm2d (affine and track_running_stats) as the normalisations, kaiming
init with mode="fan_out", and a train/eval comparison."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(17)


def _make_divisible(v, divisor=8, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class SqueezeExcitation(nn.Module):
    def __init__(self, ch, squeeze_factor=4):
        super().__init__()
        sq = _make_divisible(ch // squeeze_factor, 8)
        self.fc1 = nn.Conv2d(ch, sq, 1)
        self.fc2 = nn.Conv2d(sq, ch, 1)

    def forward(self, x):
        scale = F.adaptive_avg_pool2d(x, 1)
        scale = self.fc2(F.relu(self.fc1(scale), inplace=True))
        return x * F.hardsigmoid(scale, inplace=True)


def norm(kind, ch):
    if kind == "group":
        return nn.GroupNorm(num_groups=4, num_channels=ch)
    if kind == "instance":
        return nn.InstanceNorm2d(ch, affine=True, track_running_stats=True)
    return nn.BatchNorm2d(ch)


class InvertedResidual(nn.Module):
    def __init__(self, inp, oup, stride, expand_ratio, use_se, kind):
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers = []
        if expand_ratio != 1:
            layers += [nn.Conv2d(inp, hidden, 1, bias=False), norm(kind, hidden), nn.Hardswish()]
        layers += [nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
                   norm(kind, hidden), nn.ReLU6(inplace=True)]
        if use_se:
            layers.append(SqueezeExcitation(hidden))
        layers += [nn.Conv2d(hidden, oup, 1, bias=False), norm(kind, oup)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class DepthwiseSeparable(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin)
        self.pointwise = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class TinyMobileNet(nn.Module):
    def __init__(self, kind, num_classes=5, width_mult=1.0):
        super().__init__()
        c0 = _make_divisible(16 * width_mult)
        self.stem = nn.Sequential(nn.Conv2d(3, c0, 3, 2, 1, bias=False), norm(kind, c0),
                                  nn.Hardswish())
        self.blocks = nn.Sequential(InvertedResidual(c0, 16, 1, 1, True, kind),
                                    InvertedResidual(16, 24, 2, 4, False, kind),
                                    InvertedResidual(24, 24, 1, 3, True, kind))
        self.sep = DepthwiseSeparable(24, 32)
        self.classifier = nn.Sequential(nn.Linear(32, 32), nn.Hardswish(), nn.Dropout(0.2),
                                        nn.Linear(32, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.GroupNorm, nn.InstanceNorm2d, nn.BatchNorm2d)):
                if m.weight is not None:
                    nn.init.ones_(m.weight)
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.sep(self.blocks(self.stem(x)))
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1))


print([_make_divisible(v) for v in (3, 16 * 0.75, 30, 100)])
x = torch.randn(12, 3, 16, 16)
y = torch.randint(0, 5, (12,))
x = x + y.view(-1, 1, 1, 1) * 0.3
for kind in ("group", "instance", "batch"):
    torch.manual_seed(0)
    model = TinyMobileNet(kind)
    n_params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, momentum=0.9, eps=1e-3)
    for step in range(8):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        out = model(x)
    print(f"{kind}: params {n_params} loss {loss.item():.4f} eval logits {out[0]}")
inorm = TinyMobileNet("instance").stem[1]
inorm(torch.randn(2, 16, 4, 4) * 3 + 1)
print(inorm.running_mean[:4], inorm.running_var[:4], inorm.num_batches_tracked)
gn = nn.GroupNorm(2, 4, eps=1e-3)
t = torch.arange(32.0).view(1, 4, 2, 4)
print(gn(t)[0, :, 0])
print(F.group_norm(t, 2), F.instance_norm(t).pow(2).sum())
