"""Corners of the nn/optim/data API that user code prints or catches: nn.init.calculate_gain's
int gain for linear layers, the deprecated nn.Container, lazy batch/instance norms with
bias=False, RNN/GRU refusing proj_size (ValueError), the messages of refused Module
assignments and of torch.stack's size check, TensorDataset's size assert, a ChainedScheduler
mixing optimizers, channels_last resize_ and convert_conv2d_weight_memory_format strides, and
Conv/Transformer private attributes that pickled PyTorch modules carry."""
# compat: exact
import warnings

import torch
import torch.nn as nn
from torch.utils.data import TensorDataset

warnings.simplefilter("ignore")
torch.manual_seed(0)

print("gains", [nn.init.calculate_gain(n) for n in ("linear", "conv2d", "sigmoid", "tanh")])
print(nn.Container(fc=nn.Linear(2, 2), act=nn.ReLU()))

for cls, shape in ((nn.LazyBatchNorm1d, (4, 3)), (nn.LazyInstanceNorm2d, (2, 3, 4, 4))):
    norm = cls(bias=False)
    out = norm(torch.randn(*shape))
    print(norm, [(n, tuple(p.shape)) for n, p in norm.named_parameters()], f"{out.std():.4f}")

for cls in (nn.RNN, nn.GRU):
    try:
        cls(3, 4, proj_size=2)
    except ValueError as e:
        print(cls.__name__, "ValueError:", str(e).split(" (")[0].split(";")[0])

layer = nn.Linear(2, 2)
for attempt in (lambda: layer.register_parameter("w", torch.ones(1)),
                lambda: setattr(layer, "weight", torch.ones(2, 2, dtype=torch.float64)),
                lambda: layer.register_buffer("b", [1.0])):
    try:
        attempt()
    except TypeError as e:
        print("TypeError:", e)
try:
    torch.stack([torch.ones(2, 3), torch.ones(3, 2)])
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    TensorDataset(torch.ones(3, 2), torch.ones(4))
except AssertionError as e:
    print("AssertionError:", str(e).split(":")[0])

sgd = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)
adam = torch.optim.Adam([nn.Parameter(torch.zeros(1))], lr=0.5)
try:
    torch.optim.lr_scheduler.ChainedScheduler([torch.optim.lr_scheduler.StepLR(sgd, 1),
                                                torch.optim.lr_scheduler.StepLR(adam, 1)])
except ValueError as e:
    print("ValueError:", str(e).splitlines()[0], "...", str(e).splitlines()[-1])

x = torch.arange(24.)
x.resize_(1, 2, 3, 4, memory_format=torch.channels_last)
print(x.stride(), x.is_contiguous(memory_format=torch.channels_last), x[0, 1, 0].tolist())
net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), nn.ReLU(),
                    nn.Sequential(nn.ConvTranspose2d(4, 2, 2)))
before = net(torch.randn(1, 3, 5, 5))
nn.utils.convert_conv2d_weight_memory_format(net, torch.channels_last)
print([p.stride() for p in net.parameters()])
print(net[0]._reversed_padding_repeated_twice, nn.Conv1d(1, 1, 3, padding="same")
      ._reversed_padding_repeated_twice)
enc = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
print(enc.self_attn.batch_first, hasattr(enc, "batch_first"), nn.Transformer(8, 2, 1, 1, 16,
                                                                         batch_first=True).batch_first)
