"""Embedding and one_hot."""

import numpy as np
import pytest
from oracle import compare_layer

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn


@pytest.mark.parametrize("padding_idx", [None, 0, -1])
@pytest.mark.parametrize("scale", [False, True])
def test_embedding_matches_torch(torch, padding_idx, scale):
    g = nn.Embedding(7, 4, padding_idx=padding_idx, scale_grad_by_freq=scale)
    t = torch.nn.Embedding(7, 4, padding_idx=padding_idx, scale_grad_by_freq=scale)
    idx = np.array([[0, 2, 2, 6], [1, 0, 6, 3]], dtype=np.int64)
    compare_layer(torch, g, t, [idx])
    assert repr(g) == repr(t)


def test_padding_row_zero_and_no_grad():
    gk.manual_seed(0)
    e = nn.Embedding(5, 3, padding_idx=2)
    assert float(e.weight[2].abs().sum()) == 0.0
    e(gk.tensor([2, 2, 1])).sum().backward()
    np.testing.assert_array_equal(e.weight.grad.numpy()[2], 0.0)
    np.testing.assert_array_equal(e.weight.grad.numpy()[1], 1.0)


def test_embedding_gradient_accumulates_repeats():
    w = gk.randn(4, 2, requires_grad=True)
    F.embedding(gk.tensor([3, 3, 3, 0]), w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[1, 1], [0, 0], [0, 0], [3, 3]])


def test_embedding_second_order_path():
    w = gk.randn(4, 2, dtype=gk.float64, requires_grad=True)
    idx = gk.tensor([1, 1, 3])
    (g,) = gk.autograd.grad((F.embedding(idx, w) ** 2).sum(), [w], create_graph=True)
    np.testing.assert_allclose(g.detach().numpy()[1], 4 * w.detach().numpy()[1])
    g.sum().backward()
    np.testing.assert_allclose(w.grad.numpy()[1], [4, 4])


def test_max_norm_renormalises_rows(torch):
    g = nn.Embedding(5, 3, max_norm=1.0)
    t = torch.nn.Embedding(5, 3, max_norm=1.0)
    with gk.no_grad():
        g.weight.mul_(5.0)
    idx = np.array([0, 1, 1, 4], dtype=np.int64)
    compare_layer(torch, g, t, [idx])
    norms = np.linalg.norm(g.weight.detach().numpy()[[0, 1, 4]], axis=1)
    assert np.all(norms <= 1.0 + 1e-5)


def test_from_pretrained():
    w = gk.tensor([[1.0, 2.0], [3.0, 4.0]])
    e = nn.Embedding.from_pretrained(w)
    assert not e.weight.requires_grad
    np.testing.assert_array_equal(e(gk.tensor([1])).numpy(), [[3.0, 4.0]])
    e2 = nn.Embedding.from_pretrained(w, freeze=False, padding_idx=0)
    assert e2.weight.requires_grad and e2.padding_idx == 0
    np.testing.assert_array_equal(e2.weight.detach().numpy()[0], [1.0, 2.0])


def test_embedding_errors():
    e = nn.Embedding(10, 3)
    with pytest.raises(IndexError, match=r"num_embeddings=10.*index 10"):
        e(gk.tensor([1, 10]))
    with pytest.raises(RuntimeError, match="Long, Int"):  # PyTorch's type and words
        e(gk.tensor([1.0]))
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(3, 2, padding_idx=3)
    with pytest.raises(RuntimeError, match="embedding_dim"):  # as torch
        nn.Embedding(3, -2)


def test_one_hot(torch):
    idx = np.array([[0, 2], [3, 1]])
    g = F.one_hot(gk.tensor(idx))
    t = torch.nn.functional.one_hot(torch.from_numpy(idx))
    np.testing.assert_array_equal(g.numpy(), t.numpy())
    assert g.dtype == gk.int64
    assert F.one_hot(gk.tensor([1]), num_classes=4).shape == (1, 4)
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(gk.tensor([5]), 3)
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(gk.tensor([-1]), 3)


