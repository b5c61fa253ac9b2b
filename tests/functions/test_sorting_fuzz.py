"""sort/topk descending: the fuzzer's findings (tests/fuzz), each checked against PyTorch:
NaN first, equal values in their order, no negation (which wraps unsigned integers)."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", ["float64", "float32", "uint8", "int64", "int32", "bool"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_sort_and_topk_descending_as_torch(dtype, dim):
    rng = np.random.default_rng(0)
    for _ in range(20):
        a = rng.integers(0, 4, (3, 6)).astype(float)
        if dtype.startswith("float"):
            a[rng.random((3, 6)) < 0.15] = np.nan
        a = a.astype(dtype)
        if dtype == "int64":
            a[0, 0] = np.iinfo(np.int64).min
        t = torch.sort(torch.tensor(a), stable=True, dim=dim, descending=True)
        g = gk.sort(gk.tensor(a), dim, descending=True, stable=True)
        np.testing.assert_array_equal(g.values.numpy(), t.values.numpy())
        np.testing.assert_array_equal(g.indices.numpy(), t.indices.numpy())
        if dtype != "bool":
            t = torch.topk(torch.tensor(a), 3, dim)
            g = gk.topk(gk.tensor(a), 3, dim)
            np.testing.assert_array_equal(g.values.numpy(), t.values.numpy())
