"""Helpers for the op tests: second-order checks built on ``helpers.check_grad``."""

import numpy as np
from helpers import check_grad

import gradkit as gk


def check_second_order(fn, inputs, seed=1):
    """check_grad of the first-order gradient <u, d fn / d inputs> (computed with create_graph)."""
    rng = np.random.default_rng(seed)
    out = fn(*inputs)
    u = gk.tensor(rng.standard_normal(out.shape), dtype=out.dtype)
    w = [gk.tensor(rng.standard_normal(x.shape), dtype=x.dtype) for x in inputs]

    def first(*xs):
        outer = gk.is_grad_enabled()
        with gk.enable_grad():
            gs = gk.autograd.grad(fn(*xs), list(xs), u, create_graph=outer,
                                  materialize_grads=True)
        # a scalar mixing every gradient, so each second derivative is checked
        total = None
        for g, wi in zip(gs, w):
            term = (g * wi).sum() + (g * g).sum()
            total = term if total is None else total + term
        return total

    return check_grad(first, inputs)
