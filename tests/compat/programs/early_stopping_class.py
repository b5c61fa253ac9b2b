"""The EarlyStopping helper copied into countless projects (the pytorchtools version): a class
with patience, delta, verbose printing through a trace_func, saving the best model to a
checkpoint file with torch.save(model.state_dict(), path), val_loss_min tracking with np.inf;
a loop with a train/valid split, the best state restored with load_state_dict, and a
TensorBoard-like scalar log kept in a dict of lists."""
import os
import tempfile
from collections import defaultdict

import numpy as np
import torch
import torch.nn as nn


class EarlyStopping:
    """Early stops the training if validation loss doesn't improve after a given patience."""

    def __init__(self, patience=7, verbose=False, delta=0, path="checkpoint.pt", trace_func=print):
        self.patience = patience
        self.verbose = verbose
        self.counter = 0
        self.best_score = None
        self.early_stop = False
        self.val_loss_min = np.inf
        self.delta = delta
        self.path = path
        self.trace_func = trace_func

    def __call__(self, val_loss, model):
        score = -val_loss
        if self.best_score is None:
            self.best_score = score
            self.save_checkpoint(val_loss, model)
        elif score < self.best_score + self.delta:
            self.counter += 1
            self.trace_func(f"EarlyStopping counter: {self.counter} out of {self.patience}")
            if self.counter >= self.patience:
                self.early_stop = True
        else:
            self.best_score = score
            self.save_checkpoint(val_loss, model)
            self.counter = 0

    def save_checkpoint(self, val_loss, model):
        if self.verbose:
            self.trace_func(f"Validation loss decreased ({self.val_loss_min:.6f} --> "
                            f"{val_loss:.6f}).  Saving model ...")
        torch.save(model.state_dict(), self.path)
        self.val_loss_min = val_loss


class SummaryWriterLike:
    def __init__(self):
        self.scalars = defaultdict(list)

    def add_scalar(self, tag, value, global_step):
        if isinstance(value, torch.Tensor):
            value = value.item()
        self.scalars[tag].append((global_step, value))

    def add_scalars(self, main_tag, tag_scalar_dict, global_step):
        for k, v in tag_scalar_dict.items():
            self.add_scalar(f"{main_tag}/{k}", v, global_step)


torch.manual_seed(0)
n = 120
x = torch.linspace(-3, 3, n).unsqueeze(1)
y = torch.sin(x) + 0.3 * torch.randn(n, 1)
perm = torch.randperm(n)
train_idx, valid_idx = perm[:90], perm[90:]
model = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
criterion = nn.MSELoss()
path = os.path.join(tempfile.mkdtemp(), "checkpoint.pt")
early_stopping = EarlyStopping(patience=4, verbose=True, path=path)
writer = SummaryWriterLike()
avg_train_losses, avg_valid_losses = [], []
global_step = 0
for epoch in range(1, 61):
    model.train()
    train_losses = []
    for batch in train_idx.split(30):
        optimizer.zero_grad()
        loss = criterion(model(x[batch]), y[batch])
        loss.backward()
        optimizer.step()
        train_losses.append(loss.item())
        writer.add_scalar("loss/train_step", loss, global_step)
        global_step += 1
    model.eval()
    with torch.no_grad():
        valid_loss = criterion(model(x[valid_idx]), y[valid_idx]).item()
    train_loss = np.average(train_losses)
    avg_train_losses.append(train_loss)
    avg_valid_losses.append(valid_loss)
    writer.add_scalars("loss", {"train": train_loss, "valid": valid_loss}, epoch)
    epoch_len = len(str(60))
    print(f"[{epoch:>{epoch_len}}/{60:>{epoch_len}}] train_loss: {train_loss:.5f} "
          f"valid_loss: {valid_loss:.5f}")
    early_stopping(valid_loss, model)
    if early_stopping.early_stop:
        print("Early stopping")
        break

model.load_state_dict(torch.load(path))
model.eval()
with torch.no_grad():
    final = criterion(model(x[valid_idx]), y[valid_idx]).item()
print(f"restored best: {final:.5f} == val_loss_min {early_stopping.val_loss_min:.5f}:",
      abs(final - early_stopping.val_loss_min) < 1e-7)
minposs = avg_valid_losses.index(min(avg_valid_losses)) + 1
print("lowest validation loss at epoch", minposs, "of", len(avg_valid_losses))
print({k: len(v) for k, v in writer.scalars.items()}, writer.scalars["loss/valid"][-1][0])
print(type(avg_train_losses[0]).__name__, type(writer.scalars["loss/train_step"][0][1]).__name__)
