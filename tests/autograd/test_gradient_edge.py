"""``torch.autograd.graph.GradientEdge`` / ``get_gradient_edge`` and ``autograd.grad`` with edges
as inputs (torchjd's autogram walks ``next_functions`` as edges and differentiates to them)."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _graph(lib):
    x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
    w = lib.tensor([0.3, 0.7, -1.1], requires_grad=True)
    h = (x * w).tanh()
    y = (h * h).sum() + (w ** 3).sum()
    return x, w, h, y


def test_edges_of_leaves_and_nodes_give_torchs_gradients():
    results = []
    for lib in (gk, torch):
        graph = lib.autograd.graph
        x, w, h, y = _graph(lib)
        ex, eh = graph.get_gradient_edge(x), graph.get_gradient_edge(h)
        assert isinstance(ex, graph.GradientEdge) and ex.output_nr == 0
        assert ex.ownership_token is None and ex == graph.get_gradient_edge(x)
        assert {ex, graph.get_gradient_edge(x)} == {ex}
        assert type(ex.node).__name__ == "AccumulateGrad" and eh.node is h.grad_fn
        # the edges a node's next_functions name, as a registry of edges walks them
        children = [graph.GradientEdge(c, n) for c, n in eh.node.next_functions if c is not None]
        assert len(children) == 1 and children[0].node.name() == "MulBackward0"
        grads = lib.autograd.grad(y, [ex, eh, w, children[0]], retain_graph=True)
        single = lib.autograd.grad(y, eh)
        results.append([g.detach().numpy() for g in grads] + [single[0].detach().numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_edge_errors_read_as_torchs():
    for lib in (gk, torch):
        with pytest.raises(RuntimeError, match="not possible to get the gradient edge"):
            lib.autograd.graph.get_gradient_edge(lib.ones(2))
        x, w, h, y = _graph(lib)
        unused = lib.autograd.graph.get_gradient_edge(lib.ones(2, requires_grad=True) * 2)
        with pytest.raises(RuntimeError):
            lib.autograd.grad(y, [unused])
        assert lib.autograd.grad(y, [unused], allow_unused=True) == (None,)
