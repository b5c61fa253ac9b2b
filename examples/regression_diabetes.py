"""Regression with MSELoss and ReduceLROnPlateau: disease progression from 10 clinical measures.

Data: scikit-learn's diabetes set (442 patients, bundled, no download). Features and target are
standardised on the training part. An MLP is trained with Adam; ReduceLROnPlateau halves the
learning rate whenever the validation loss stalls. The script compares the test error with
predicting the mean and with least squares.

Run: python examples/regression_diabetes.py   (GRADKIT_EXAMPLES_QUICK=1 for a smoke run)
"""

import os

import numpy as np

import gradkit as gk
from gradkit import nn
from gradkit.utils.data import DataLoader, TensorDataset

QUICK = os.environ.get("GRADKIT_EXAMPLES_QUICK") == "1"
EPOCHS = 5 if QUICK else 150


def load():
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True)
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(x))
    test, val, train = idx[:90], idx[90:160], idx[160:]
    mx, sx = x[train].mean(0), x[train].std(0)
    my, sy = y[train].mean(), y[train].std()

    def prep(i):
        return (gk.tensor(((x[i] - mx) / sx).astype(np.float32)),
                gk.tensor(((y[i] - my) / sy).astype(np.float32)[:, None]))

    return prep(train), prep(val), prep(test), sy


def main():
    gk.manual_seed(0)
    (xtr, ytr), (xva, yva), (xte, yte), y_scale = load()
    loader = DataLoader(TensorDataset(xtr, ytr), batch_size=32, shuffle=True,
                        generator=gk.Generator().manual_seed(0))
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 1))
    criterion = nn.MSELoss()
    optimizer = gk.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    scheduler = gk.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5,
                                                        patience=8)
    for epoch in range(EPOCHS):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            criterion(model(xb), yb).backward()
            optimizer.step()
        model.eval()
        with gk.no_grad():
            val_loss = criterion(model(xva), yva).item()
        scheduler.step(val_loss)
        if epoch % 25 == 0 or epoch == EPOCHS - 1:
            print(f"epoch {epoch + 1:3d}: val MSE {val_loss:.4f}  "
                  f"lr {optimizer.param_groups[0]['lr']:.2e}")

    with gk.no_grad():
        pred = model(xte).numpy()
    truth = yte.numpy()
    rmse = float(np.sqrt(((pred - truth) ** 2).mean())) * y_scale
    mean_rmse = float(np.sqrt((truth ** 2).mean())) * y_scale  # the mean is 0 after scaling
    a = np.hstack([xtr.numpy(), np.ones((len(xtr), 1), np.float32)])
    coef = np.linalg.lstsq(a, ytr.numpy(), rcond=None)[0]
    ls = np.hstack([xte.numpy(), np.ones((len(xte), 1), np.float32)]) @ coef
    ls_rmse = float(np.sqrt(((ls - truth) ** 2).mean())) * y_scale
    r2 = 1 - (rmse / mean_rmse) ** 2
    print(f"test RMSE: MLP {rmse:.1f}, least squares {ls_rmse:.1f}, predicting the mean "
          f"{mean_rmse:.1f}  (R^2 of the MLP {r2:.3f})")
    return rmse, mean_rmse


if __name__ == "__main__":
    main()
