"""Reductions and scans beyond the core set: nansum, nanmean, median, kthvalue, quantile,
cummax/cummin, logcumsumexp. Values, indices, dtypes and gradients against PyTorch (ties
included), central differences, second order, errors."""

import numpy as np
import pytest
from oracle import both, check_grad, check_second_order

import gradkit as gk

R = np.random.default_rng(2)
A = R.standard_normal((3, 5))
A3 = R.standard_normal((2, 3, 4))
NANS = A.copy()
NANS[0, 1] = NANS[2, 3] = NANS[2, 0] = np.nan
TIES = np.array([[1.0, 2.0, 2.0, 1.0, 0.5], [3.0, 3.0, 3.0, 3.0, 3.0], [0.0, -1.0, 2.0, -1.0, 2.0]])

# name, fn(lib, x), input; tie-free inputs: values, indices and gradients match PyTorch exactly
CASES = [
    ("nansum", lambda m, x: m.nansum(x), NANS),
    ("nansum_dim", lambda m, x: x.nansum(1, keepdim=True), NANS),
    ("nansum_tuple", lambda m, x: m.nansum(x, (0, -1)), A3),
    ("nanmean", lambda m, x: m.nanmean(x), NANS),
    ("nanmean_dim", lambda m, x: x.nanmean(-1), NANS),
    ("nanmean_keep", lambda m, x: m.nanmean(x, 0, keepdim=True), NANS),
    ("nanmean_0d", lambda m, x: m.nanmean(x), np.array(1.5)),
    ("nanmean_0d_dim", lambda m, x: x.nanmean(0, keepdim=True), np.array(-0.5)),
    ("median_all", lambda m, x: m.median(x), A),
    ("median_all_even", lambda m, x: x.median(), A[:, :4]),
    ("median_dim", lambda m, x: m.median(x, 1), A),
    ("median_dim_even_keep", lambda m, x: x.median(-1, keepdim=True), A3),
    ("median_dim0", lambda m, x: m.median(x, 0), A3),
    ("median_0d", lambda m, x: m.median(x, 0), np.array(1.5)),
    ("kthvalue", lambda m, x: m.kthvalue(x, 2), A),
    ("kthvalue_dim", lambda m, x: x.kthvalue(3, 0, keepdim=True), A),
    ("kthvalue_last", lambda m, x: m.kthvalue(x, 4, dim=-1), A3),
    ("quantile", lambda m, x: m.quantile(x, 0.3), A),
    ("quantile_dim", lambda m, x: x.quantile(0.75, dim=1), A),
    ("quantile_vec", lambda m, x: m.quantile(x, m.tensor([0.0, 0.25, 0.5, 1.0],
                                                          dtype=m.float64), dim=-1), A3),
    ("quantile_vec_keep", lambda m, x: m.quantile(x, m.tensor([0.1, 0.9], dtype=m.float64),
                                                  dim=0, keepdim=True), A3),
    ("quantile_all_keep", lambda m, x: m.quantile(x, m.tensor([0.5, 0.6], dtype=m.float64),
                                                  keepdim=True), A),
    ("quantile_lower", lambda m, x: m.quantile(x, 0.4, 1, interpolation="lower"), A),
    ("quantile_higher", lambda m, x: m.quantile(x, 0.4, 1, interpolation="higher"), A),
    ("quantile_mid", lambda m, x: m.quantile(x, 0.4, 1, interpolation="midpoint"), A),
    ("quantile_nearest", lambda m, x: m.quantile(x, m.tensor([0.125, 0.375, 0.625],
                                                              dtype=m.float64),
                                                 1, interpolation="nearest"), A),
    ("quantile_0d", lambda m, x: m.quantile(x, 0.5), np.array(2.0)),
    ("cummax", lambda m, x: m.cummax(x, 1), A),
    ("cummax_neg", lambda m, x: x.cummax(-3), A3),
    ("cummin", lambda m, x: m.cummin(x, 0), A),
    ("cummin_0d", lambda m, x: m.cummin(x, 0), np.array(2.0)),
    ("logcumsumexp", lambda m, x: m.logcumsumexp(x, 1), A),
    ("logcumsumexp_neg", lambda m, x: x.logcumsumexp(-2), A3),
    ("logcumsumexp_wide", lambda m, x: m.logcumsumexp(x * 400, 1), A),
    ("logcumsumexp_0d", lambda m, x: m.logcumsumexp(x, 0), np.array(0.3)),
]
SMOOTH = {"nanmean", "nanmean_dim", "quantile", "quantile_vec", "logcumsumexp",
          "logcumsumexp_neg", "logcumsumexp_wide"}


