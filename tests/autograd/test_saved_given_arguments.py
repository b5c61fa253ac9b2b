"""``grad_fn._saved_<argument>`` as the user gave it, PyTorch as the oracle: a negative dim is
kept as given (PyTorch's node saves the int64 the kernel was called with; its binding shows it
through uint64, ``-1`` as ``2**64 - 1``), and the non-tensor arguments of softmax, max/min,
cumsum/cumprod, gather/scatter/index_select, norm, pow, clamp, var/std, sort/topk, flip/roll
and the activations read as PyTorch's (torchviz's ``show_saved`` prints them). Tensor
arguments (``_saved_index``, ``_saved_indices``) are compared by value."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

X = np.random.default_rng(1).standard_normal((3, 4, 5)).astype(np.float32)


def _index(m):
    return m.tensor([[[0, 1], [1, 2], [2, 3], [0, 4]]] * 3)


CASES = {
    "softmax_negative": lambda m, F, x: F.softmax(x, -1),
    "log_softmax_negative": lambda m, F, x: F.log_softmax(x, dim=-2),
    "softmax": lambda m, F, x: m.softmax(x, 1),
    "max_dim_negative": lambda m, F, x: x.max(-1)[0],
    "min_dim_keepdim": lambda m, F, x: x.min(dim=-2, keepdim=True)[0],
    "cumsum_negative": lambda m, F, x: x.cumsum(-1),
    "cumprod_negative": lambda m, F, x: x.cumprod(-3),
    "gather_negative": lambda m, F, x: x.gather(-1, _index(m)),
    "scatter_value": lambda m, F, x: x.scatter(-1, _index(m), 1.0),
    "index_select_negative": lambda m, F, x: x.index_select(-2, m.tensor([0, 2])),
    "norm": lambda m, F, x: x.norm(),
    "norm_dim_p": lambda m, F, x: x.norm(p=3, dim=-1),
    "pow_int": lambda m, F, x: x.pow(3),
    "pow_float_operator": lambda m, F, x: x ** 2.5,
    "clamp_both": lambda m, F, x: x.clamp(-0.5, 0.5),
    "clamp_min_only": lambda m, F, x: x.clamp(min=0.1),
    "clamp_max_int": lambda m, F, x: x.clamp(max=1),
    "clamp_min_method": lambda m, F, x: x.clamp_min(0.2),
    "sum_negative": lambda m, F, x: x.sum(-1),
    "sum_negative_tuple": lambda m, F, x: x.sum((-1, 0)),
    "mean_negative_keepdim": lambda m, F, x: x.mean(-2, keepdim=True),
    "prod_negative": lambda m, F, x: x.prod(-1),
    "amax_negative": lambda m, F, x: x.amax(-1),
    "logsumexp_negative": lambda m, F, x: x.logsumexp(-1),
    "var_negative": lambda m, F, x: x.var(-1),
    "std_correction_keepdim": lambda m, F, x: x.std(dim=(0, -1), correction=0, keepdim=True),
    "squeeze_negative": lambda m, F, x: x[:1].squeeze(-3),
    "unsqueeze_negative": lambda m, F, x: x.unsqueeze(-1),
    "transpose_negative": lambda m, F, x: x.transpose(-1, 0),
    "select_negative": lambda m, F, x: x.select(-1, 1),
    "narrow_negative": lambda m, F, x: x.narrow(-1, 1, 2),
    "cat_negative": lambda m, F, x: m.cat([x, x], -1),
    "stack_negative": lambda m, F, x: m.stack([x, x], -1),
    "split_negative": lambda m, F, x: x.split(2, -1)[0],
    "chunk_negative": lambda m, F, x: x.chunk(2, -1)[1],
    "unbind_negative": lambda m, F, x: x.unbind(-1)[0],
    "sort_negative": lambda m, F, x: x.sort(-1)[0],
    "topk_negative": lambda m, F, x: x.topk(2, -2)[0],
    "flip_negative": lambda m, F, x: x.flip(-1),
    "roll_negative": lambda m, F, x: x.roll(1, -1),
    "leaky_relu": lambda m, F, x: F.leaky_relu(x, 0.2),
    "elu": lambda m, F, x: F.elu(x, 0.5),
    "gelu_tanh": lambda m, F, x: F.gelu(x, approximate="tanh"),
    "softplus": lambda m, F, x: F.softplus(x, beta=2, threshold=10),
    "hardtanh": lambda m, F, x: F.hardtanh(x, -2.0, 2.0),
    "threshold": lambda m, F, x: F.threshold(x, 0.1, 20.0),
}

# what gradkit's node does not save as PyTorch's (tensors under PyTorch's own names)
_NOT_SHOWN = {"_saved_self", "_saved_other", "_saved_result", "_saved_exponent_raw"}


def _saved(lib, name):
    F = lib.nn.functional
    x = lib.from_numpy(X.copy()).requires_grad_()
    node = CASES[name](lib, F, x).grad_fn
    out = {"node": type(node).__name__}
    for attr in dir(node):
        if not attr.startswith("_saved_") or attr.endswith("_raw") or attr in _NOT_SHOWN:
            continue
        value = getattr(node, attr)
        if isinstance(value, lib.Tensor):
            value = ("tensor", value.detach().numpy().tolist())
        elif isinstance(value, list):
            value = tuple(value)
        out[attr] = value
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_saved_arguments_as_given_as_torch(name):
    got, expected = _saved(gk, name), _saved(torch, name)
    expected = {k: v for k, v in expected.items() if k in got or k == "node" or
                not (isinstance(v, tuple) and v and v[0] == "tensor")}
    assert got == expected


def test_negative_dim_reads_as_unsigned_64_bit():
    x = gk.randn(2, 3, requires_grad=True)
    assert gk.softmax(x, -1).grad_fn._saved_dim == 2 ** 64 - 1
    assert gk.softmax(x, 1).grad_fn._saved_dim == 1
