"""Train/validation split with random_split, best-model tracking with copy.deepcopy of the
state_dict, patience-based early stopping, and restoring the best weights."""
import copy

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, random_split

torch.manual_seed(3)
X = torch.randn(300, 5)
y = X[:, :1] * 2 - X[:, 1:2] + 0.3 * torch.randn(300, 1)
train_set, val_set = random_split(TensorDataset(X, y), [240, 60])
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=60)
model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 1))
opt = torch.optim.Adam(model.parameters(), lr=0.02)
best_loss, best_state, patience, bad = float("inf"), None, 3, 0
for epoch in range(30):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        nn.functional.mse_loss(model(xb), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        val_loss = sum(nn.functional.mse_loss(model(xb), yb).item() for xb, yb in val_loader)
    print(f"epoch {epoch} val {val_loss:.4f}")
    if val_loss < best_loss - 1e-4:
        best_loss, best_state, bad = val_loss, copy.deepcopy(model.state_dict()), 0
    else:
        bad += 1
        if bad >= patience:
            print("early stop at", epoch)
            break
model.load_state_dict(best_state)
model.eval()
with torch.no_grad():
    print("restored", round(sum(nn.functional.mse_loss(model(xb), yb).item()
                                for xb, yb in val_loader), 4), round(best_loss, 4))
