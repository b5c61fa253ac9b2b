"""Saving whole objects as many scripts do: torch.save(model) of a custom nn.Module class and
torch.load(weights_only=False) into a working model, an optimizer + scheduler + GradScaler-free
checkpoint dict with torch.save, loading it with map_location="cpu", resuming so that the next
steps equal an uninterrupted run, saving to an io.BytesIO buffer, and torch.save of a list of
tensors sharing storage (views stay views)."""
import io
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.fc1 = nn.Linear(4, hidden, bias=False)  # BatchNorm follows
        self.bn = nn.BatchNorm1d(hidden)
        self.fc2 = nn.Linear(hidden, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.bn(self.fc1(x))))


torch.manual_seed(0)
X = torch.randn(64, 4)
y = torch.randint(0, 3, (64,))


def train(model, opt, sched, steps):
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        sched.step()
        out.append(round(loss.item(), 6))
    return out


model = Net()
opt = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.1)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
print("first", train(model, opt, sched, 4))

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "model.pt")
    torch.save(model, path)
    ckpt = os.path.join(d, "ckpt.pt")
    torch.save({"epoch": 4, "model": model.state_dict(), "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(), "rng": torch.get_rng_state()}, ckpt)
    straight = train(model, opt, sched, 4)
    print("straight", straight)

    loaded = torch.load(path, weights_only=False)
    print(type(loaded).__name__, loaded.fc1, loaded.training)
    loaded.eval()
    model.eval()
    print("bn stats", loaded.bn.running_mean[:3], loaded.bn.num_batches_tracked)

    state = torch.load(ckpt, map_location="cpu")
    m2 = Net()
    m2.load_state_dict(state["model"])
    o2 = torch.optim.AdamW(m2.parameters(), lr=0.01, weight_decay=0.1)
    o2.load_state_dict(state["optimizer"])
    s2 = torch.optim.lr_scheduler.StepLR(o2, step_size=3, gamma=0.5)
    s2.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["rng"])
    print("epoch", state["epoch"], "lr", s2.get_last_lr(), "last_epoch", s2.last_epoch)
    resumed = train(m2, o2, s2, 4)
    print("resumed", resumed, resumed == straight)
    print("sched keys", sorted(state["scheduler"].keys()))
    print("opt state", sorted(state["optimizer"]["state"][0].keys()),
          state["optimizer"]["param_groups"][0]["lr"])

buf = io.BytesIO()
base = torch.arange(6.0)
torch.save({"base": base, "view": base[2:4], "t": [base.view(2, 3)]}, buf)
buf.seek(0)
back = torch.load(buf)
back["view"][0] = 100.0
print("shared", back["base"], back["t"][0])
buf2 = io.BytesIO()
torch.save(model.state_dict(), buf2)
print("bytes ok", buf2.getbuffer().nbytes > 1000)
buf2.seek(0)
sd = torch.load(buf2, weights_only=True)
print("keys", list(sd.keys()))
