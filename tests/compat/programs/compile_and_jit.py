"""torch.compile and TorchScript the way users write them: torch.compile(model) and the
@torch.compile decorator, torch.jit.script on functions and modules, torch.jit.trace, saving and
loading a scripted module, the compiled module's state_dict and attributes."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 12)
        self.fc2 = nn.Linear(12, 2)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


model = Net()
compiled = torch.compile(model)
x = torch.randn(5, 6)
print(torch.allclose(compiled(x), model(x)), type(compiled).__name__)
print(list(compiled.state_dict().keys()))
print(compiled.fc1.out_features, compiled._orig_mod is model)
opt = torch.optim.SGD(compiled.parameters(), lr=0.1)
for _ in range(3):
    loss = compiled(x).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"{loss.item():.6f}")


@torch.compile
def gelu_tanh(t):
    return 0.5 * t * (1 + torch.tanh(0.7978845608 * (t + 0.044715 * t ** 3)))


@torch.compile(mode="reduce-overhead", fullgraph=True)
def scaled(t, s: float = 2.0):
    return t * s


print(gelu_tanh(torch.linspace(-2, 2, 5)), scaled(torch.ones(2)), scaled(torch.ones(2), s=3.0))
opt_fn = torch.compile(lambda a, b: torch.sin(a) + torch.cos(b), dynamic=True)
print(opt_fn(torch.zeros(3), torch.zeros(3)))
torch._dynamo.reset()


@torch.jit.script
def fused(x, y):
    if x.max() > y.max():
        r = x
    else:
        r = y
    return r * 2


print(fused(torch.ones(2), torch.zeros(2)), fused(torch.zeros(2), torch.full((2,), 3.0)))


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.lin(x)
        if bool(h.sum() > 0):
            return torch.sigmoid(h)
        return torch.tanh(h)


gate = Gate()
scripted = torch.jit.script(gate)
inp = torch.randn(3, 4)
print(torch.allclose(scripted(inp), gate(inp)), isinstance(scripted, torch.jit.ScriptModule))
traced = torch.jit.trace(model, x)
print(torch.allclose(traced(x), model(x)), traced.fc1.weight.shape)
buf = io.BytesIO()
torch.jit.save(scripted, buf)
buf.seek(0)
loaded = torch.jit.load(buf)
print(torch.allclose(loaded(inp), gate(inp)), sorted(loaded.state_dict().keys()))
frozen = torch.jit.freeze(torch.jit.script(Net().eval()))
print(frozen(x).shape)
with torch.no_grad():
    print(torch.jit.trace(lambda t: t * 2 + 1, torch.ones(2))(torch.arange(3.)))
print(torch.jit.is_scripting(), torch.compiler.is_compiling())
