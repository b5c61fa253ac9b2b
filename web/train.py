# A PyTorch-style training script: edit it and press Train.
# Given: X_train (N, 1, 8, 8) float32 in [0, 1], y_train (N,) int64, X_test, y_test
# (the real 8x8 handwritten digits), and report(...) to update the chart.
# The page draws with `model` afterwards, so keep that name.
import gradkit as gk
import gradkit.nn as nn
from gradkit.utils.data import DataLoader, TensorDataset

gk.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 16 x 4 x 4
    nn.Flatten(), nn.Linear(16 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10),
)
opt = gk.optim.Adam(model.parameters(), lr=3e-3)
loss_fn = nn.CrossEntropyLoss()
loader = DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True)

epochs = 10
for epoch in range(epochs):
    model.train()
    for i, (xb, yb) in enumerate(loader):
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        report(loss=loss.item(), progress=(epoch + (i + 1) / len(loader)) / epochs)
    model.eval()
    with gk.no_grad():
        accuracy = (model(X_test).argmax(1) == y_test).float().mean().item()
    report(epoch=epoch + 1, test_accuracy=accuracy)
