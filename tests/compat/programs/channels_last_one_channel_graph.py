"""A one-channel (grayscale) CNN run in channels_last, as mobile/vision code does it: the
strides of each layer's output (pooling, interpolate, group norm, activations, adaptive pool
to 1x1, a squeeze-excite product), and the grad_fn arguments a graph printer reads
(``_saved_dim`` of softmax/sum/cat with negative dims, kept as given). Covers PyTorch's
layout of size-1 dims and its saved arguments."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
x = torch.randn(2, 1, 8, 8).to(memory_format=torch.channels_last)
conv = nn.Conv2d(1, 4, 3, padding=1).to(memory_format=torch.channels_last)
gn = nn.GroupNorm(2, 4)

def show(name, t):
    print(name, tuple(t.shape), t.stride(), t.is_contiguous(memory_format=torch.channels_last))

show("input", x)
show("sigmoid(input)", torch.sigmoid(x))
show("input*2", x * 2)
show("maxpool(input)", F.max_pool2d(x, 2))
show("upsample(input)", F.interpolate(x, scale_factor=2))
h = conv(x)
show("conv", h)
h = F.silu(gn(h))
show("gn+silu", h)
se = F.adaptive_avg_pool2d(h, 1)
show("squeeze", se)
se = torch.sigmoid(se)
show("excite", se)
y = h * se
show("scaled", y)
logits = y.flatten(1).matmul(torch.ones(y[0].numel(), 3) * 0.01)
p = F.log_softmax(logits, -1)
loss = -torch.cat([p[:, :1], p[:, 1:]], -1).sum(-1).mean()
print("loss", round(loss.item(), 5))
for t in (p, loss.grad_fn.next_functions[0][0]):
    fn = t.grad_fn if isinstance(t, torch.Tensor) else t
    print(type(fn).__name__, {a: getattr(fn, a) for a in dir(fn)
                              if a.startswith("_saved_") and a.endswith(("dim", "keepdim"))})
loss.backward()
print("grad", round(conv.weight.grad.abs().sum().item(), 4))
