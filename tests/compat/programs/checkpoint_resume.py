"""Save a checkpoint dict (model, optimizer, epoch, loss) with torch.save, load it into fresh
objects with torch.load + load_state_dict, and continue: the resumed run equals the straight one."""
import copy
import os
import tempfile

import torch
import torch.nn as nn


def make():
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 1))
    return model, torch.optim.Adam(model.parameters(), lr=1e-2)


def train(model, opt, x, y, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    return loss.item()


gen = torch.Generator().manual_seed(11)
x = torch.randn(64, 6, generator=gen)
y = x.sum(1, keepdim=True) ** 2
model, opt = make()
train(model, opt, x, y, 10)
path = os.path.join(tempfile.mkdtemp(), "ckpt.pt")
torch.save({"epoch": 10, "model_state_dict": model.state_dict(),
            "optimizer_state_dict": opt.state_dict(), "loss": 1.0}, path)
straight = copy.deepcopy(model)
straight_opt = torch.optim.Adam(straight.parameters(), lr=1e-2)
straight_opt.load_state_dict(opt.state_dict())
a = train(straight, straight_opt, x, y, 10)

model2, opt2 = make()
checkpoint = torch.load(path)
model2.load_state_dict(checkpoint["model_state_dict"])
opt2.load_state_dict(checkpoint["optimizer_state_dict"])
print("resumed at epoch", checkpoint["epoch"], sorted(checkpoint["model_state_dict"].keys()))
b = train(model2, opt2, x, y, 10)
print(f"straight {a:.6f} resumed {b:.6f} equal {a == b}")
print(list(opt2.state_dict()["state"][0].keys()), opt2.state_dict()["param_groups"][0]["lr"])