@pytest.mark.parametrize("dtype", ["int32", "int16", "uint8", "float32", "bool"])
def test_one_hot_takes_int64_indices_only_as_torch(torch, dtype):
    # PyTorch's one_hot refuses every index dtype but int64 (embedding takes int32 too);
    # gradkit took int32 indices
    with pytest.raises(RuntimeError, match="LongTensor"):
        torch.nn.functional.one_hot(torch.tensor([1, 0]).to(getattr(torch, dtype)))
    with pytest.raises(RuntimeError, match="one_hot .*LongTensor"):
        F.one_hot(gk.tensor([1, 0]).to(getattr(gk, dtype)), 3)


@pytest.mark.parametrize("fn", [
    lambda L, F: F.embedding(L.tensor([0, 1]), [[1.0, 2.0], [3.0, 4.0]]),
    lambda L, F: F.embedding([0, 1], L.ones(3, 2)),
    lambda L, F: F.embedding(L.tensor([0, 1]), L.tensor(1.0)),
    lambda L, F: F.embedding(L.tensor([0, 1]), L.ones(3)),
    lambda L, F: F.embedding(L.tensor(2, dtype=L.uint8), L.ones(4, 2)),
    lambda L, F: F.embedding(L.tensor([1.0]), L.ones(4, 2)),
], ids=["list-weight", "list-input", "0d-weight", "1d-weight", "uint8-index", "float-index"])
def test_embedding_argument_errors_are_pytorch_types(torch, fn):
    kinds = []
    for lib, f in ((torch, torch.nn.functional), (gk, F)):
        with pytest.raises(Exception) as e:  # noqa: PT011 - the type is compared
            fn(lib, f)
        kinds.append(type(e.value))
    assert kinds[1] is kinds[0]


@pytest.mark.parametrize("sparse", [False, True])
def test_embedding_of_a_width_0_weight_has_a_gradient(sparse):
    # the backward reshaped the output gradient to (-1, 0), which NumPy refuses (ValueError)
    w = gk.zeros(10, 0, dtype=gk.float64, requires_grad=True)
    gk.nn.functional.embedding(gk.tensor([[1, 2], [3, 4]]), w, sparse=sparse).sum().backward()
    assert tuple(w.grad.shape) == (10, 0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_type", [0.0, -1.0, 0.5, 1.0, 2.0, float("inf"), -float("inf")])
def test_embedding_max_norm_renorms_rows_as_torch(torch, dtype, norm_type):
    # each row's vector norm as PyTorch's (p = 0 counts nonzeros; gradkit divided by zero),
    # plus 1e-7 in double (gradkit's float32 sum absorbed it: the last bits differed)
    from oracle import same_as_torch

    def run(L):
        w = L.tensor([[3.0, 0.0, 1.0], [0.5, 0.2, 0.1], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]],
                     dtype=getattr(L, dtype))
        y = L.nn.functional.embedding(L.tensor([0, 1, 2, 3, 2]), w, max_norm=0.6,
                                      norm_type=norm_type)
        return y, w

    same_as_torch(torch, run)


@pytest.mark.parametrize("indices", [[[1, 3], [0, 2]], "tensor"])
@pytest.mark.parametrize("padding_idx", [-1, 2, 0, None])
def test_embedding_zero_dim_weight_errors_as_torch(torch, indices, padding_idx):
    """A 0-d weight with a nonzero padding_idx fails at weight.size(0) in PyTorch's Python
    code (IndexError, before the indices' type check); otherwise its binding's checks
    (TypeError for a list, RuntimeError for a weight that is not 2-D). gradkit raised a raw
    'tuple index out of range'."""
    def run(lib):
        idx = lib.tensor([[1, 3], [0, 2]]) if indices == "tensor" else indices
        try:
            lib.nn.functional.embedding(idx, lib.tensor(-0.024), padding_idx=padding_idx)
        except Exception as e:  # noqa: BLE001 - the type is the comparison
            return type(e), str(e)
        return None, ""
    (ours, msg), (theirs, _) = run(gk), run(torch)
    assert ours is theirs
    assert theirs is None or "embedding" in msg  # a message of gradkit's, naming the op
