"""The blitz's "training a classifier" on CIFAR-10-shaped synthetic images: the Net with pool
and three linears, CrossEntropyLoss and SGD with momentum, the running-loss print every few
mini-batches, saving and reloading the state_dict, overall test accuracy, and per-class accuracy
with dictionaries keyed by class name."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
classes = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
n_train, n_test = 80, 40
labels_all = torch.randint(0, 10, (n_train + n_test,))
protos = torch.randn(10, 3, 32, 32) * 0.5
images = protos[labels_all] + torch.randn(n_train + n_test, 3, 32, 32)
images = images.clamp(-1, 1)
trainset = TensorDataset(images[:n_train], labels_all[:n_train])
testset = TensorDataset(images[n_train:], labels_all[n_train:])
batch_size = 4
trainloader = DataLoader(trainset, batch_size=batch_size, shuffle=True, num_workers=0)
testloader = DataLoader(testset, batch_size=batch_size, shuffle=False, num_workers=0)

dataiter = iter(trainloader)
images_b, labels_b = next(dataiter)
print(" ".join(f"{classes[labels_b[j]]:5s}" for j in range(batch_size)))


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
        x = self.fc3(x)
        return x


net = Net()
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
for epoch in range(3):
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        inputs, labels = data
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        if i % 10 == 9:
            print(f"[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 10:.3f}")
            running_loss = 0.0
print("Finished Training")

PATH = io.BytesIO()
torch.save(net.state_dict(), PATH)
PATH.seek(0)
dataiter = iter(testloader)
images_b, labels_b = next(dataiter)
print("GroundTruth: ", " ".join(f"{classes[labels_b[j]]:5s}" for j in range(4)))
net = Net()
net.load_state_dict(torch.load(PATH, weights_only=True))
outputs = net(images_b)
_, predicted = torch.max(outputs, 1)
print("Predicted: ", " ".join(f"{classes[predicted[j]]:5s}" for j in range(4)))

correct = 0
total = 0
with torch.no_grad():
    for data in testloader:
        images_t, labels_t = data
        outputs = net(images_t)
        _, predicted = torch.max(outputs.data, 1)
        total += labels_t.size(0)
        correct += (predicted == labels_t).sum().item()
print(f"Accuracy of the network on the {total} test images: {100 * correct // total} %")

correct_pred = {classname: 0 for classname in classes}
total_pred = {classname: 0 for classname in classes}
with torch.no_grad():
    for data in testloader:
        images_t, labels_t = data
        outputs = net(images_t)
        _, predictions = torch.max(outputs, 1)
        for label, prediction in zip(labels_t, predictions):
            if label == prediction:
                correct_pred[classes[label]] += 1
            total_pred[classes[label]] += 1
for classname, correct_count in correct_pred.items():
    accuracy = 100 * float(correct_count) / max(total_pred[classname], 1)
    print(f"Accuracy for class: {classname:5s} is {accuracy:.1f} %")
