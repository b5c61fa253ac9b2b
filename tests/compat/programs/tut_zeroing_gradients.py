"""The zeroing-out-gradients recipe: a small CIFAR-shaped network trained with
optimizer.zero_grad(), what grads look like with set_to_none True and False, net.zero_grad(),
and what happens when gradients are not zeroed (they accumulate)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
images = torch.randn(32, 3, 32, 32)
labels = torch.randint(0, 10, (32,))
trainloader = DataLoader(TensorDataset(images, labels), batch_size=4, shuffle=True)


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
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


net = Net()
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

for epoch in range(2):
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        inputs, labels_b = data
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels_b)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        if i % 4 == 3:
            print("[%d, %5d] loss: %.3f" % (epoch + 1, i + 1, running_loss / 4))
            running_loss = 0.0
print("Finished Training")

print("after zero_grad() grad is None:", net.conv1.weight.grad is None)
net(images[:4]).sum().backward()
optimizer.zero_grad(set_to_none=False)
print("set_to_none=False -> zeros:", net.conv1.weight.grad is not None,
      net.conv1.weight.grad.abs().sum().item())
net(images[:4]).sum().backward()
net.zero_grad()
print("net.zero_grad() -> None:", all(p.grad is None for p in net.parameters()))

# not zeroing: gradients accumulate
x = images[:4]
net(x).sum().backward()
g1 = net.fc3.bias.grad.clone()
net(x).sum().backward()
g2 = net.fc3.bias.grad.clone()
print("accumulated twice", torch.allclose(g2, 2 * g1), g1.tolist())
net.zero_grad(set_to_none=False)
print("zeroed in place", net.fc3.bias.grad.tolist())
