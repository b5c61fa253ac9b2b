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


def test_histogram_as_torch():
    # a NaN weight makes only its own bin NaN; one edge is no bin (RuntimeError)
    rng = np.random.default_rng(0)
    for trial in range(300):
        x = rng.standard_normal(20)
        if trial % 3 == 0:
            x[rng.integers(0, 20, 3)] = [np.nan, 1e30, -1e-30]
        w = rng.random(20) if trial % 2 else None
        if w is not None and trial % 4 == 1:
            w[rng.integers(0, 20)] = np.nan
        bins = np.sort(rng.standard_normal(rng.integers(1, 7))) if trial % 5 == 0 else \
            int(rng.integers(1, 6))
        kw = {"density": trial % 7 == 0}
        if isinstance(bins, int) and trial % 3:
            kw["range"] = (-1.0, 1.5)
        res = []
        for m in (torch, gk):
            b = bins if isinstance(bins, int) else m.tensor(bins)
            try:
                r = m.histogram(m.tensor(x), b, weight=None if w is None else m.tensor(w), **kw)
                res.append((r.hist.numpy(), r.bin_edges.numpy()))
            except RuntimeError:
                res.append("RuntimeError")
        if isinstance(res[0], str) or isinstance(res[1], str):
            assert res[0] == res[1]
            continue
        np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-12)
        np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-12)


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_in_an_empty_sequence_is_zero_as_torch(right):
    for seq, vals in (((3, 0), (3, 4)), ((0,), (2,))):
        res = [L.searchsorted(L.zeros(seq, dtype=L.float64), L.ones(vals, dtype=L.float64),
                              right=right) for L in (gk, torch)]
        assert res[0].tolist() == res[1].tolist() and res[0].dtype == gk.int64


@pytest.mark.parametrize("interpolation", ["linear", "midpoint"])
@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
def test_quantile_interpolates_with_torchs_lerp(fn, interpolation):
    # between a finite value and inf at weight 0.5 PyTorch's lerp gives NaN (end - (end - start)
    # * 0.5), below 0.5 inf
    x = np.array([[0.7, np.inf, np.nan, np.nan], [0.7, np.inf, 1.0, -np.inf]])
    for q in (0.4, 0.5, 0.7):
        res = [getattr(L, fn)(L.tensor(x), q, dim=1, interpolation=interpolation).numpy()
               for L in (gk, torch)]
        np.testing.assert_array_equal(res[0], res[1])
