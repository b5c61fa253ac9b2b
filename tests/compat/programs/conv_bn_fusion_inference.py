"""Preparing a MobileNetV2-style network for inference as deployment guides do: inverted residual
blocks with ReLU6 and a linear bottleneck, BatchNorm statistics warmed up in train mode, then
Conv+BN fusion with torch.nn.utils.fusion.fuse_conv_bn_eval (and fuse_conv_bn_weights by hand
into a new nn.Conv2d), Linear+BN fusion with fuse_linear_bn_eval, the fused network compared
with the original in eval mode, channels_last memory format (is_contiguous with memory_format),
torch.inference_mode, parameter counts, and timing-free throughput bookkeeping."""
import copy

import torch
import torch.nn as nn
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval


class ConvBNReLU(nn.Sequential):
    def __init__(self, cin, cout, k=3, stride=1, groups=1, relu=True):
        layers = [nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
                  nn.BatchNorm2d(cout)]
        if relu:
            layers.append(nn.ReLU6(inplace=True))
        super().__init__(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, inp, oup, stride, expand_ratio):
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers = []
        if expand_ratio != 1:
            layers.append(ConvBNReLU(inp, hidden, k=1))
        layers += [ConvBNReLU(hidden, hidden, stride=stride, groups=hidden),
                   ConvBNReLU(hidden, oup, k=1, relu=False)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2Tiny(nn.Module):
    def __init__(self, num_classes=6):
        super().__init__()
        self.features = nn.Sequential(
            ConvBNReLU(3, 16, stride=2), InvertedResidual(16, 16, 1, 1),
            InvertedResidual(16, 24, 2, 6), InvertedResidual(24, 24, 1, 6),
            ConvBNReLU(24, 64, k=1))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 32)
        self.bn = nn.BatchNorm1d(32)
        self.classifier = nn.Linear(32, num_classes)

    def forward(self, x):
        x = self.pool(self.features(x)).flatten(1)
        return self.classifier(torch.relu(self.bn(self.fc(x))))


def fuse_model(model):
    model = copy.deepcopy(model)
    for m in model.modules():
        if isinstance(m, ConvBNReLU):
            m[0] = fuse_conv_bn_eval(m[0], m[1])
            m[1] = nn.Identity()
    model.fc = fuse_linear_bn_eval(model.fc, model.bn)
    model.bn = nn.Identity()
    return model


torch.manual_seed(0)
model = MobileNetV2Tiny()
model.train()
with torch.no_grad():
    for _ in range(5):
        model(torch.randn(16, 3, 32, 32) * 2 + 0.5)
model.eval()
bn = model.features[0][1]
print(bn.num_batches_tracked, bn.running_mean[:3], bn.running_var[:3])
fused = fuse_model(model)
x = torch.randn(4, 3, 32, 32)
with torch.no_grad():
    ref, out = model(x), fused(x)
print(ref.shape, (ref - out).abs().max().item() < 1e-4, out[0])
print(sum(p.numel() for p in model.parameters()), sum(p.numel() for p in fused.parameters()),
      fused.features[0][0].bias is not None, type(fused.features[0][1]).__name__)

conv, bn = model.features[2].conv[1][0], model.features[2].conv[1][1]
w, b = fuse_conv_bn_weights(conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps,
                            bn.weight, bn.bias)
manual = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride,
                   conv.padding, groups=conv.groups)
manual.weight, manual.bias = w, b
h = torch.randn(2, conv.in_channels, 8, 8)
with torch.no_grad():
    print(torch.allclose(manual(h), bn(conv(h)), atol=1e-5), type(w).__name__, w.requires_grad)

xc = x.to(memory_format=torch.channels_last)
print(xc.is_contiguous(), xc.is_contiguous(memory_format=torch.channels_last), xc.stride())
fused_cl = fused.to(memory_format=torch.channels_last)
print(fused_cl.features[0][0].weight.is_contiguous(memory_format=torch.channels_last))
with torch.inference_mode():
    y = fused_cl(xc)
    print(torch.is_inference_mode_enabled(), y.requires_grad, y.is_inference(),
          (y - out).abs().max().item() < 1e-4)
    probs = y.softmax(-1)
    top = probs.topk(2)
print(top.values, top.indices, probs.sum(-1))
