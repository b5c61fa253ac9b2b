"""Logistic regression from scratch with nn.Module: sigmoid + BCELoss, SGD with weight_decay,
a threshold accuracy, and BCEWithLogitsLoss with pos_weight for comparison."""
import torch

torch.manual_seed(21)
X = torch.randn(200, 2)
y = ((X[:, 0] + 0.5 * X[:, 1]) > 0).float().unsqueeze(1)


class LogisticRegression(torch.nn.Module):
    def __init__(self, n_inputs):
        super().__init__()
        self.linear = torch.nn.Linear(n_inputs, 1)

    def forward(self, x):
        return torch.sigmoid(self.linear(x))


model = LogisticRegression(2)
criterion = torch.nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5, weight_decay=1e-3)
for epoch in range(100):
    optimizer.zero_grad()
    loss = criterion(model(X), y)
    loss.backward()
    optimizer.step()
    if (epoch + 1) % 25 == 0:
        acc = ((model(X) > 0.5).float() == y).float().mean()
        print(f"Epoch {epoch + 1}, loss {loss.item():.4f}, acc {acc.item():.3f}")
w, b = model.linear.weight.detach(), model.linear.bias.detach()
print(w, b)
logits = model.linear(X)
print(torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))(logits, y).item())