@pytest.mark.parametrize("name,fn,x", CASES, ids=[c[0] for c in CASES])
def test_against_torch(torch, name, fn, x):
    both(torch, fn, x)


@pytest.mark.parametrize("name,fn,x", CASES, ids=[c[0] for c in CASES])
def test_central_differences(name, fn, x):
    def f(t):
        out = fn(gk, t)
        return out[0] if isinstance(out, tuple) else out

    xt = gk.tensor(np.nan_to_num(x, nan=0.25), requires_grad=True)
    check_grad(f, [xt])
    if name in SMOOTH:
        check_second_order(lambda t: f(t * t), [xt])


@pytest.mark.parametrize("fn", [
    lambda m, x: m.median(x),
    lambda m, x: m.median(x, 1),
    lambda m, x: m.median(x, 0),
    lambda m, x: m.cummax(x, 1),
    lambda m, x: m.cummin(x, 1),
    lambda m, x: m.cummax(x, 0),
    lambda m, x: m.quantile(x, 0.5, 1),
    lambda m, x: m.kthvalue(x, 5, 1),
], ids=["median", "median_dim", "median_dim0", "cummax", "cummin", "cummax0", "quantile",
        "kthvalue_max"])
def test_ties_against_torch(torch, fn):
    """Ties: values, indices and how the gradient is shared match PyTorch (median() shares it
    evenly between equal elements; the others send it to the returned index)."""
    both(torch, fn, TIES)


def test_median_kthvalue_ties_indices_are_consistent():
    # PyTorch's choice among equal values is implementation-defined: gradkit returns the
    # value's place in a stable sort; the index always points at an element with that value
    x = gk.tensor(TIES)
    for out in (x.median(1), x.kthvalue(2, 1), x.kthvalue(3, 1)):
        np.testing.assert_array_equal(x.gather(1, out.indices.unsqueeze(1)).squeeze(1).numpy(),
                                      out.values.numpy())
    np.testing.assert_array_equal(x.kthvalue(2, 1).indices.numpy(), [0, 1, 3])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's, on NaN and inf
def test_nan_handling(torch):
    for fn in (lambda m, x: m.median(x), lambda m, x: m.median(x, 1),
               lambda m, x: m.quantile(x, 0.5, 1),
               lambda m, x: m.quantile(x, 0.5), lambda m, x: m.cummax(x, 1),
               lambda m, x: m.cummin(x, 1), lambda m, x: m.nanmean(x, 1),
               lambda m, x: m.logcumsumexp(x, 1)):
        both(torch, fn, NANS)
    # which NaN PyTorch's kthvalue picks is unspecified: values only
    both(torch, lambda m, x: m.kthvalue(x, 5, 1).values, NANS, grad=False)
    both(torch, lambda m, x: m.nanmean(x), np.full(3, np.nan), grad=False)
    # leading -inf: PyTorch's gradient there is NaN (exp(-inf - -inf)); gradkit's is 0
    lead = np.array([-np.inf, -np.inf, 1.0, -np.inf, 0.5])
    both(torch, lambda m, x: m.logcumsumexp(x, 0), lead, grad=False)
    x = gk.tensor(lead, requires_grad=True)
    gk.logcumsumexp(x, 0).sum().backward()
    tx = torch.tensor(lead, requires_grad=True)
    torch.logcumsumexp(tx, 0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.nan_to_num(tx.grad.numpy()), rtol=1e-12)


@pytest.mark.parametrize("fn", [
    lambda m, x: m.nansum(x), lambda m, x: m.nansum(x, 0),
    lambda m, x: m.median(x), lambda m, x: m.median(x, 1).values,  # (indices: ties)
    lambda m, x: m.kthvalue(x, 2, 1).values, lambda m, x: m.cummax(x, 1),
    lambda m, x: m.cummin(x, 0),
], ids=["nansum", "nansum_dim", "median", "median_dim", "kthvalue", "cummax", "cummin"])
@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_integer_inputs(torch, fn, dtype):
    arr = (np.arange(15).reshape(3, 5) * 7 % 4).astype(dtype)
    try:
        t_out = fn(torch, torch.tensor(arr))
    except RuntimeError:
        pytest.skip("torch does not support this dtype here")
    g_out = fn(gk, gk.tensor(arr))
    t_outs = t_out if isinstance(t_out, tuple) else (t_out,)
    g_outs = g_out if isinstance(g_out, tuple) else (g_out,)
    for g, t in zip(g_outs, t_outs):
        assert str(g.dtype) == str(t.dtype).replace("torch.", "")
        np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_results_have_no_grad_indices():
    x = gk.tensor(A, requires_grad=True)
    for out in (x.median(1), x.kthvalue(1, 0), x.cummax(1), x.cummin(0)):
        assert out.values.requires_grad and not out.indices.requires_grad
        assert out.indices.dtype == gk.int64


