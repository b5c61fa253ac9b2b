"""Dive into Deep Learning: batch normalization written by hand (`batch_norm` with
torch.is_grad_enabled(), moving_mean/moving_var updated with momentum, 2-D and 4-D cases,
a BatchNorm module holding gamma/beta nn.Parameters and moving stats as plain tensors moved with
`.to(X.device)`), compared with nn.BatchNorm2d/LazyBatchNorm2d; then the book's Residual block
(use_1x1conv, strides) and DenseNet conv_block/DenseBlock/transition_block with lazy layers."""
import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
    if not torch.is_grad_enabled():
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        X_hat = (X - mean) / torch.sqrt(var + eps)
        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
        moving_var = (1.0 - momentum) * moving_var + momentum * var
    Y = gamma * X_hat + beta
    return Y, moving_mean.data, moving_var.data


class BatchNorm(nn.Module):
    def __init__(self, num_features, num_dims):
        super().__init__()
        if num_dims == 2:
            shape = (1, num_features)
        else:
            shape = (1, num_features, 1, 1)
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        self.moving_mean = torch.zeros(shape)
        self.moving_var = torch.ones(shape)

    def forward(self, X):
        if self.moving_mean.device != X.device:
            self.moving_mean = self.moving_mean.to(X.device)
            self.moving_var = self.moving_var.to(X.device)
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean,
            self.moving_var, eps=1e-5, momentum=0.1)
        return Y


X = torch.randn(6, 3, 5, 5) * 2 + 1
mine, ref = BatchNorm(3, 4), nn.BatchNorm2d(3)
for _ in range(3):
    a, b = mine(X), ref(X)
    print(torch.allclose(a, b, atol=1e-5), mine.moving_mean.reshape(-1), ref.running_mean)
print(mine.moving_var.reshape(-1), ref.running_var, ref.num_batches_tracked)
with torch.no_grad():
    ref.eval()
    print(torch.allclose(mine(X), ref(X), atol=1e-4))
print([n for n, _ in mine.named_parameters()], list(mine.state_dict().keys()))
print(list(ref.state_dict().keys()))
x2 = torch.randn(8, 4)
mine2, ref2 = BatchNorm(4, 2), nn.BatchNorm1d(4)
print(torch.allclose(mine2(x2), ref2(x2), atol=1e-5))
lazy = nn.LazyBatchNorm2d()
print(lazy(X).shape, lazy.weight.shape, lazy.running_mean)


class Residual(nn.Module):
    def __init__(self, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1, stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


blk = Residual(3)
X = torch.randn(4, 3, 6, 6)
print(blk(X).shape)
blk = Residual(6, use_1x1conv=True, strides=2)
print(blk(X).shape)


def conv_block(num_channels):
    return nn.Sequential(nn.LazyBatchNorm2d(), nn.ReLU(), nn.LazyConv2d(num_channels, kernel_size=3,
                                                                      padding=1))


class DenseBlock(nn.Module):
    def __init__(self, num_convs, num_channels):
        super(DenseBlock, self).__init__()
        layer = []
        for i in range(num_convs):
            layer.append(conv_block(num_channels))
        self.net = nn.Sequential(*layer)

    def forward(self, X):
        for blk in self.net:
            Y = blk(X)
            X = torch.cat((X, Y), dim=1)
        return X


def transition_block(num_channels):
    return nn.Sequential(nn.LazyBatchNorm2d(), nn.ReLU(), nn.LazyConv2d(num_channels, kernel_size=1),
                         nn.AvgPool2d(kernel_size=2, stride=2))


blk = DenseBlock(2, 5)
Y = blk(X)
print(Y.shape, transition_block(5)(Y).shape)

b1 = nn.Sequential(nn.LazyConv2d(8, kernel_size=3, stride=1, padding=1), nn.LazyBatchNorm2d(),
                   nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
resnet = nn.Sequential(b1, nn.Sequential(Residual(8), Residual(8)),
                       nn.Sequential(Residual(16, use_1x1conv=True, strides=2), Residual(16)),
                       nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.LazyLinear(5))
densenet = nn.Sequential(b1, DenseBlock(2, 4), transition_block(8), DenseBlock(2, 4),
                         nn.LazyBatchNorm2d(), nn.ReLU(), nn.AdaptiveAvgPool2d((1, 1)),
                         nn.Flatten(), nn.LazyLinear(5))
X = torch.randn(6, 1, 12, 12)
y = torch.randint(0, 5, (6,))
for name, net in (('resnet', resnet), ('densenet', densenet)):
    net(X)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    for step in range(3):
        loss = F.cross_entropy(net(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(name, step, f'{loss.item():.5f}')
    net.eval()
    with torch.no_grad():
        print(net(X)[:2], sum(p.numel() for p in net.parameters()))
