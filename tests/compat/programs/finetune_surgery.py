"""Fine-tuning surgery on a small ResNet-like model: freezing the backbone with
requires_grad_(False), keeping BatchNorm in eval mode while training, replacing the head,
differential learning rates, get_submodule/set_submodule, loading a DataParallel-style
'module.'-prefixed checkpoint with the prefix stripped (and consume_prefix_in_state_dict_if_present),
feature extraction with forward hooks, and counting trainable parameters."""
import collections

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present

torch.manual_seed(8)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                                            nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class TinyResNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 8))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, 2), BasicBlock(16, 16))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


pretrained = TinyResNet()
pretrained(torch.randn(4, 3, 16, 16))  # updates the BN running stats
ckpt = collections.OrderedDict(("module." + k, v) for k, v in pretrained.state_dict().items())
model = TinyResNet(num_classes=10)
sd = {k.replace("module.", "", 1): v for k, v in ckpt.items()}
print(model.load_state_dict(sd))
sd2 = collections.OrderedDict(ckpt)
consume_prefix_in_state_dict_if_present(sd2, "module.")
print(list(sd2.keys())[:3], torch.equal(sd2["fc.weight"], pretrained.fc.weight))
for p in model.parameters():
    p.requires_grad_(False)
model.fc = nn.Linear(model.fc.in_features, 3)
model.set_submodule("layer2.1.conv2", nn.Conv2d(16, 16, 3, 1, 1, bias=False))
print(model.get_submodule("layer2.1.conv2"), model.get_submodule("layer2.0.downsample.0").stride)
trainable = [n for n, p in model.named_parameters() if p.requires_grad]
print(trainable, sum(p.numel() for p in model.parameters() if p.requires_grad))
opt = torch.optim.SGD([{"params": model.fc.parameters(), "lr": 0.1},
                       {"params": model.layer2[1].conv2.parameters(), "lr": 0.01}], momentum=0.9)


def set_bn_eval(m):
    if isinstance(m, nn.BatchNorm2d):
        m.eval()


feats = {}
handle = model.layer1.register_forward_hook(lambda m, i, o: feats.__setitem__("layer1", o.detach()))
x, y = torch.randn(6, 3, 16, 16), torch.tensor([0, 1, 2, 0, 1, 2])
rm_before = model.bn1.running_mean.clone()
for epoch in range(4):
    model.train()
    model.apply(set_bn_eval)
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(epoch, round(loss.item(), 5), model.bn1.training, model.fc.training, model.conv1.weight.grad is None)
print(torch.equal(rm_before, model.bn1.running_mean), feats["layer1"].shape)
handle.remove()
print(len(model.layer1._forward_hooks), [g["lr"] for g in opt.param_groups])
model.eval()
with torch.no_grad():
    emb = torch.flatten(model.avgpool(model.layer2(model.layer1(model.maxpool(model.relu(model.bn1(model.conv1(x))))))), 1)
print(emb.shape, torch.allclose(model.fc(emb), model(x), atol=1e-6))
print([n for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)][:4])
print(model.layer2[0])
