"""The "tips for loading an nn.Module from a checkpoint" recipe: torch.load with mmap=True and
weights_only=True, building the model on the meta device, load_state_dict(assign=True) so the
loaded tensors become the parameters (no copy), and what assign keeps (requires_grad,
Parameter type); also the mmap'd state_dict used read-only to run inference."""
import os
import tempfile

import torch
import torch.nn as nn

torch.manual_seed(0)


class SomeModule(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.linears = nn.ModuleList([nn.Linear(size, size) for i in range(4)])

    def forward(self, x):
        for lin in self.linears:
            x = torch.relu(lin(x))
        return x


m = SomeModule(64)
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "checkpoint.pth")
    torch.save(m.state_dict(), path)

    state_dict = torch.load(path)
    print("eager load", sorted(state_dict)[:2], state_dict["linears.0.weight"].shape)

    state_dict = torch.load(path, mmap=True, weights_only=True)
    print("mmap load", len(state_dict), state_dict["linears.3.bias"].dtype)

    with torch.device("meta"):
        meta_m = SomeModule(64)
    print("meta weight", meta_m.linears[0].weight.device, meta_m.linears[0].weight.shape)
    try:
        meta_m(torch.randn(2, 64, device="meta"))
        print("meta forward ran")
    except Exception as e:  # noqa: BLE001
        print("meta forward", type(e).__name__)

    meta_m.load_state_dict(state_dict, assign=True)
    w = meta_m.linears[0].weight
    print("after assign", w.device, type(w).__name__, w.requires_grad)
    print("same storage", w.data_ptr() == state_dict["linears.0.weight"].data_ptr())
    x = torch.randn(3, 64)
    print("outputs equal", torch.equal(meta_m(x), m(x)))

    # without assign the meta parameters would stay meta: copy into a real module instead
    fresh = SomeModule(64)
    result = fresh.load_state_dict(state_dict)
    print(result)
    print("copied values", torch.equal(fresh.linears[0].weight, state_dict["linears.0.weight"]))

    out = meta_m(x).sum()
    out.backward()
    print("grad on assigned", meta_m.linears[0].weight.grad.shape, round(out.item(), 4))

    opt = torch.optim.SGD(meta_m.parameters(), lr=0.1)
    opt.step()
    print("changed after step", not torch.equal(meta_m.linears[0].weight, m.linears[0].weight))
