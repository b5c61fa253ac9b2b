"""A small CNN on scikit-learn's 8x8 digits with gradkit.train.Trainer (about 98-99% test accuracy).

Shows the fit loop's pieces: a validation split, OneCycleLR stepping per batch, gradient
clipping, a checkpoint, the history as CSV, and a plot of loss/accuracy/LR per epoch.

Run: python examples/cnn_digits.py [OUT_DIR]   (GRADKIT_EXAMPLES_QUICK=1 for a smoke run)
"""

import os
import sys
from pathlib import Path

import gradkit as gk
from gradkit import nn
from gradkit.datasets import Digits
from gradkit.train import HistoryWriter, ModelCheckpoint, PlotHistory, Trainer
from gradkit.utils.data import DataLoader, random_split

QUICK = os.environ.get("GRADKIT_EXAMPLES_QUICK") == "1"
EPOCHS = 2 if QUICK else 12


def make_model():
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(2),                                   # 16 x 4 x 4
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.MaxPool2d(2),                                   # 32 x 2 x 2
        nn.Flatten(), nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 10),
    )


def main(out_dir="runs/example-cnn"):
    out = Path(out_dir)
    gk.manual_seed(0)
    full_train = Digits(train=True)
    train_set, val_set = random_split(full_train, [0.9, 0.1],
                                      generator=gk.Generator().manual_seed(0))
    train = DataLoader(train_set, batch_size=32, shuffle=True,
                       generator=gk.Generator().manual_seed(1))
    val = DataLoader(val_set, batch_size=256)
    test = DataLoader(Digits(train=False), batch_size=256)

    model = make_model()
    optimizer = gk.optim.Adam(model.parameters(), lr=3e-3)
    scheduler = gk.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, epochs=EPOCHS,
                                                 steps_per_epoch=len(train))
    trainer = Trainer(
        model, optimizer, nn.CrossEntropyLoss(), scheduler=scheduler, grad_clip=5.0,
        callbacks=[HistoryWriter(out / "history.csv"), ModelCheckpoint(out / "checkpoint.gk"),
                   PlotHistory(out / "history.png")],
    )
    trainer.fit(train, val, epochs=EPOCHS)
    result = trainer.evaluate(test)
    print(f"test accuracy: {result['accuracy']:.4f}  (history, checkpoint and plot in {out})")
    return result["accuracy"]


if __name__ == "__main__":
    main(*sys.argv[1:2])
