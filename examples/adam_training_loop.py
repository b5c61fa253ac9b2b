"""The classic training loop: Adam, CrossEntropyLoss, zero_grad / backward / step.

The network is PyTorch's introductory 784-128-10 MLP on real data: scikit-learn's digits,
upsampled to 28x28 like MNIST. Prints the loss per epoch and the test accuracy (about 97%).

Run: python examples/adam_training_loop.py   (GRADKIT_EXAMPLES_QUICK=1 for a 2-epoch smoke run)
"""

import os

import numpy as np

import gradkit as gk
from gradkit import nn
from gradkit.datasets import Digits
from gradkit.utils.data import DataLoader, TensorDataset

QUICK = os.environ.get("GRADKIT_EXAMPLES_QUICK") == "1"
EPOCHS = 2 if QUICK else 15


def digits_as_mnist(train=True):
    ds = Digits(train=train)
    images = np.kron(ds.data.numpy(), np.ones((1, 1, 3, 3), dtype=np.float32))
    images = np.pad(images, ((0, 0), (0, 0), (2, 2), (2, 2)))
    return gk.tensor(images.reshape(len(ds), 784)), ds.targets


def main():
    gk.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    criterion = nn.CrossEntropyLoss()
    optimizer = gk.optim.Adam(model.parameters(), lr=1e-3)

    x_train, y_train = digits_as_mnist(train=True)
    x_test, y_test = digits_as_mnist(train=False)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True,
                        generator=gk.Generator().manual_seed(0))

    for epoch in range(EPOCHS):
        total, seen = 0.0, 0
        for inputs, labels in loader:
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
            seen += len(labels)
        print(f"epoch {epoch + 1}: loss {total / seen:.4f}")

    model.eval()
    with gk.no_grad():
        predicted = model(x_test).argmax(dim=1)
    accuracy = (predicted == y_test).float().mean().item()
    print(f"test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
