"""gradkit/functions/histograms.py against PyTorch: the bins of NaN and unsorted edges (its
binary search, not refused), NaN data and ranges, and histogramdd's kinds of ``bins``."""

import numpy as np
import pytest

import gradkit as gk

NAN, INF = float("nan"), float("inf")


def _d(m, v):
    return m.tensor(v, dtype=m.float64)


# name -> fn(lib) returning tensors (PyTorch's result, or its exception type)
CASES = {
    "histogram_nan_middle_edge": lambda m: m.histogram(_d(m, [1.0, 2.0]), _d(m, [0, NAN, 3])),
    "histogram_nan_last_edge": lambda m: m.histogram(_d(m, [1.0, 2.0]), _d(m, [0, 1, NAN])),
    "histogram_nan_first_edge": lambda m: m.histogram(_d(m, [1.0, 2.0]), _d(m, [NAN, 1, 3])),
    "histogram_decreasing_edges": lambda m: m.histogram(_d(m, [0.5, 1.5, 2.5]),
                                                        _d(m, [3, 1, 0])),
    "histogram_unsorted_edges": lambda m: m.histogram(_d(m, [0.5, 1.5, 2.5, 3.0]),
                                                      _d(m, [0, 2, 1, 3])),
    "histogram_repeated_edge": lambda m: m.histogram(_d(m, [0.5, 1.0, 2.5]), _d(m, [0, 1, 1, 3])),
    "histogram_nan_edge_weight": lambda m: m.histogram(
        _d(m, [0.5, 1.0, 2.5]), _d(m, [0, NAN, 1, 3]), weight=_d(m, [1.0, 2.0, 4.0])),
    "histogram_nan_edge_density": lambda m: m.histogram(
        _d(m, [0.5, 1.0, 2.5]), _d(m, [0, 2, NAN, 3]), density=True),
    "histogram_nan_data_edges": lambda m: m.histogram(_d(m, [1.0, NAN, 2.0]), _d(m, [0, 1, 3])),
    "histogram_inf_edges": lambda m: m.histogram(_d(m, [1.0, 2.0, 5.0]), _d(m, [-INF, 1, INF])),
    "histogram_nan_data_range": lambda m: m.histogram(_d(m, [1.0, NAN, 2.0]), 4,
                                                      range=(0.0, 3.0)),
    "histogram_nan_data": lambda m: m.histogram(_d(m, [1.0, NAN, 2.0]), 4),
    "histogram_nan_range": lambda m: m.histogram(_d(m, [1.0, 2.0]), 4, range=(NAN, 3.0)),
    "histc_nan_data": lambda m: m.histc(_d(m, [1.0, NAN, 2.0]), 4),
    "histc_nan_data_range": lambda m: m.histc(_d(m, [1.0, NAN, 2.0]), 4, 0, 3),
    "histc_nan_max": lambda m: m.histc(_d(m, [1.0, 2.0]), 4, 0, NAN),
    "histc_all_nan_range": lambda m: m.histc(_d(m, [NAN, NAN]), 4, 0, 1),
    "histogramdd_nan_edges": lambda m: m.histogramdd(
        _d(m, [[1.0, 1.0], [2.0, 3.0]]), [_d(m, [0, NAN, 3]), _d(m, [0, 4])]).hist,
    "histogramdd_unsorted_edges": lambda m: m.histogramdd(
        _d(m, [[1.5, 1.0], [2.5, 3.0], [0.5, 2.0]]), [_d(m, [0, 2, 1, 3]), _d(m, [0, 4])]).hist,
    "histogramdd_nan_data_range": lambda m: m.histogramdd(
        _d(m, [[1.0, NAN], [2.0, 3.0]]), 2, range=[0.0, 3.0, 0.0, 3.0]).hist,
    "histogramdd_bins_0d_tensor": lambda m: m.histogramdd(
        _d(m, [[1.0, 2.0, 0.5], [2.0, 3.0, 1.0]]), m.tensor(2)).hist,
    "histogramdd_bins_0d_tensors": lambda m: m.histogramdd(
        _d(m, [[1.0, 2.0, 0.5], [2.0, 3.0, 1.0]]), [m.tensor(2), 3, m.tensor(1)]).hist,
    "histogramdd_bins_1d_int_tensor": lambda m: m.histogramdd(
        _d(m, [[1.0, 2.0, 0.5]]), m.tensor([2, 2, 2])).hist,
    "histogramdd_bins_edges_then_int": lambda m: m.histogramdd(
        _d(m, [[1.0, 2.0]]), [_d(m, [0, 1]), 3]).hist,
    "histogramdd_bins_int_then_edges": lambda m: m.histogramdd(
        _d(m, [[1.0, 2.0]]), [m.tensor(2), _d(m, [0, 1])]).hist,
}


def _outcome(m, name):
    try:
        out = CASES[name](m)
    except Exception as e:  # noqa: BLE001 (compared by type)
        return type(e)
    return [np.nan_to_num(t.numpy(), nan=-7.0).tolist() for t in
            (out if isinstance(out, tuple) else (out,))]


@pytest.mark.parametrize("name", sorted(CASES))
def test_histograms_at_nan_and_unsorted_edges_as_torch(torch, name):
    t, g = _outcome(torch, name), _outcome(gk, name)
    if isinstance(t, type):
        assert isinstance(g, type) and issubclass(g, t), (g, t)
    else:
        assert g == t


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
@pytest.mark.parametrize("kw", [{}, {"range": (1.0, 2.0)}, {"density": True}])
def test_histogram_empty_half_input_as_torch(dt, kw):
    """PyTorch returns an empty input's zero histogram before its float/double dispatch: an
    empty half-precision input passes (a non-empty one is refused, in both)."""
    torch = pytest.importorskip("torch")
    out = []
    for lib in (torch, gk):
        r = lib.histogram(lib.zeros(0, 3).to(getattr(lib, dt)), 5, **kw)
        out.append([(str(t.dtype).split(".")[-1], t.float().numpy()) for t in r])
    for (gd, g), (td, t) in zip(out[1], out[0]):
        assert gd == td
        np.testing.assert_array_equal(g, t)
    with pytest.raises(NotImplementedError, match="histogram"):
        gk.histogram(gk.ones(3).to(getattr(gk, dt)), 5)