def test_empty(torch):
    both(torch, lambda m, x: m.nansum(x), np.zeros((0, 3)))
    both(torch, lambda m, x: m.nanmean(x, 1), np.zeros((0, 3)))
    both(torch, lambda m, x: m.median(x), np.zeros((0,)), grad=False)
    both(torch, lambda m, x: m.cummax(x, 0), np.zeros((0, 2)), grad=False)
    both(torch, lambda m, x: m.logcumsumexp(x, 1), np.zeros((2, 0)), grad=False)


def test_float32_quantile(torch):
    x = A.astype(np.float32)
    both(torch, lambda m, t: m.quantile(t, m.tensor([0.3, 0.7]), dim=1), x, atol=1e-6)


@pytest.mark.parametrize("call,exc,pattern", [
    (lambda x: gk.nanmean(x.long()), TypeError, r"nanmean\(\).*floating.*int64"),
    (lambda x: gk.median(x, 2), IndexError, r"median\(\).*range"),
    (lambda x: gk.median(x[:, :0], 1), IndexError, r"median\(\).*non-empty.*\(3, 0\)"),
    (lambda x: gk.kthvalue(x, 0), IndexError, r"kthvalue\(\).*\[1, 4\].*got 0"),
    (lambda x: gk.kthvalue(x, 5, 1), IndexError, r"kthvalue\(\).*\[1, 4\].*got 5"),
    (lambda x: gk.kthvalue(x, 1.5), TypeError, r"kthvalue\(\).*'k'.*float"),
    (lambda x: gk.quantile(x.long(), 0.5), TypeError, r"quantile\(\).*float.*int64"),
    (lambda x: gk.quantile(x, 1.5), ValueError, r"quantile\(\).*\[0, 1\].*1.5"),
    (lambda x: gk.quantile(x, gk.tensor([0.5, -0.1])), ValueError, r"quantile\(\).*\[0, 1\]"),
    (lambda x: gk.quantile(x, gk.zeros(2, 2)), ValueError, r"quantile\(\).*1-D.*\(2, 2\)"),
    (lambda x: gk.quantile(x, "a"), TypeError, r"quantile\(\).*number.*str"),
    (lambda x: gk.quantile(x, 0.5, interpolation="cubic"), ValueError,
     r"quantile\(\).*interpolation.*'cubic'"),
    (lambda x: gk.quantile(x[:0], 0.5), ValueError, r"quantile\(\).*non-empty"),
    (lambda x: gk.cummax(x, 3), IndexError, r"cummax\(\).*range"),
    (lambda x: gk.cummin(x, "a"), TypeError, r"cummin\(\).*dim must be an int.*str"),
    (lambda x: gk.logcumsumexp(x.long(), 0), TypeError, r"logcumsumexp\(\).*floating.*int64"),
])
def test_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(gk.zeros(3, 4))


@pytest.mark.parametrize("name", ["cumprod", "logcumsumexp"])
def test_float32_scans_accumulate_in_double_like_torch(torch, name):
    # PyTorch's CPU scans accumulate float32 in float64: over 1e5 elements a float32 running
    # product drifted by 8e-6 (relative) and logcumsumexp by 8e-5, 100 times torch's error
    rng = np.random.default_rng(5)
    x = (rng.uniform(0.99, 1.01, 100000) if name == "cumprod"
         else rng.standard_normal(100000)).astype(np.float32)
    out = getattr(gk, name)(gk.tensor(x), 0)
    tout = getattr(torch, name)(torch.from_numpy(x), 0)
    assert out.dtype == gk.float32
    np.testing.assert_allclose(out.numpy(), tout.numpy(), rtol=2e-7, atol=0)


def test_median_of_empty_is_nan_on_the_graph(torch):
    # as torch.median: NaN with a grad_fn, so a loss built on it can run backward
    x = gk.zeros(0, requires_grad=True)
    m = gk.median(x)
    assert m.requires_grad and np.isnan(float(m))
    m.backward()
    assert tuple(x.grad.shape) == (0,)
    assert np.isnan(float(gk.median(gk.zeros(0, dtype=gk.int64))))


def test_unique_dim_of_0d_names_the_problem():
    with pytest.raises(IndexError, match=r"unique\(\): dim=0 given for a 0-d tensor.*dim=None"):
        gk.unique(gk.tensor(2.0), dim=0)

