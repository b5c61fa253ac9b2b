"""``grad_fn._saved_<argument>`` of the common view, indexing and reduction nodes as PyTorch's
(``SliceBackward0._saved_start``/``_saved_end``/``_saved_step``, ``SelectBackward0._saved_index``,
``SumBackward1._saved_dim``, ...): tools that walk the graph (DepGraph pruning, graph printers)
read them. PyTorch is the oracle; dims are given non-negative (gradkit keeps the normalised dim
of a negative one, where PyTorch keeps the one given), a negative slice start or index reads as
PyTorch's unsigned 64-bit form."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

X = np.random.default_rng(0).standard_normal((4, 5, 6)).astype(np.float32)

CASES = {
    "slice": lambda m, x: x[:, 1:4:2],
    "slice_negative_start": lambda m, x: x[:, -3:],
    "slice_after_ellipsis": lambda m, x: x[..., 2:5],
    "slice_first": lambda m, x: x[1:3],
    "slice_step": lambda m, x: x[::3],
    "slice_after_select": lambda m, x: x[1, 1:3],
    "slice_then_none": lambda m, x: x[1:, None],
    "narrow": lambda m, x: x.narrow(2, 1, 3),
    "select": lambda m, x: x[:, 2],
    "select_negative_index": lambda m, x: x.select(2, -2),
    "select_after_slice": lambda m, x: x[1:3, 2],
    "select_after_ellipsis": lambda m, x: x[..., 1],
    "index_none": lambda m, x: x[:, None],
    "view": lambda m, x: x.view(20, 6),
    "view_inferred": lambda m, x: x.view(-1, 6),
    "reshape": lambda m, x: x.reshape(4, 30),
    "flatten": lambda m, x: x.flatten(1),
    "permute": lambda m, x: x.permute(2, 0, 1),
    "transpose": lambda m, x: x.transpose(0, 2),
    "sum_dim": lambda m, x: x.sum(2),
    "sum_dims_keepdim": lambda m, x: x.sum((0, 2), keepdim=True),
    "mean_dim": lambda m, x: x.mean(1),
    "mean_keepdim": lambda m, x: x.mean(1, keepdim=True),
    "cat": lambda m, x: m.cat([x, x], 2),
    "cat_first": lambda m, x: m.cat([x, x * 2]),
    "unsqueeze": lambda m, x: x.unsqueeze(1),
    "squeeze_dim": lambda m, x: x[:1].squeeze(0),
    "expand": lambda m, x: x[:, :1].expand(4, 3, 6),
}


def _saved(lib, name):
    x = lib.from_numpy(X.copy()).requires_grad_()
    node = CASES[name](lib, x).grad_fn
    out = {"node": type(node).__name__}
    for attr in dir(node):
        if attr.startswith("_saved_") and not attr.endswith("_raw"):
            try:
                value = getattr(node, attr)
            except AttributeError:
                continue
            if not isinstance(value, (lib.Tensor,)):
                out[attr] = tuple(value) if isinstance(value, (list, tuple)) else value
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_saved_arguments_as_torch(name):
    assert _saved(gk, name) == _saved(torch, name)


def test_another_op_under_a_shared_name_has_no_such_argument():
    """A node of another op shown under the same PyTorch name raises AttributeError."""
    x = gk.randn(3, 4, requires_grad=True)
    node = x[:, 1:3].grad_fn
    with pytest.raises(AttributeError):
        node._saved_index  # noqa: B018 (a slice saves no index)


@pytest.mark.parametrize("name", sorted(CASES))
def test_dir_lists_only_what_the_node_saved(name):
    """``dir(grad_fn)`` lists the ``_saved_*`` a node has, as PyTorch's (torchviz's
    ``show_saved`` reads every one it lists)."""
    def listed(lib):
        x = lib.from_numpy(X.copy()).requires_grad_()
        node = CASES[name](lib, x).grad_fn
        return sorted(a for a in dir(node) if a.startswith("_saved_"))

    assert listed(gk) == listed(torch)


def test_dir_keeps_the_saved_tensors_of_a_node_that_has_them():
    x = gk.randn(3, requires_grad=True)
    y = gk.randn(3, requires_grad=True)
    names = [a for a in dir((x * y).grad_fn) if a.startswith("_saved_")]
    assert names == ["_saved_other", "_saved_self"]
    out = x.exp()
    assert "_saved_result" in dir(out.grad_fn)
    out.sum().backward()
    assert "_saved_result" in dir(out.grad_fn)  # (freed, still listed: reading it raises)
