"""MLP regression on a synthetic function, plain SGD and MSE (the classic first training loop)."""
# compat: rtol=2e-2 (float32 rounding differences grow over 200 tanh-network steps)
import torch
import torch.nn as nn

torch.manual_seed(0)
X = torch.linspace(-2, 2, 128).unsqueeze(1)
y = torch.sin(2 * X) + 0.1 * torch.randn(X.shape)

model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
print(model)
for epoch in range(200):
    optimizer.zero_grad()
    loss = criterion(model(X), y)
    loss.backward()
    optimizer.step()
    if epoch % 40 == 0:
        print(f"epoch {epoch} loss {loss.item():.5f}")
with torch.no_grad():
    pred = model(X)
print("final", criterion(pred, y).item(), pred.shape, pred.dtype)
