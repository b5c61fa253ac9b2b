"""The gradkit-against-PyTorch runner shared by the test_more_* files."""

import numpy as np
from helpers import assert_close

import gradkit as gk


def dtype_name(d):
    return str(d).replace("torch.", "")


def both(torch, fn, *arrays, grad=True, seed=0, atol=1e-10):
    """Run ``fn(lib, *tensors)`` in gradkit and torch on the same arrays; compare the values,
    the dtype and (for float inputs when ``grad``) the gradients of a random projection."""
    gx = [gk.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    tx = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    go, to = fn(gk, *gx), fn(torch, *tx)
    gos = go if isinstance(go, tuple) else (go,)
    tos = to if isinstance(to, tuple) else (to,)
    assert len(gos) == len(tos)
    for g, t in zip(gos, tos):
        assert tuple(g.shape) == tuple(t.shape)
        assert dtype_name(g.dtype) == dtype_name(t.dtype), (g.dtype, t.dtype)
        assert_close(g, t, atol=atol)
    if grad and gos[0].requires_grad:  # of a (values, indices) pair: the values
        u = np.random.default_rng(seed).standard_normal(tuple(gos[0].shape))
        (gos[0] * gk.tensor(u)).sum().backward()
        (tos[0] * torch.tensor(u)).sum().backward()
        for a, b in zip(gx, tx):
            if b.grad is not None or a.grad is not None:
                assert_close(a.grad if a.grad is not None else np.zeros(a.shape),
                             b.grad if b.grad is not None else np.zeros(tuple(b.shape)),
                             atol=atol)
    return go
