"""torch.fx.wrap("len"), the fix PyTorch's own error message suggests for ``len(proxy)``:
``len`` is then recorded as one node in this module's traces, as in PyTorch."""

import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

gk.fx.wrap("len")
torch.fx.wrap("len")


def _model(lib):
    class Scaled(lib.nn.Module):
        def forward(self, x):
            return x * len(x)

    return Scaled()


def test_wrapped_len_matches_pytorch():
    g, t = gk.fx.symbolic_trace(_model(gk)), torch.fx.symbolic_trace(_model(torch))
    assert g.code == t.code and str(g.graph) == str(t.graph)
    assert g.code.startswith('\ntorch.fx._symbolic_trace.wrap("len")\n')
    assert g(gk.ones(3)).tolist() == [3.0, 3.0, 3.0]
    assert len([1, 2]) == 2 and "len" not in globals()  # put back after the trace
