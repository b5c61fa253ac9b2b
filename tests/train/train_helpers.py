"""Helpers for the training-loop tests: a small softmax-regression model and its loss.

The model is written with raw ops and ``nn.Parameter`` only, so these tests exercise the loop
itself rather than any particular layer.
"""

import numpy as np

import gradkit as gk
from gradkit import nn


class SoftmaxRegression(nn.Module):
    """Flatten, one affine map, logits (optionally with dropout so the RNG matters)."""

    def __init__(self, in_features=64, classes=10, dropout=0.0):
        super().__init__()
        self.weight = nn.Parameter(gk.randn(in_features, classes) * 0.1)
        self.bias = nn.Parameter(gk.zeros(classes))
        self.dropout = dropout

    def forward(self, x):
        x = x.reshape(x.shape[0], -1)
        if self.training and self.dropout:
            keep = (gk.rand(*x.shape) >= self.dropout).float() / (1 - self.dropout)
            x = x * keep
        return x @ self.weight + self.bias


def cross_entropy(out, y):
    onehot = gk.tensor(np.eye(out.shape[1], dtype=np.float32)[y.numpy()])
    return -(gk.log_softmax(out, 1) * onehot).sum(1).mean()


def params(model):
    """A copy of every parameter's values, to compare before and after."""
    return [p.detach().numpy().copy() for p in model.parameters()]
