"""A sparse COO tensor's ``_values()`` is outside the graph (no grad_fn, a leaf, sharing the
stored values), its ``values()`` differentiable, as PyTorch's; gradkit's own sparse ops that
select values keep their gradients."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _sparse(lib, coalesce):
    v = lib.tensor([3.0, 4.0, 5.0], requires_grad=True)
    s = lib.sparse_coo_tensor(lib.tensor([[0, 1, 1], [2, 0, 2]]), v, (2, 3))
    return v, (s.coalesce() if coalesce else s)


def _graph_facts(t):
    return t.requires_grad, t.is_leaf, None if t.grad_fn is None else type(t.grad_fn).__name__


@pytest.mark.parametrize("coalesce", [False, True])
def test_underscore_values_outside_the_graph_as_torch(coalesce):
    _, ts = _sparse(torch, coalesce)
    _, gs = _sparse(gk, coalesce)
    assert _graph_facts(gs._values()) == _graph_facts(ts._values()) == (False, True, None)
    assert gs._values().data_ptr() == gs._values().data_ptr()  # (the stored values, shared)
    if coalesce:
        assert _graph_facts(gs.values()) == _graph_facts(ts.values())


def test_values_gradient_and_index_select_still_differentiable():
    v, s = _sparse(gk, True)
    s.values().sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [1.0, 1.0, 1.0])
    v, s = _sparse(gk, False)
    picked = s.index_select(1, gk.tensor([2]))
    assert picked._values().grad_fn is None
    gk.sparse.sum(picked).backward()
    np.testing.assert_array_equal(v.grad.numpy(), [1.0, 0.0, 1.0])
