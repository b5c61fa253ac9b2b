"""``Tensor.sparse_mask`` and a sparse tensor's legacy ``new(indices, values[, size])``, as
PyTorch's (optimizers with sparse gradients, e.g. MADGRAD, DAdaptAdagrad and SM3, use them)."""

import numpy as np
import pytest

import gradkit as gk


def _mask(lib):
    return lib.sparse_coo_tensor(lib.tensor([[2, 0, 0], [1, 1, 0]]), lib.ones(3), (3, 3))


@pytest.mark.parametrize("coalesce", [False, True])
def test_sparse_mask_values_flag_and_gradient_as_torch(coalesce):
    torch = pytest.importorskip("torch")
    x0 = np.random.default_rng(0).standard_normal((3, 3))
    got = []
    for lib in (gk, torch):
        x = lib.tensor(x0, requires_grad=True)
        m = _mask(lib).coalesce() if coalesce else _mask(lib)
        r = x.sparse_mask(m)
        (r.to_dense() * lib.arange(9.0, dtype=lib.float64).view(3, 3)).sum().backward()
        got.append((r.is_sparse, r.is_coalesced(), r._indices().tolist(),
                    r._values().detach().numpy(), x.grad.numpy()))
    (s1, c1, i1, v1, g1), (s2, c2, i2, v2, g2) = got
    assert (s1, c1, i1) == (s2, c2, i2)
    np.testing.assert_array_equal(v1, v2)
    np.testing.assert_array_equal(g1, g2)


def test_sparse_mask_with_dense_dims_and_its_errors():
    torch = pytest.importorskip("torch")
    x0 = np.arange(12.0).reshape(2, 3, 2)
    for lib in (gk, torch):
        r = lib.tensor(x0).sparse_mask(lib.tensor(x0 > 4).to_sparse(2))
        assert tuple(r.shape) == (2, 3, 2) and r.dense_dim() == 1
        np.testing.assert_array_equal(r.to_dense().numpy(), x0 * (x0.reshape(6, 2) > 4).any(
            1).reshape(2, 3, 1))
        with pytest.raises(RuntimeError, match="incompatible sizes"):
            lib.ones(3, 3).sparse_mask(lib.eye(2).to_sparse())
    with pytest.raises(NotImplementedError, match="to_sparse"):
        gk.ones(3, 3).sparse_mask(gk.eye(3))


def test_legacy_new_of_a_sparse_tensor_is_sparse():
    torch = pytest.importorskip("torch")
    for lib in (gk, torch):
        s = lib.eye(3).to_sparse()
        i, v = lib.tensor([[0, 1], [1, 2]]), lib.tensor([1.0, 2.0])
        r = s.new(i, v, (3, 3))
        assert r.is_sparse and not r.requires_grad and r.dtype == lib.float32
        np.testing.assert_array_equal(r.to_dense().numpy(), [[0, 1, 0], [0, 0, 2], [0, 0, 0]])
        assert tuple(s.new(i, v).shape) == (2, 3)
        assert s.new().is_sparse and tuple(s.new().shape) == (0,)
        assert s.new(2, 3).is_sparse and tuple(s.new(2, 3).shape) == (2, 3)
        assert s.new(i, v.double(), (3, 3)).dtype == lib.float64


def test_product_of_sparse_tensors_with_dense_dims_as_torch():
    torch = pytest.importorskip("torch")
    for lib in (gk, torch):
        a = lib.sparse_coo_tensor(lib.tensor([[0, 2, 0]]), lib.arange(6.0).view(3, 2), (4, 2))
        b = lib.sparse_coo_tensor(lib.tensor([[2, 0, 3]]), lib.ones(3, 2) * 3, (4, 2))
        np.testing.assert_array_equal((a * b).to_dense().numpy(),
                                      [[12, 18], [0, 0], [6, 9], [0, 0]])
        with pytest.raises(RuntimeError, match="equal dimensionality"):
            a * lib.sparse_coo_tensor(lib.tensor([[0], [1]]), lib.ones(1), (4, 2))
