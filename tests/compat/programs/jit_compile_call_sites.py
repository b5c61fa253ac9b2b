"""TorchScript and torch.compile at the call sites real code has: @torch.jit.script helper
functions with type annotations, torch.jit.ignore / torch.jit.unused / torch.jit.export on
module methods, torch.jit.is_scripting() branches, torch.jit.Final attributes, torch.compile with
dynamic=/fullgraph=/backend= arguments, torch._dynamo.reset(), compiled functions, and
the compiled model's _orig_mod used when saving."""
import io
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


@torch.jit.script
def fused_gelu(x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    x = x + bias
    return x * 0.5 * (1.0 + torch.erf(x / 1.41421))


@torch.jit.script
def topk_mask(scores: torch.Tensor, k: int) -> Tuple[torch.Tensor, torch.Tensor]:
    vals, idx = scores.topk(k, dim=-1)
    mask = torch.zeros_like(scores).scatter_(-1, idx, 1.0)
    return vals, mask


def sum_list(xs: List[torch.Tensor]) -> torch.Tensor:
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


class Head(nn.Module):
    scale: torch.jit.Final[float]

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.scale = 2.0

    def forward(self, x):
        if torch.jit.is_scripting():
            y = self.fc(x)
        else:
            y = self.debug_forward(x)
        return y * self.scale

    @torch.jit.ignore
    def debug_forward(self, x):
        return self.fc(x)

    @torch.jit.unused
    def legacy(self, x):
        return x.numpy()

    @torch.jit.export
    def logits(self, x):
        return self.fc(x)


torch.manual_seed(0)
x = torch.randn(3, 4)
b = torch.randn(4)
print(f"fused_gelu {fused_gelu(x, b).sum().item():.6f} vs F.gelu "
      f"{F.gelu(x + b).sum().item():.6f}")
vals, mask = topk_mask(x, 2)
print(vals.shape, mask.sum(-1))
scripted_sum = torch.jit.script(sum_list)
print(scripted_sum([x, x, x]).sum().item() == (3 * x).sum().item())

head = Head()
print(f"eager {head(x).sum().item():.6f} logits {head.logits(x).shape}")

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
# backend="eager" (Dynamo without code generation) keeps the PyTorch run short
compiled = torch.compile(model, backend="eager")
compiled2 = torch.compile(model, dynamic=False, fullgraph=False, backend="eager")
compiled3 = torch.compile(model, backend="aot_eager")
out = model(x)
print(torch.allclose(compiled(x), out), torch.allclose(compiled2(x), out),
      torch.allclose(compiled3(x), out))
print(type(compiled._orig_mod).__name__, compiled._orig_mod is model)
buf = io.BytesIO()
torch.save(compiled._orig_mod.state_dict(), buf)
print("compiled state_dict keys:", list(compiled.state_dict())[:2])


@torch.compile(backend="eager")
def loss_fn(pred, target):
    return F.mse_loss(pred, target) + 0.01 * pred.abs().mean()


@torch.compile(dynamic=True, backend="eager")
def scaled(t, s: float):
    return t * s


opt = torch.optim.SGD(compiled.parameters(), lr=0.1)
target = torch.randn(3, 2)
for step in range(3):
    opt.zero_grad()
    loss = loss_fn(compiled(x), target)
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.6f}")
print(scaled(x, 2.0).shape, torch.equal(scaled(x, 3.0), x * 3.0))
torch._dynamo.reset()
print(torch.compiler.is_compiling(), callable(torch.compiler.disable))


@torch.compiler.disable
def not_compiled(t):
    return t.sum()


print(not_compiled(torch.ones(3)).item())
traced = torch.jit.trace(model, x)
print(torch.allclose(traced(x), out), isinstance(traced, torch.jit.ScriptModule))
futures = [torch.jit.fork(m, x) for m in (model, traced)]
print([tuple(torch.jit.wait(f).shape) for f in futures])
