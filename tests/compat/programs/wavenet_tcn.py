"""A temporal convolutional network and a small WaveNet, as their reference code writes them:
dilated causal nn.Conv1d with left padding (F.pad and Chomp1d), weight_norm on the convolutions,
residual 1x1 downsampling, gated tanh*sigmoid activations with skip connections, a receptive
field check by gradient of one output w.r.t. the input, and training on a delayed-copy task."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm

torch.manual_seed(11)


class Chomp1d(nn.Module):
    def __init__(self, chomp_size):
        super().__init__()
        self.chomp_size = chomp_size

    def forward(self, x):
        return x[:, :, :-self.chomp_size].contiguous()


class TemporalBlock(nn.Module):
    def __init__(self, n_inputs, n_outputs, kernel_size, dilation, dropout=0.1):
        super().__init__()
        padding = (kernel_size - 1) * dilation
        self.conv1 = weight_norm(nn.Conv1d(n_inputs, n_outputs, kernel_size, padding=padding,
                                           dilation=dilation))
        self.conv2 = weight_norm(nn.Conv1d(n_outputs, n_outputs, kernel_size, padding=padding,
                                           dilation=dilation))
        self.net = nn.Sequential(self.conv1, Chomp1d(padding), nn.ReLU(), nn.Dropout(dropout),
                                 self.conv2, Chomp1d(padding), nn.ReLU(), nn.Dropout(dropout))
        self.downsample = nn.Conv1d(n_inputs, n_outputs, 1) if n_inputs != n_outputs else None
        self.relu = nn.ReLU()
        self.conv1.weight.data.normal_(0, 0.01)
        self.conv2.weight.data.normal_(0, 0.01)

    def forward(self, x):
        out = self.net(x)
        res = x if self.downsample is None else self.downsample(x)
        return self.relu(out + res)


class TCN(nn.Module):
    def __init__(self, num_inputs, num_channels, kernel_size=2):
        super().__init__()
        layers = []
        for i, ch in enumerate(num_channels):
            in_ch = num_inputs if i == 0 else num_channels[i - 1]
            layers.append(TemporalBlock(in_ch, ch, kernel_size, dilation=2 ** i))
        self.network = nn.Sequential(*layers)
        self.linear = nn.Linear(num_channels[-1], 1)

    def forward(self, x):
        return self.linear(self.network(x).transpose(1, 2)).squeeze(-1)


class CausalConv1d(nn.Conv1d):
    def __init__(self, cin, cout, k, dilation=1):
        super().__init__(cin, cout, k, dilation=dilation)
        self.left = (k - 1) * dilation

    def forward(self, x):
        return super().forward(F.pad(x, (self.left, 0)))


class WaveNet(nn.Module):
    def __init__(self, classes=8, res=16, skip=16, dilations=(1, 2, 4, 8)):
        super().__init__()
        self.start = CausalConv1d(classes, res, 2)
        self.filters = nn.ModuleList(CausalConv1d(res, res, 2, d) for d in dilations)
        self.gates = nn.ModuleList(CausalConv1d(res, res, 2, d) for d in dilations)
        self.residual = nn.ModuleList(nn.Conv1d(res, res, 1) for _ in dilations)
        self.skips = nn.ModuleList(nn.Conv1d(res, skip, 1) for _ in dilations)
        self.end1 = nn.Conv1d(skip, skip, 1)
        self.end2 = nn.Conv1d(skip, classes, 1)

    def forward(self, x):
        x = self.start(x)
        skip_sum = 0
        for f, g, r, s in zip(self.filters, self.gates, self.residual, self.skips):
            z = torch.tanh(f(x)) * torch.sigmoid(g(x))
            skip_sum = skip_sum + s(z)
            x = x + r(z)
        return self.end2(F.relu(self.end1(F.relu(skip_sum))))


tcn = TCN(1, [8, 8, 8])
print(tcn.network[0].conv1.weight_g.shape, tcn.network[0].conv1.weight_v.shape)
x = torch.randn(1, 1, 20, requires_grad=True)
tcn.eval()
tcn(x)[0, 10].backward()
print("receptive field:", (x.grad[0, 0] != 0).nonzero().flatten().tolist())
tcn.train()
opt = torch.optim.Adam(tcn.parameters(), lr=1e-2)
for step in range(40):
    x = torch.randn(16, 1, 24)
    y = torch.roll(x[:, 0], 3, dims=1)
    y[:, :3] = 0
    loss = F.mse_loss(tcn(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 9:
        print(f"tcn step {step + 1} loss {loss.item():.5f}")

wn = WaveNet()
print("wavenet params", sum(p.numel() for p in wn.parameters()))
opt = torch.optim.Adam(wn.parameters(), lr=5e-3)
seq = (torch.arange(40) * 3) % 8
for step in range(30):
    starts = torch.randint(0, 8, (8, 1))
    tokens = (seq[:33] + starts) % 8
    x = F.one_hot(tokens[:, :-1], 8).float().transpose(1, 2)
    logits = wn(x)
    loss = F.cross_entropy(logits, tokens[:, 1:])
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 9:
        print(f"wavenet step {step + 1} loss {loss.item():.4f}")
wn.eval()
with torch.no_grad():
    gen = [3]
    for _ in range(10):
        x = F.one_hot(torch.tensor([gen]), 8).float().transpose(1, 2)
        gen.append(int(wn(x)[0, :, -1].argmax()))
print(gen)
