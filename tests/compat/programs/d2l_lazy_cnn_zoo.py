"""Dive into Deep Learning's modern CNN chapters at toy sizes, built the way the book builds them:
nn.LazyConv2d/nn.LazyLinear/nn.LazyBatchNorm2d everywhere, a dummy forward to materialise
shapes (counting or initialising parameters before it raises ValueError), layer_summary
printing each layer's output shape; LeNet (Sigmoid, AvgPool2d), AlexNet-, VGG- (vgg_block loop), NiN- (nin_block with 1x1 convs and AdaptiveAvgPool2d) and GoogLeNet-style
Inception (four branches, torch.cat on dim=1) nets; init_cnn with xavier_uniform_ applied after
materialising; one SGD step each."""
import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)


def init_cnn(module):
    if type(module) == nn.Linear or type(module) == nn.Conv2d:  # noqa: E721 (the book compares types)
        nn.init.xavier_uniform_(module.weight)


def layer_summary(net, X_shape):
    X = torch.randn(*X_shape)
    for layer in net:
        X = layer(X)
        print(layer.__class__.__name__, 'output shape:\t', X.shape)


lenet = nn.Sequential(
    nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(),
    nn.LazyLinear(120), nn.Sigmoid(),
    nn.LazyLinear(84), nn.Sigmoid(),
    nn.LazyLinear(10))
print(lenet[0], lenet[7].in_features)
print(lenet[0].weight, lenet[0].has_uninitialized_params())
try:
    print(sum(p.numel() for p in lenet.parameters()))
except ValueError as e:
    print('counting before the first forward:', type(e).__name__)
try:
    lenet.apply(init_cnn)
except ValueError as e:
    print('initialising before the first forward:', type(e).__name__)
layer_summary(lenet, (1, 1, 28, 28))
print(lenet[0], lenet[7], lenet[7].weight.shape)
lenet.apply(init_cnn)

alexnet = nn.Sequential(
    nn.LazyConv2d(8, kernel_size=5, stride=2, padding=1), nn.ReLU(),
    nn.MaxPool2d(kernel_size=3, stride=2),
    nn.LazyConv2d(16, kernel_size=3, padding=1), nn.ReLU(),
    nn.LazyConv2d(16, kernel_size=3, padding=1), nn.ReLU(),
    nn.MaxPool2d(kernel_size=3, stride=2), nn.Flatten(),
    nn.LazyLinear(32), nn.ReLU(), nn.Dropout(p=0.5),
    nn.LazyLinear(10))
layer_summary(alexnet, (1, 1, 32, 32))


def vgg_block(num_convs, out_channels):
    layers = []
    for _ in range(num_convs):
        layers.append(nn.LazyConv2d(out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


arch = ((1, 4), (1, 8), (2, 16))
conv_blks = []
for (num_convs, out_channels) in arch:
    conv_blks.append(vgg_block(num_convs, out_channels))
vgg = nn.Sequential(*conv_blks, nn.Flatten(), nn.LazyLinear(32), nn.ReLU(), nn.Dropout(0.5),
                    nn.LazyLinear(10))
layer_summary(vgg, (1, 1, 16, 16))


def nin_block(out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.LazyConv2d(out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU())


nin = nn.Sequential(
    nin_block(8, kernel_size=5, strides=2, padding=0),
    nn.MaxPool2d(3, stride=2),
    nin_block(16, kernel_size=3, strides=1, padding=1),
    nn.Dropout(0.5),
    nin_block(10, kernel_size=3, strides=1, padding=1),
    nn.AdaptiveAvgPool2d((1, 1)),
    nn.Flatten())
layer_summary(nin, (1, 1, 24, 24))


class Inception(nn.Module):
    def __init__(self, c1, c2, c3, c4, **kwargs):
        super(Inception, self).__init__(**kwargs)
        self.b1_1 = nn.LazyConv2d(c1, kernel_size=1)
        self.b2_1 = nn.LazyConv2d(c2[0], kernel_size=1)
        self.b2_2 = nn.LazyConv2d(c2[1], kernel_size=3, padding=1)
        self.b3_1 = nn.LazyConv2d(c3[0], kernel_size=1)
        self.b3_2 = nn.LazyConv2d(c3[1], kernel_size=5, padding=2)
        self.b4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.b4_2 = nn.LazyConv2d(c4, kernel_size=1)

    def forward(self, x):
        b1 = F.relu(self.b1_1(x))
        b2 = F.relu(self.b2_2(F.relu(self.b2_1(x))))
        b3 = F.relu(self.b3_2(F.relu(self.b3_1(x))))
        b4 = F.relu(self.b4_2(self.b4_1(x)))
        return torch.cat((b1, b2, b3, b4), dim=1)


googlenet = nn.Sequential(
    nn.Sequential(nn.LazyConv2d(8, kernel_size=3, stride=2, padding=1), nn.ReLU(),
                  nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),
    nn.Sequential(Inception(4, (4, 8), (2, 4), 4), Inception(8, (8, 12), (2, 6), 6),
                  nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),
    nn.Sequential(nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten()),
    nn.LazyLinear(10))
layer_summary(googlenet, (1, 1, 24, 24))
print(googlenet[1][0].b3_2, sum(p.numel() for p in googlenet.parameters()))

X = torch.randn(8, 1, 24, 24)
y = torch.randint(0, 10, (8,))
for name, net, size in (('lenet', lenet, 28), ('alexnet', alexnet, 32), ('vgg', vgg, 16),
                        ('nin', nin, 24), ('googlenet', googlenet, 24)):
    net.apply(init_cnn)
    Xs = F.interpolate(X, size=(size, size), mode='bilinear', align_corners=False)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    losses = []
    for _ in range(3):
        net.train()
        loss = F.cross_entropy(net(Xs), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(round(loss.item(), 4))
    net.eval()
    print(name, losses, net(Xs).argmax(1).shape, sum(p.numel() for p in net.parameters()))
