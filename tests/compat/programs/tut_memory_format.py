# compat: exact
"""The channels-last memory format tutorial: strides of NCHW against channels_last tensors,
to(memory_format=...), is_contiguous(memory_format=...), contiguous(memory_format=...), empty
with a memory_format, the permute trick, formats kept by clone/elementwise ops and by
convolutions, model.to(memory_format=torch.channels_last), and channels_last_3d."""
import torch
import torch.nn as nn

torch.manual_seed(0)
N, C, H, W = 10, 3, 32, 32
x = torch.empty(N, C, H, W)
print(x.stride())
x = x.to(memory_format=torch.channels_last)
print(x.shape)
print(x.stride())
x = x.to(memory_format=torch.contiguous_format)
print(x.stride())
x = x.contiguous(memory_format=torch.channels_last)
print(x.stride())
print(x.is_contiguous(memory_format=torch.channels_last))
print(x.is_contiguous())

special_x = torch.empty(4, 1, 4, 4)
print(special_x.is_contiguous(memory_format=torch.channels_last))
print(special_x.is_contiguous(memory_format=torch.contiguous_format))

x = torch.empty(N, C, H, W, memory_format=torch.channels_last)
print(x.stride())

x = torch.empty(N, H, W, C)
x = x.permute(0, 3, 1, 2)
print(x.shape)
print(x.is_contiguous(memory_format=torch.channels_last))

x = torch.randn(N, C, H, W).contiguous(memory_format=torch.channels_last)
print("clone", x.clone().stride())
print("unary", x.relu().is_contiguous(memory_format=torch.channels_last))
print("binary", (x + x).is_contiguous(memory_format=torch.channels_last))
print("contiguous() makes NCHW", x.contiguous().stride())

model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                      nn.Conv2d(8, 4, 3, padding=1))
ref = model(x.contiguous())
model = model.to(memory_format=torch.channels_last)
print("weight stride", model[0].weight.stride())
out = model(x)
print("conv out channels_last", out.is_contiguous(memory_format=torch.channels_last))
print("same values", torch.allclose(out, ref, atol=1e-5))
print("mean", f"{out.mean().item():.3f}")

x3 = torch.randn(2, 3, 4, 5, 6).to(memory_format=torch.channels_last_3d)
print(x3.stride(), x3.is_contiguous(memory_format=torch.channels_last_3d))
try:
    torch.randn(3, 4).to(memory_format=torch.channels_last)
except RuntimeError as e:
    print("rank 2:", type(e).__name__)
