"""The changing-default-device recipe: torch.set_default_device and the torch.device context
manager, factory functions and module construction picking up the default, get_default_device,
the meta device as a context for shape-only models, and resetting the default."""
import torch
import torch.nn as nn

torch.manual_seed(0)
print("default", torch.get_default_device())
torch.set_default_device("cpu")
print("after set", torch.get_default_device())
mod = nn.Linear(20, 30)
print(mod.weight.device)
print(mod(torch.randn(128, 20)).device)

with torch.device("meta"):
    mod = nn.Linear(20, 30)
    print("inside meta", torch.get_default_device())
    print(mod.weight.device, mod.weight.is_meta, mod.weight.shape)
    x = torch.randn(4, 20)
    print(x.device, mod(x).shape)
    print(torch.zeros(3).device, torch.arange(5).device, torch.empty(2, 2).is_meta)
print("outside", torch.get_default_device(), torch.ones(2).device)

with torch.device("cpu"):
    t = torch.tensor([1.0, 2.0])
    print(t.device, t)

torch.set_default_device("meta")
m = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
print("default meta:", {p.device.type for p in m.parameters()})
print("explicit cpu wins:", torch.zeros(2, device="cpu").device)
m = m.to_empty(device="cpu")
torch.set_default_device("cpu")
for p in m.parameters():
    nn.init.constant_(p, 0.5)
print("materialised", m(torch.ones(3, 8)).tolist())
torch.set_default_device(None)
print("reset", torch.get_default_device(), torch.randn(2).device)
