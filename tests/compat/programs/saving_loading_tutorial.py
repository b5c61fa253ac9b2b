"""The "saving and loading models" recipe in all its documented ways: state_dict of the model and
of the optimizer printed key by key, save/load of a state_dict, of the whole model
(weights_only=False), a general checkpoint dict for inference and resuming, several models in one
file (modelA/modelB with their optimizers), warmstarting a different model with strict=False and
renamed keys, map_location variants, torch.save into io.BytesIO, and register_buffer tensors."""
import io
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))

    def forward(self, x):
        self.calls += 1
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


torch.manual_seed(0)
net = Net()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
x = torch.randn(4, 3, 32, 32)
y = torch.tensor([1, 2, 3, 4])
for _ in range(2):
    optimizer.zero_grad()
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    optimizer.step()
print("Model's state_dict:")
for param_tensor in net.state_dict():
    print(param_tensor, "\t", net.state_dict()[param_tensor].size())
print("Optimizer's state_dict:")
for var_name in optimizer.state_dict():
    print(var_name, "\t", optimizer.state_dict()[var_name])

with tempfile.TemporaryDirectory() as d:
    PATH = os.path.join(d, "state_dict_model.pt")
    torch.save(net.state_dict(), PATH)
    model = Net()
    model.load_state_dict(torch.load(PATH, weights_only=True))
    model.eval()
    with torch.no_grad():
        print(model(x)[0], model.calls)

    PATH = os.path.join(d, "entire_model.pt")
    torch.save(net, PATH)
    model = torch.load(PATH, weights_only=False)
    model.eval()
    print(type(model).__name__, torch.equal(model.fc3.weight, net.fc3.weight))

    PATH = os.path.join(d, "model.pt")
    torch.save({"epoch": 5, "model_state_dict": net.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(), "loss": loss}, PATH)
    model = Net()
    opt2 = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    checkpoint = torch.load(PATH, weights_only=True)
    model.load_state_dict(checkpoint["model_state_dict"])
    opt2.load_state_dict(checkpoint["optimizer_state_dict"])
    epoch, loss = checkpoint["epoch"], checkpoint["loss"]
    model.train()
    print(epoch, loss)
    for m, o in ((net, optimizer), (model, opt2)):
        o.zero_grad()
        F.cross_entropy(m(x), y).backward()
        o.step()
    print(torch.allclose(net.fc1.weight, model.fc1.weight), model.fc1.weight.sum().item())

    PATH = os.path.join(d, "two_models.pt")
    netA, netB = Net(), Net()
    optA = optim.SGD(netA.parameters(), lr=0.001, momentum=0.9)
    optB = optim.Adam(netB.parameters(), lr=0.01)
    torch.save({"modelA_state_dict": netA.state_dict(), "modelB_state_dict": netB.state_dict(),
                "optimizerA_state_dict": optA.state_dict(),
                "optimizerB_state_dict": optB.state_dict()}, PATH)
    ck = torch.load(PATH, weights_only=True)
    netA2, netB2 = Net(), Net()
    netA2.load_state_dict(ck["modelA_state_dict"])
    netB2.load_state_dict(ck["modelB_state_dict"])
    optB2 = optim.Adam(netB2.parameters(), lr=0.5)
    optB2.load_state_dict(ck["optimizerB_state_dict"])
    print(optB2.param_groups[0]["lr"], optB2.param_groups[0]["betas"],
          torch.equal(netA2.conv1.bias, netA.conv1.bias))


class NetB(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.head = nn.Linear(16 * 5 * 5, 7)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.head(x.flatten(1))


buf = io.BytesIO()
torch.save(net.state_dict(), buf)
buf.seek(0)
sd = torch.load(buf, map_location=torch.device("cpu"), weights_only=True)
netB = NetB()
result = netB.load_state_dict(sd, strict=False)
print(sorted(result.missing_keys), sorted(result.unexpected_keys))
sd = {k.replace("fc1", "head"): v for k, v in sd.items() if not k.startswith(("fc2", "fc3"))}
sd["head.weight"] = sd["head.weight"][:7]
sd["head.bias"] = sd["head.bias"][:7]
print(netB.load_state_dict(sd, strict=False))
print(netB(x).shape, torch.equal(netB.conv2.weight, net.conv2.weight))
buf = io.BytesIO()
torch.save(net.state_dict(), buf)
buf.seek(0)
sd2 = torch.load(buf, map_location="cpu", weights_only=True)
buf.seek(0)
sd3 = torch.load(buf, map_location=lambda storage, loc: storage, weights_only=True)
print(sd2["calls"], sd3["fc3.bias"].dtype, sd3["fc3.bias"].device, len(sd2))
