"""The two-layer network from PyTorch's introductions: 784 -> 128 -> 10, backward, read a gradient.

Real data: scikit-learn's 8x8 digits, upsampled to MNIST's 28x28 (784 pixels). The script runs
one forward and backward pass, shows ``fc1.weight.grad``, checks one of its entries against a
finite difference, and takes one SGD step to show the loss going down.

Run: python examples/two_layer_net.py
"""

import numpy as np

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn
from gradkit.datasets import Digits


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def digits_as_mnist(train=True):
    """Digits images scaled to 28x28 (each pixel repeated 3x3, then a 2-pixel border)."""
    ds = Digits(train=train)
    images = np.kron(ds.data.numpy(), np.ones((1, 1, 3, 3), dtype=np.float32))
    images = np.pad(images, ((0, 0), (0, 0), (2, 2), (2, 2)))
    return gk.tensor(images.reshape(len(ds), 784)), ds.targets


def main():
    gk.manual_seed(0)
    net = Net()
    print(net)
    x, y = digits_as_mnist()
    x, y = x[:64], y[:64]

    out = net(x)
    print("output shape:", tuple(out.shape))  # (64, 10)
    loss = F.cross_entropy(out, y)
    net.zero_grad()
    loss.backward()
    grad = net.fc1.weight.grad
    print("fc1.weight.grad shape:", tuple(grad.shape), " norm:", f"{float(grad.norm()):.4f}")

    # check one entry of the gradient against a central difference (in float64)
    i, j = 5, int(np.argmax(np.abs(grad.numpy()[5])))
    eps = 1e-3
    with gk.no_grad():
        w = net.fc1.weight
        orig = float(w[i, j])
        w[i, j] = orig + eps
        plus = float(F.cross_entropy(net(x), y))
        w[i, j] = orig - eps
        minus = float(F.cross_entropy(net(x), y))
        w[i, j] = orig
    numeric = (plus - minus) / (2 * eps)
    print(f"d loss / d fc1.weight[{i},{j}]: autograd {float(grad[i, j]):.6f}, "
          f"finite difference {numeric:.6f}")

    # one SGD step by hand lowers the loss
    with gk.no_grad():
        for p in net.parameters():
            p.sub_(0.5 * p.grad)
    print(f"loss before the step {float(loss):.4f}, after {float(F.cross_entropy(net(x), y)):.4f}")


if __name__ == "__main__":
    main()
