"""Checkpoints: torch.save of model/optimizer/scheduler state and a nested dict to a file,
torch.load(weights_only=True) and map_location, load_state_dict(strict=False) reporting
missing/unexpected keys, buffers and persistent=False, resuming training to the same loss."""
import os
import tempfile

import torch
import torch.nn as nn

torch.manual_seed(6)


class Net(nn.Module):
    def __init__(self, extra=False):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU())
        self.head = nn.Linear(8, 2)
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))
        self.register_buffer("scratch", torch.ones(3), persistent=False)
        if extra:
            self.aux = nn.Linear(8, 1)

    def forward(self, x):
        self.steps += 1
        return self.head(self.body(x))


def train(model, opt, sched, n):
    losses = []
    for _ in range(n):
        x = torch.randn(16, 4)
        loss = nn.functional.cross_entropy(model(x), (x.sum(1) > 0).long())
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(round(loss.item(), 6))
    return losses


model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
print(train(model, opt, sched, 3))
print(list(model.state_dict().keys()))
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "ckpt.pt")
    torch.save({"epoch": 3, "model": model.state_dict(), "optim": opt.state_dict(),
                "sched": sched.state_dict(), "rng": torch.get_rng_state(),
                "meta": {"name": "net", "lrs": [0.1, 0.2], "shape": (2, 3)}}, path)
    cont = train(model, opt, sched, 2)
    ck = torch.load(path, weights_only=True, map_location="cpu")
print(sorted(ck), ck["epoch"], ck["meta"], type(ck["model"]).__name__)
print(ck["optim"]["param_groups"][0]["lr"], sorted(ck["optim"]["state"][0]), ck["sched"]["last_epoch"])
model2 = Net()
opt2 = torch.optim.Adam(model2.parameters(), lr=1e-2)
sched2 = torch.optim.lr_scheduler.StepLR(opt2, step_size=2, gamma=0.5)
print(model2.load_state_dict(ck["model"]))
opt2.load_state_dict(ck["optim"])
sched2.load_state_dict(ck["sched"])
torch.set_rng_state(ck["rng"])
print(train(model2, opt2, sched2, 2) == cont, cont, model2.steps.item())
big = Net(extra=True)
res = big.load_state_dict(ck["model"], strict=False)
print(res.missing_keys, res.unexpected_keys)
small_sd = {k: v for k, v in ck["model"].items() if not k.startswith("head")}
small_sd["bogus.weight"] = torch.zeros(1)
print(Net().load_state_dict(small_sd, strict=False))
try:
    Net().load_state_dict(small_sd)
except RuntimeError as e:
    print(str(e).splitlines()[0])
bad = dict(ck["model"])
bad["head.weight"] = torch.zeros(3, 8)
try:
    Net().load_state_dict(bad)
except RuntimeError as e:
    print("size mismatch" in str(e))
with tempfile.TemporaryDirectory() as d:
    p = os.path.join(d, "t.pt")
    torch.save([torch.arange(6).view(2, 3)[:, 1], torch.tensor(2.5, dtype=torch.float64)], p)
    a, b = torch.load(p)
    print(a, a.is_contiguous(), b, b.dtype)
print(model.state_dict()["body.1.running_var"], model.state_dict(prefix="m.", keep_vars=True)["m.head.bias"].requires_grad)
