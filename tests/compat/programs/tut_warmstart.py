"""The warmstarting recipe: save one network's state_dict and load it into a different network
with load_state_dict(strict=False), read missing/unexpected keys, rename keys to match, and
check which parameters came across; then train the warm-started model a few steps."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(0)


class NetA(nn.Module):
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
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class NetB(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        self.fc4 = nn.Linear(10, 4)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = F.relu(self.fc3(x))
        return self.fc4(x)


netA = NetA()
netB = NetB()

PATH = io.BytesIO()
torch.save(netA.state_dict(), PATH)
PATH.seek(0)
result = netB.load_state_dict(torch.load(PATH, weights_only=True), strict=False)
print(result)
print("missing", result.missing_keys)
print("unexpected", result.unexpected_keys)
for name in ["conv1.weight", "fc3.bias"]:
    print(name, torch.equal(netA.state_dict()[name], netB.state_dict()[name]))

try:
    netB.load_state_dict(netA.state_dict())
except RuntimeError as e:
    print("strict load fails:", type(e).__name__, "Missing key(s)" in str(e))


class NetC(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
                                      nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2))
        self.head = nn.Linear(16 * 5 * 5, 4)

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))


renames = {"conv1": "features.0", "conv2": "features.3"}
sd = {}
for key, value in netA.state_dict().items():
    prefix, rest = key.split(".", 1)
    if prefix in renames:
        sd[renames[prefix] + "." + rest] = value
netC = NetC()
out = netC.load_state_dict(sd, strict=False)
print("renamed: missing", out.missing_keys, "unexpected", out.unexpected_keys)
print("features.3.weight copied", torch.equal(netC.features[3].weight, netA.conv2.weight))

x = torch.randn(8, 3, 32, 32)
y = torch.randint(0, 4, (8,))
for p in netC.features.parameters():
    p.requires_grad = False
optimizer = optim.SGD(filter(lambda p: p.requires_grad, netC.parameters()), lr=0.01, momentum=0.9)
for epoch in range(4):
    optimizer.zero_grad()
    loss = F.cross_entropy(netC(x), y)
    loss.backward()
    optimizer.step()
    print(f"epoch {epoch} loss {loss.item():.4f}")
print("frozen unchanged", torch.equal(netC.features[0].weight, netA.conv1.weight))
print("out", netB(x).shape, netB(x).sum().item())
