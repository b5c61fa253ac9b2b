"""The non-tensor arguments split/chunk/unbind nodes show as PyTorch's do (``grad_fn._saved_dim``,
``_saved_self_sym_sizes``, ``_saved_split_sizes``/``_saved_split_size``): DepGraph pruning
(torch-pruning) reads them to map channel indices through a split."""

import pytest

import gradkit as gk

NAMES = ("_saved_dim", "_saved_self_sym_sizes", "_saved_split_sizes", "_saved_split_size")
CASES = [
    lambda t, x: t.split(x, (5, 15), 1)[1],
    lambda t, x: x.split(10, 1)[0],
    lambda t, x: x.chunk(3, 1)[2],
    lambda t, x: x.unbind(2)[0],
    lambda t, x: t.split(x, [3, 4], 3)[0],
]


def _shown(g):
    return g.name(), {k: getattr(g, k) for k in NAMES if hasattr(g, k)}


@pytest.mark.parametrize("i", range(len(CASES)))
def test_split_nodes_show_pytorch_saved_arguments(i):
    torch = pytest.importorskip("torch")
    xt = torch.randn(1, 20, 7, 7, requires_grad=True)
    xg = gk.tensor(xt.detach().numpy(), requires_grad=True)
    assert _shown(CASES[i](gk, xg).grad_fn) == _shown(CASES[i](torch, xt).grad_fn)


def test_other_nodes_lack_split_arguments():
    x = gk.randn(4, 3, requires_grad=True)
    assert not hasattr((x * 2).grad_fn, "_saved_dim")
    assert not hasattr(x.split(2)[0].grad_fn, "_saved_split_sizes")
