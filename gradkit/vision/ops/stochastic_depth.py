"""Stochastic depth (Huang et al., 2016): randomly drop residual branches while training."""

from __future__ import annotations

import gradkit as gk

from ... import nn

__all__ = ["stochastic_depth", "StochasticDepth"]


def stochastic_depth(input, p: float, mode: str, training: bool = True):
    """Zero the whole ``input`` (``mode="batch"``) or random rows of it (``mode="row"``) with
    probability ``p``, scaling what survives by ``1 / (1 - p)``; the identity when not training.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ["batch", "row"]:
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input
    survival_rate = 1.0 - p
    if mode == "row":
        size = [input.shape[0]] + [1] * (input.ndim - 1)
    else:
        size = [1] * input.ndim
    noise = gk.empty(size, dtype=input.dtype, device=input.device)
    noise = noise.bernoulli_(survival_rate)
    if survival_rate > 0.0:
        noise.div_(survival_rate)
    return input * noise


class StochasticDepth(nn.Module):
    """See :func:`stochastic_depth`."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, input):
        return stochastic_depth(input, self.p, self.mode, self.training)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p}, mode={self.mode})"
