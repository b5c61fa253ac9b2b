"""Feature extraction the forum way: register_forward_hook storing detached activations in a
dict (get_activation(name) closure), hooks on several layers at once via named_modules,
removing handles, a hook on nn.Sequential children, a forward pre-hook logging input shapes,
and nn.Sequential(*list(model.children())[:-1]) as the "cut the head" alternative."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


activation = {}


def get_activation(name):
    def hook(model, input, output):
        activation[name] = output.detach()
    return hook


torch.manual_seed(0)
model = Net()
model.fc2.register_forward_hook(get_activation("fc2"))
h = model.conv2.register_forward_hook(get_activation("conv2"))
x = torch.randn(2, 3, 32, 32)
output = model(x)
print(activation["fc2"].shape, activation["conv2"].shape, activation["fc2"].requires_grad)
print(f"fc2 mean {activation['fc2'].mean():.6f} conv2 std {activation['conv2'].std():.6f}")
h.remove()
activation.clear()
model(x)
print("after remove:", sorted(activation))

# hooks on every Linear at once, with the name in the closure
features = {}
handles = []
for name, module in model.named_modules():
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        handles.append(module.register_forward_hook(
            lambda m, inp, out, name=name: features.__setitem__(name, out.detach().clone())))
out = model(x)
for k, v in features.items():
    print(f"{k:6s} {tuple(v.shape)} min {v.min().item():.4f} max {v.max().item():.4f}")
for hnd in handles:
    hnd.remove()

# input shapes via a pre-hook
shapes = []
pre = model.fc1.register_forward_pre_hook(lambda m, inp: shapes.append(tuple(inp[0].shape)))
model(torch.randn(5, 3, 32, 32))
pre.remove()
print("fc1 saw", shapes)

# the same features with the model cut at a layer
seq = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                    nn.Linear(4, 2))
backbone = nn.Sequential(*list(seq.children())[:-1])
with torch.no_grad():
    emb = backbone(x)
    grab = {}
    seq[3].register_forward_hook(lambda m, i, o: grab.setdefault("flat", o))
    seq(x)
print(emb.shape, torch.equal(emb, grab["flat"]), backbone)

# a forward hook whose output feeds a loss (not detached): gradients flow through it
kept = {}
model.conv1.register_forward_hook(lambda m, i, o: kept.update(c1=o))
loss = model(x).logsumexp(1).mean() + 1e-3 * kept["c1"].pow(2).mean()
loss.backward()
print(f"loss {loss.item():.6f} conv1 grad norm {model.conv1.weight.grad.norm().item():.6f}")
print(kept["c1"].grad_fn is not None, type(kept["c1"].grad_fn).__name__)
