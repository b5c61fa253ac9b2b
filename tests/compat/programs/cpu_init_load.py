"""Loading weights the way large-model code does, on the CPU: `with torch.device("cpu"):` around
construction, load_state_dict(assign=True) from torch.load(mmap=True, weights_only=True),
non-persistent buffers left out of the checkpoint, torch.nn.utils.skip_init, state_dict
(keep_vars=True) / prefix=, and map_location as a function and as a torch.device. (The same
code on the "meta" device is meta_device_init.py.)"""
import os
import tempfile

import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 8)
        self.proj = nn.Linear(8, 8)
        self.norm = nn.LayerNorm(8)
        self.register_buffer("pos", torch.arange(5).float(), persistent=False)

    def forward(self, idx):
        return self.norm(self.proj(self.embed(idx)) + self.pos[: idx.shape[-1], None])


torch.manual_seed(0)
trained = Model()
path = os.path.join(tempfile.mkdtemp(), "weights.pt")
torch.save(trained.state_dict(), path)
print("saved keys:", list(trained.state_dict()))

with torch.device("cpu"):
    model = Model()
print(model.proj.weight.device, torch.get_default_device())

sd = torch.load(path, mmap=True, weights_only=True)
result = model.load_state_dict(sd, assign=True)
print(result, model.proj.weight.device, model.proj.weight is sd["proj.weight"],
      type(model.proj.weight).__name__, model.proj.weight.requires_grad)
idx = torch.tensor([[1, 2, 3], [4, 5, 6]])
print(torch.allclose(model(idx), trained(idx)))

lin = torch.nn.utils.skip_init(nn.Linear, 4, 3)
print(type(lin).__name__, lin.weight.shape, lin.weight.device)
nn.init.zeros_(lin.weight)
nn.init.zeros_(lin.bias)
print(lin(torch.ones(1, 4)))

kv = trained.state_dict(keep_vars=True)
print(type(kv["proj.weight"]).__name__, kv["proj.weight"].requires_grad,
      type(trained.state_dict()["proj.weight"]).__name__,
      trained.state_dict()["proj.weight"].requires_grad)
print(list(trained.proj.state_dict(prefix="encoder.proj.")))
cpu_sd = torch.load(path, map_location=lambda storage, loc: storage, weights_only=True)
print(sorted(cpu_sd) == sorted(sd), torch.equal(cpu_sd["norm.bias"], trained.norm.bias))
cpu_sd2 = torch.load(path, map_location=torch.device("cpu"), weights_only=True)
print(cpu_sd2["embed.weight"].device, cpu_sd2["embed.weight"].dtype)
