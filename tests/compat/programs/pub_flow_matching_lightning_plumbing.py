"""Conditional flow matching trained as torchcfm does (straight paths between a Gaussian mixture
and two moons, sigma-smoothed, an MLP velocity field fed ``[x, t]``), integrated with fixed-step
Euler and RK4 as torchdyn's NeuralODE does, inside a module that relies on the names a training
framework (pytorch_lightning / lightning_fabric) reads from torch at import: the reduce-op type,
the default process-group timeout, the Tensor metaclass, ``ScriptModule``, the checkpoint
archive reader, pytree node types and the FLOP counter its model summary builds."""
import collections
import io
import math

import torch
import torch.distributed
from torch import nn
from torch._C import _TensorMeta
from torch.distributed.constants import default_pg_timeout
from torch.utils._pytree import SUPPORTED_NODES, _get_node_type
from torch.utils.flop_counter import FlopCounterMode

torch.manual_seed(0)

RedOpType = torch.distributed.ReduceOp.RedOpType
print("reduce ops", isinstance(torch.distributed.ReduceOp.SUM, RedOpType),
      sorted(RedOpType.__members__)[:3], "timeout", default_pg_timeout.total_seconds())
print("meta", isinstance(torch.Tensor, _TensorMeta), "script",
      isinstance(nn.Linear(1, 1), torch.ScriptModule))
Batch = collections.namedtuple("Batch", "x0 x1")
for tree in (Batch(1, 2), (1, 2), {"a": 1}, 3.0):
    print("node", type(tree).__name__, _get_node_type(tree) in SUPPORTED_NODES)
counter = FlopCounterMode(display=False, depth=2)
print("flops before any count", counter.get_total_flops())


def gaussians(n):
    angles = torch.randint(0, 8, (n,)).float() * (math.pi / 4)
    centres = torch.stack([angles.cos(), angles.sin()], dim=1) * 4
    return centres + 0.3 * torch.randn(n, 2)


def moons(n):
    t = torch.rand(n) * math.pi
    upper = torch.rand(n) < 0.5
    x = torch.where(upper, t.cos(), 1 - t.cos())
    y = torch.where(upper, t.sin(), 0.5 - t.sin())
    return torch.stack([x, y], dim=1) * 2 + 0.1 * torch.randn(n, 2)


class VectorField(nn.Module):
    def __init__(self, width=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, width), nn.SELU(), nn.Linear(width, width),
                                 nn.SELU(), nn.Linear(width, 2))

    def forward(self, t, x):
        return self.net(torch.cat([x, t.expand(x.shape[0], 1)], dim=1))


def integrate(field, x, steps, method):
    ts = torch.linspace(0, 1, steps + 1)
    path = [x]
    for a, b in zip(ts[:-1], ts[1:]):
        h = b - a
        if method == "euler":
            x = x + h * field(a.reshape(1, 1), x)
        else:
            k1 = field(a.reshape(1, 1), x)
            k2 = field((a + h / 2).reshape(1, 1), x + h / 2 * k1)
            k3 = field((a + h / 2).reshape(1, 1), x + h / 2 * k2)
            k4 = field(b.reshape(1, 1), x + h * k3)
            x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        path.append(x)
    return torch.stack(path)


field = VectorField()
opt = torch.optim.Adam(field.parameters(), lr=3e-3)
sigma = 0.1
for step in range(60):
    batch = Batch(gaussians(128), moons(128))
    t = torch.rand(batch.x0.shape[0], 1)
    xt = t * batch.x1 + (1 - t) * batch.x0 + sigma * torch.randn_like(batch.x0)
    ut = batch.x1 - batch.x0
    loss = (field.net(torch.cat([xt, t], dim=1)) - ut).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    norm = nn.utils.clip_grad_norm_(field.parameters(), 5.0)
    opt.step()
    if step % 15 == 0 or step == 59:
        print(f"step {step} loss {loss.item():.5f} grad-norm {norm.item():.5f}")

with torch.no_grad():
    start = gaussians(64)
    for method, steps in (("euler", 20), ("rk4", 8)):
        path = integrate(field, start, steps, method)
        end = path[-1]
        print(method, tuple(path.shape), f"mean {end.mean(0).tolist()} std {end.std(0).tolist()}")

buf = io.BytesIO()
torch.save(field.state_dict(), buf)
reader = torch.PyTorchFileReader(io.BytesIO(buf.getvalue()))
print("records", sorted(r for r in reader.get_all_records() if not r.startswith("data/")))
buf.seek(0)
again = VectorField()
again.load_state_dict(torch.load(buf, weights_only=True))
x = torch.ones(2, 2)
print("reloaded", (again(torch.zeros(1, 1), x) - field(torch.zeros(1, 1), x)).abs().max().item())
