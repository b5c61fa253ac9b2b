"""Classifier with TensorDataset + shuffled DataLoader, Adam, CrossEntropy, accuracy per epoch."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(42)
n = 512
X = torch.randn(n, 10)
w = torch.randn(10, 3)
y = (X @ w).argmax(dim=1)
train = TensorDataset(X[:400], y[:400])
test = TensorDataset(X[400:], y[400:])
train_loader = DataLoader(train, batch_size=32, shuffle=True)
test_loader = DataLoader(test, batch_size=64)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 64)
        self.fc2 = nn.Linear(64, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(5):
    model.train()
    total = 0.0
    for xb, yb in train_loader:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        total += loss.item() * xb.size(0)
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in test_loader:
            correct += (model(xb).argmax(1) == yb).sum().item()
    print(f"epoch {epoch}: train loss {total / len(train):.4f} test acc {correct / len(test):.3f}")
print(len(train_loader), len(test_loader), yb.dtype, xb.shape)
