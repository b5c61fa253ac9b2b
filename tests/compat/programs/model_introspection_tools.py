"""What model-introspection tools (summaries, FLOP counters, structural pruners) read from
PyTorch: a summary table with input/parameter sizes from ``sys.getsizeof`` of storages and a
``dtypes`` check against legacy tensor types, forward hooks counting multiply-adds per layer,
a scripted copy beside its original module (``original_name``, ``ScriptModule`` checks), an
operator table keyed by ``torch.ops.aten`` names, the split sizes a dependency graph reads from
``grad_fn``, and the quantization base classes checkpointers test modules against."""
# compat: exact

import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                      nn.MaxPool2d(2), nn.Conv2d(8, 12, 3))
        self.head = nn.Linear(12, 5)

    def forward(self, x):
        x = self.features(x)
        a, b = torch.split(x, (4, 8), dim=1)
        x = torch.cat([b, a], 1)
        return self.head(F.adaptive_avg_pool2d(x, 1).flatten(1))


def storage_bytes(t):
    return sys.getsizeof(t.untyped_storage())


def macs_hook(counter):
    def hook(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            k = module.weight[0].numel()
            counter[module] = output.numel() * k
        elif isinstance(module, nn.Linear):
            counter[module] = output.numel() * module.in_features
        elif isinstance(module, (nn.BatchNorm2d, nn.ReLU, nn.MaxPool2d)):
            counter[module] = output.numel()
    return hook


def summarize(model, dtypes, sizes):
    # the "is it half precision" check a summary makes on its dtypes argument
    half = any(d in (torch.float16, torch.bfloat16) for d in dtypes)
    xs = [torch.rand(*s).type(d) for s, d in zip(sizes, dtypes)]
    counter, handles = {}, []
    for name, m in model.named_modules():
        if isinstance(m, torch.jit.ScriptModule) or not name:
            continue
        handles.append(m.register_forward_hook(macs_hook(counter)))
    out = model(*xs)
    for h in handles:
        h.remove()
    print(f"half precision: {half}")
    print(f"{'layer':<14}{'output':<18}{'params':>8}{'mult-adds':>11}")
    for name, m in model.named_modules():
        if m in counter:
            n = sum(p.numel() for p in m.parameters(recurse=False))
            print(f"{name:<14}{str(tuple(m.weight.shape)) if hasattr(m, 'weight') else '-':<18}"
                  f"{n:>8}{counter[m]:>11}")
    in_bytes = sum(storage_bytes(x) for x in xs)
    param_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    print(f"input size (bytes): {in_bytes}  ({in_bytes / 1e6:.2f} MB)")
    print(f"params size (bytes): {param_bytes}  total: {(in_bytes + param_bytes) / 1e6:.2f} MB")
    return out


net = SmallNet()
out = summarize(net, [torch.FloatTensor], [(2, 3, 10, 10)])
print(out.shape, [f"{v:.5f}" for v in out[0].tolist()])
print(sys.getsizeof(torch.zeros(0).untyped_storage()) - sys.getsizeof(torch.zeros(3).untyped_storage()))
print(torch.float32 == torch.FloatTensor, torch.int64 != torch.LongTensor)

# scripting makes a separate module that shares the weights; the original is still plain
scripted = torch.jit.script(net)
print(isinstance(net, torch.jit.ScriptModule), isinstance(net.head, torch.jit.ScriptModule))
print(isinstance(scripted.head, torch.jit.ScriptModule), scripted.original_name,
      scripted.features.original_name, scripted.head.weight is net.head.weight)
print(summarize(net, [torch.float32], [(1, 3, 10, 10)]).shape)

# an operator table keyed by ATen names (what a FLOP counter builds at import)
aten = torch.ops.aten
table = {aten.mm: "matmul", aten.addmm: "linear", aten.convolution: "conv",
         aten._convolution: "conv", aten.upsample_bilinear2d: "upsample"}
print(table[aten.mm], table[aten.convolution], len(table), aten.mm is torch.ops.aten.mm)
print(str(aten.addmm.default), aten.mm.default is aten.mm.default)

# the split a dependency graph follows from one output back to its input's channels
x = torch.randn(1, 12, 3, 3, requires_grad=True)
for piece in (torch.split(x, (4, 8), 1)[1], x.chunk(3, dim=1)[0], x.split(5, 1)[2], x.unbind(1)[3]):
    g = piece.grad_fn
    print(g.name(), {k: getattr(g, k) for k in ("_saved_dim", "_saved_self_sym_sizes",
                                                  "_saved_split_sizes", "_saved_split_size")
                      if hasattr(g, k)})

# checkpoint code skips observer/fake-quantize modules when it matches shapes
from torch.ao.quantization import FakeQuantizeBase, ObserverBase  # noqa: E402

print([type(m).__name__ for m in net.modules() if isinstance(m, (ObserverBase, FakeQuantizeBase))])
print(issubclass(ObserverBase, nn.Module), issubclass(torch.quantization.FakeQuantizeBase, nn.Module))

# after the tools are done the model trains as usual
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
xb, yb = torch.randn(6, 3, 10, 10), torch.tensor([0, 1, 2, 3, 4, 0])
for step in range(3):
    loss = F.cross_entropy(net(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(step, f"{loss.item():.5f}")
