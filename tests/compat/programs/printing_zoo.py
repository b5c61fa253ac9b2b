"""How tensors print, the first thing a user compares: every dtype (bool, uint8, int8/16/32/64,
float16, bfloat16, float32/64), 0-d, empty and 1-element tensors, nan/inf, large
tensors summarised with '...', wide rows wrapped at the line width, scientific notation chosen
automatically, requires_grad/grad_fn suffixes, and torch.set_printoptions (precision, threshold,
edgeitems, linewidth, sci_mode, profiles); repr of Size, dtype, device, Parameter and nn.Module."""
import torch
import torch.nn as nn

torch.manual_seed(0)
for dt in (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
           torch.float16, torch.bfloat16, torch.float32, torch.float64):
    t = (torch.arange(-3, 5) * 7).to(dt)
    print(dt, t)
    print(t.view(2, 4)[:, 1:3].to(dt))

print(torch.tensor(3.5), torch.tensor(7), torch.tensor(True), torch.tensor(2.5, dtype=torch.float64))
print(torch.tensor([]), torch.zeros(0, 3), torch.zeros(2, 0, dtype=torch.int64), torch.ones(1))
print(torch.tensor([float("nan"), float("inf"), -float("inf"), 1.0, -0.0]))
print(torch.tensor([1e-8, 1.0, 1e8]), torch.tensor([1e-5, 2e-5]), torch.tensor([123456789.0, 1.5]))
print(torch.tensor([100.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.1, 12345.678]))
print(torch.tensor([[1e10, 1.0], [3.0, 4.0]], dtype=torch.float64))
print(torch.arange(2000))
print(torch.randn(60, 60))
print(torch.arange(30.0).view(5, 6) / 7)
print(torch.randn(3, 30))
print(torch.randn(2, 3, 4, 5)[0])
x = torch.randn(3, requires_grad=True)
print(x, x * 2, (x * 2).sum(), x.detach(), x[0], x.exp().mean(0))
print(torch.randn(2, 2, dtype=torch.float64, requires_grad=True))
print(torch.zeros(2, 2, dtype=torch.float16, requires_grad=True))

torch.set_printoptions(precision=2)
print(torch.tensor([1.23456, 2.34567]), torch.randn(2, 3))
torch.set_printoptions(threshold=10, edgeitems=2)
print(torch.arange(20), torch.arange(100).view(10, 10))
torch.set_printoptions(sci_mode=True)
print(torch.tensor([1.5, 2.25]))
torch.set_printoptions(sci_mode=False)
print(torch.tensor([1e-8, 1e8]))
torch.set_printoptions(linewidth=40)
print(torch.arange(15.0))
torch.set_printoptions(profile="full")
print(torch.arange(30))
torch.set_printoptions(profile="short")
print(torch.randn(4, 4))
torch.set_printoptions(profile="default")
print(torch.linspace(0, 1, 5), torch.tensor([0.1, 0.25]) * 3)

print(torch.Size([2, 3]), torch.Size([]), torch.float32, torch.int64, torch.device("cpu"))
print(repr(torch.tensor([1, 2]).shape), torch.tensor([[1.0]]).dtype, str(torch.bool))
print(nn.Parameter(torch.ones(2)))
print(nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, bias=False), nn.BatchNorm2d(8), nn.ReLU(True),
                    nn.Dropout(0.1), nn.Linear(8, 2)))
print(nn.LSTM(4, 8, num_layers=2, batch_first=True, bidirectional=True), nn.Embedding(10, 3,
      padding_idx=0), nn.MultiheadAttention(8, 2, batch_first=True))
print(f"{torch.tensor(3.14159):.2f}", f"{torch.tensor(2)}", format(torch.tensor(1.5), ".3e"))
print(torch.tensor([1.5, 2.5]).tolist(), torch.tensor(2.5).item(), str(torch.tensor([1, 2])))
