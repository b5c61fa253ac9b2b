"""gradkit/functions/reduction.py: nansum, nanmean, cummax/cummin, logcumsumexp, cumprod
with zeros, diff (and the order statistics in the shared CASES table) against PyTorch, ties
included; central differences, second order, errors."""

import numpy as np
import pytest
from oracle import both, check_grad, check_second_order, same_as_torch

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
        assert str(g.dtype) == str(t.dtype).replace("torch.", "gradkit.")
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


@pytest.mark.parametrize("call,exc,pattern", [
    (lambda x: gk.nanmean(x.long()), RuntimeError, r"nanmean\(\).*floating.*Long"),
    (lambda x: gk.cummax(x, 3), IndexError, r"cummax\(\).*range"),
    (lambda x: gk.cummin(x, "a"), TypeError, r"cummin\(\).*dim must be an int.*str"),
    (lambda x: gk.logcumsumexp(x.long(), 0), NotImplementedError, r"logcumsumexp.*Long"),
    (lambda x: gk.trace(x.reshape(12)), RuntimeError, r"trace\(\).*2-D.*\(12,\)"),
    (lambda x: gk.cumprod(x, 2), IndexError, r"cumprod\(\).*range"),
    (lambda x: gk.diff(x, -1), RuntimeError, r"diff\(\).*non-negative, got -1"),
    (lambda x: gk.diff(x.sum()), RuntimeError, r"diff\(\).*0-d"),
    (lambda x: gk.diff(x, prepend=x[0]), RuntimeError, r"diff expects prepend.*\(4,\)"),
])
def test_errors(call, exc, pattern):
    args = (gk.zeros(3, 4),) if call.__code__.co_argcount else ()  # a call of x: a 3x4 tensor
    with pytest.raises(exc, match=pattern):
        call(*args)


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


def test_diff_bool_and_int_prepend(torch):
    b = np.array([True, False, False, True])
    both(torch, lambda m, x: m.diff(x), b, grad=False)
    i = np.array([[1, 4, 9], [2, 2, 7]])
    both(torch, lambda m, x: m.diff(x, prepend=m.zeros(2, 1, dtype=m.int64)), i, grad=False)

# ------------------------------------------------------------------ cumprod with zeros
@pytest.mark.parametrize("zeros", [[1], [0, 3], [2, 2]], ids=["one", "two", "same"])
def test_cumprod_zeros(torch, zeros):
    arr = R.standard_normal((2, 5))
    arr[0, zeros] = 0.0
    arr[1, zeros[0]] = 0.0
    both(torch, lambda m, x: m.cumprod(x, 1), arr)
    x = gk.tensor(arr, requires_grad=True)
    check_grad(lambda t: gk.cumprod(t, 1), [x])
    check_second_order(lambda t: gk.cumprod(t, 1), [x])

@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_zeros_per_slice(torch, dim):
    # the O(n) rule: each slice's first zero at its own place (first, last, none, several)
    arr = R.uniform(0.5, 1.5, (5, 6, 4)) * np.sign(R.standard_normal((5, 6, 4)))
    mask = R.random((5, 6, 4)) < 0.2
    mask[0], mask[:, 0], mask[..., -1] = True, False, False
    arr[mask] = 0.0
    both(torch, lambda m, x: m.cumprod(x, dim), arr)
    x = gk.tensor(arr, requires_grad=True)
    check_grad(lambda t: gk.cumprod(t, dim), [x])
    check_second_order(lambda t: gk.cumprod(t, dim), [x])


# ------------------------------------------------------------------ errors as PyTorch's
@pytest.mark.parametrize("call,exc,pattern", [
    (lambda m: m.ones(2, 3, 4).sum((0, 0)), RuntimeError, r"sum\(\): dim 0 appears multiple"),
    (lambda m: m.ones(2, 3, 4).sum((0, -3)), RuntimeError, r"sum\(\): dim 0 appears multiple"),
    (lambda m: m.ones(2, 3, 4).mean((1, 1)), RuntimeError, r"mean\(\): dim 1 appears"),
    (lambda m: m.ones(2, 3, 4).var((0, 0)), RuntimeError, r"var\(\): dim 0 appears"),
    (lambda m: m.ones(2, 3, 4).amax((1, 1)), RuntimeError, r"amax\(\): dim 1 appears"),
    (lambda m: m.ones(2, 3, 4).logsumexp((1, 1)), RuntimeError, r"logsumexp\(\): dim 1"),
    # its dim is required (arg fuzzer seeds 29-31: gradkit reduced over every element)
    (lambda m: m.ones(2, 3).logsumexp(None), TypeError, r"logsumexp\(\).*dim.*NoneType"),
    (lambda m: m.logsumexp(m.ones(2, 3), dim=None), TypeError, r"logsumexp\(\).*NoneType"),
    (lambda m: m.ones(2, 3, 4).all((0, 0)), RuntimeError, r"all\(\): dim 0 appears"),
    (lambda m: m.ones(2, 3, 4).count_nonzero((0, 0)), RuntimeError, r"count_nonzero\(\)"),
    (lambda m: m.ones(2, 3, 4).norm(dim=(1, 1)), RuntimeError, r"norm\(\): dim 1 appears"),
    (lambda m: m.ones(2, 3).sum(5), IndexError, r"sum\(\).*range"),
    (lambda m: m.ones(0, 3).argmax(), IndexError, r"argmax\(\).*numel\(\) == 0.*shape \(0, 3\)"),
    (lambda m: m.ones(0, 3).argmin(), IndexError, r"argmin\(\).*numel\(\) == 0"),
    (lambda m: m.ones(0, 3).argmax(0), IndexError, r"argmax\(\).*dim 0 to have non-zero"),
    (lambda m: m.ones(0, 3).max(), RuntimeError, r"max\(\).*numel\(\) == 0"),
    (lambda m: m.ones(0, 3).max(0), IndexError, r"max\(\).*dim 0 to have non-zero"),
    (lambda m: m.ones(0, 3).min(0), IndexError, r"min\(\).*dim 0 to have non-zero"),
    (lambda m: m.ones(0, 3).amin(0), IndexError, r"amin\(\).*dim 0 to have non-zero"),
    (lambda m: m.ones(0, 3).amax(), RuntimeError, r"amax\(\).*numel\(\) == 0"),
    (lambda m: m.ones(0, 3).aminmax(), RuntimeError, r"aminmax\(\).*empty"),
    (lambda m: m.ones(2, 2).sum_to_size(3, 2), RuntimeError, r"sum_to_size\(\).*expandable"),
    (lambda m: m.renorm(m.ones(2, 2), 0, 0, 1.0), RuntimeError, r"renorm\(\).*norm"),
    (lambda m: m.cov(m.ones(2, 2, 2)), RuntimeError, r"cov\(\).*two or fewer"),
])
def test_reduction_errors_as_torch(torch, call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(gk)
    with pytest.raises(exc):
        call(torch)


@pytest.mark.parametrize("shape,size", [((2, 3), (1, 3)), ((2, 3), (3,)), ((2, 3, 4), (3, 1)),
                                        ((2, 3), (2, 3)), ((4, 1), (1,))])
def test_sum_to_size(torch, shape, size):
    from oracle import both

    both(torch, lambda m, x: x.sum_to_size(*size), np.random.default_rng(3).standard_normal(shape))


def test_aminmax_int_and_keepdim(torch):
    a = np.array([[3, -1, 2], [0, 5, 5]])
    g, t = gk.aminmax(gk.tensor(a), keepdim=True), torch.aminmax(torch.tensor(a), keepdim=True)
    assert g.min.tolist() == t.min.tolist() and g.max.tolist() == t.max.tolist()


@pytest.mark.parametrize("fn", [
    lambda L: L.cov(L.ones(2, 3), fweights=L.tensor([1, 1, 2]),
                    aweights=L.tensor([1.0, 2.0, 3.0], dtype=L.float64)),
    lambda L: L.cov(L.tensor([[1.0, 2.0, 4.0]], dtype=L.float16),
                    aweights=L.tensor([1.0, 2.0, 3.0])),
], ids=["f32-data-f64-weights", "f16-data-f32-weights"])
def test_cov_promotes_with_its_weights_as_torch(torch, fn):
    same_as_torch(torch, fn)


@pytest.mark.parametrize("fn", [
    lambda L: L.logsumexp(L.zeros(2, 3, 0), (0, 2), keepdim=True),
    lambda L: L.logsumexp(L.zeros(0, 2), 0),
    lambda L: L.logsumexp(L.tensor([[1.0, float("inf")], [-float("inf"), -float("inf")]]), 1),
], ids=["empty-keepdim", "empty", "infinities"])
def test_logsumexp_of_empty_slices_as_torch(torch, fn):
    same_as_torch(torch, fn)


@pytest.mark.parametrize("fn", [
    lambda L: L.any(L.tensor([[4, 0]], dtype=L.uint8)),
    lambda L: L.all(L.tensor([[4, 0]], dtype=L.uint8), 1),
    lambda L: L.argmax(L.ones(3, 4), keepdim=True),
    lambda L: L.argmin(L.ones(2, 1, 3), keepdim=True),
], ids=["any-uint8", "all-uint8", "argmax-keepdim", "argmin-keepdim"])
def test_reduction_dtypes_and_shapes_as_torch(torch, fn):
    same_as_torch(torch, fn)


def test_diff_of_order_zero_is_the_input_as_torch(torch):
    same_as_torch(torch, lambda L: L.diff(L.ones(3, 5, dtype=L.int64), 0, 0,
                                          L.ones(1, 5, dtype=L.float64),
                                          L.ones(2, 5, dtype=L.float64)))


def test_histogram_weight_of_another_dtype_raises_as_torch(torch):
    same_as_torch(torch, lambda L: L.histogram(L.ones(5), L.tensor([0.0, 1.0, 2.0]),
                                               weight=L.ones(5, dtype=L.bool)))


# gradient (torch.gradient): errors and integer inputs; the values are registry samples
@pytest.mark.parametrize("fn", [
    lambda L: L.gradient(L.arange(5)),
    lambda L: L.gradient(L.arange(5), spacing=2.0),
    lambda L: L.gradient(L.arange(6.0).view(3, 2) ** 2, dim=0, edge_order=2),
    lambda L: L.gradient(L.tensor([1.0])),
    lambda L: L.gradient(L.tensor([1.0, 2.0]), edge_order=2),
    lambda L: L.gradient(L.ones(3, 4), edge_order=3),
    lambda L: L.gradient(L.ones(3, 4), dim=2),
    lambda L: L.gradient(L.ones(3, 4), dim=[1, 1]),
    lambda L: L.gradient(L.ones(3, 4), spacing=[1.0, 2.0, 3.0]),
    lambda L: L.gradient(L.ones(3, 4), dim=1, spacing=[1.0, 2.0]),
    lambda L: L.gradient(L.ones(3, 4, dtype=L.uint8)),
    lambda L: L.gradient(L.ones(3, 4, dtype=L.bool)),
    lambda L: L.gradient(L.ones(5, dtype=L.int8)),
    lambda L: L.gradient(L.ones(5).half(), spacing=[L.arange(5.0)]),
    lambda L: L.gradient(L.ones(3, 5), spacing=[L.tensor(0.0), L.arange(5.0)]),
    lambda L: L.gradient(L.tensor(1.0), spacing=[1.0, 0.5]),
    lambda L: L.gradient(L.arange(4.0) ** 2, spacing=L.tensor(2.0)),
])
def test_gradient_against_torch(torch, fn):
    same_as_torch(torch, fn)


def test_gradient_of_a_0d_tensor_is_empty(torch):
    assert gk.gradient(gk.tensor(3.0)) == () == torch.gradient(torch.tensor(3.0))


# the deprecated frobenius_norm/nuclear_norm: errors and PyTorch's warning
@pytest.mark.parametrize("fn", [
    lambda L: L.frobenius_norm(L.ones(2, 3, 4), [0, 1, 2]),
    lambda L: L.frobenius_norm(L.ones(2, 3), [1, 1]),
    lambda L: L.frobenius_norm(L.arange(3), [0]),
    lambda L: L.nuclear_norm(L.arange(4).view(2, 2)),
    lambda L: L.nuclear_norm(L.ones(2, 3, 4), [0]),
    lambda L: L.frobenius_norm(L.ones(2, 3), [0], out=L.empty(0)),
    lambda L: L.frobenius_norm(L.ones(2, 3, dtype=L.float64), [], out=L.empty(0)),
    lambda L: L.nuclear_norm(L.ones(2, 3, dtype=L.float64), out=L.empty(0)),
    lambda L: L.frobenius_norm(L.tensor(1.0).half(), 1, True),
    lambda L: L.frobenius_norm(L.ones(2, 3, 4), (3, 2, 3)),
    lambda L: L.nuclear_norm(L.ones(2, 3, 4), True, keepdim=True),
    lambda L: L.nuclear_norm(L.ones(2, 3, 4), False, keepdim=True),
])
def test_legacy_norms_against_torch(torch, fn):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same_as_torch(torch, fn)


def test_legacy_norms_warn(monkeypatch):
    # (once per process, as PyTorch's TORCH_WARN_ONCE: from a fresh record of what was given)
    from gradkit import _warnings

    monkeypatch.setattr(_warnings, "_WARNED", set())
    with pytest.warns(UserWarning, match="frobenius_norm is deprecated"):
        gk.frobenius_norm(gk.ones(2, 3), [0])
    with pytest.warns(UserWarning, match="nuclear_norm is deprecated"):
        gk.nuclear_norm(gk.ones(2, 3))


@pytest.mark.parametrize("fn", [
    lambda L: L.diff(L.zeros(2, 3), prepend=L.zeros(3, 1)),
    lambda L: L.diff(L.zeros(2, 3), 0, prepend=L.zeros(3, 1)),
    lambda L: L.diff(L.zeros(2, 3), 0, 0, append=L.zeros(3, 1)),
    lambda L: L.diff(L.zeros(2, 0), 1, prepend=L.zeros(3, 0)),
    lambda L: L.diff(L.zeros(2, 3), 1, 0, prepend=L.zeros(1, 3), append=L.zeros(2, 3)),
])
def test_diff_checks_prepend_append_sizes_in_the_other_dims_as_torch(torch, fn):
    # the sizes off the differenced dim are checked for n = 0 and for an empty input too
    same_as_torch(torch, fn)


@pytest.mark.parametrize("name", ["max", "min"])
def test_binary_max_min_out_is_one_tensor(name):
    """``torch.max(a, b, out=c)`` (the elementwise form, as optimizers write the AMSGrad
    running maximum into its state) takes one Tensor ``out``, not the (values, indices)
    tuple of ``max(a, dim)``."""
    import torch
    a, b = A[0], A[1]
    for lib in (gk, torch):
        out = lib.zeros(5, dtype=lib.float64)
        res = getattr(lib, name)(lib.tensor(a), lib.tensor(b), out=out)
        assert res is out
        np.testing.assert_array_equal(np.asarray(out.tolist()),
                                      getattr(np, "maximum" if name == "max" else "minimum")(a, b))
    with pytest.raises(TypeError):
        getattr(gk, name)(gk.tensor(a), gk.tensor(b), out=(gk.zeros(5), gk.zeros(5)))
    with pytest.raises(TypeError):
        getattr(gk, name)(gk.tensor(A), 1, out=gk.zeros(3))


def test_renorm_out_dtype_checked_before_dim(torch):
    """renorm(out=): PyTorch checks out's dtype after p, maxnorm and the rank, before dim."""
    a = np.ones((2, 3, 2))
    for args in ((3, 3, 0.8), (3, 1, 0.8), (-1, 3, 0.8), (3, 3, -1.0)):
        with pytest.raises(RuntimeError) as want:
            torch.renorm(torch.tensor(a), *args, out=torch.empty(0, dtype=torch.int64))
        with pytest.raises(RuntimeError) as got:
            gk.renorm(gk.tensor(a), *args, out=gk.empty(0, dtype=gk.int64))
        assert ("dtype" in str(want.value)) == ("dtype" in str(got.value)), args
    with pytest.raises(RuntimeError, match="2 dimensions"):
        gk.renorm(gk.ones(3, dtype=gk.float64), 3, 0, 0.8, out=gk.empty(0, dtype=gk.int64))


@pytest.mark.parametrize("dtype", ["int64", "bool", "uint8"])
def test_frobenius_norm_integral_dtype_before_dims(torch, dtype):
    x = np.ones((3, 4), dtype=dtype)
    for dim in (2, (0, 2), 0):
        with pytest.raises(RuntimeError) as want:
            torch.frobenius_norm(torch.tensor(x), dim, False)
        with pytest.raises(RuntimeError, match="floating point") as got:
            gk.frobenius_norm(gk.tensor(x), dim, False)
        assert type(got.value) is type(want.value)


@pytest.mark.parametrize("v", [1.5, 2, True])
def test_norm_of_a_python_number_is_an_attribute_error(torch, v):
    """torch.norm is a Python function that reads input.layout: a number fails with an
    AttributeError; gradkit's error is one too (and a TypeError), naming the argument."""
    with pytest.raises(AttributeError):
        torch.norm(v, 1, dim=0)
    with pytest.raises(AttributeError, match="must be a Tensor, not"):
        gk.norm(v, 1, dim=0)


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("src, dst", [("float32", "float64"), ("float16", "float32"),
                                      ("float64", "float32")])
def test_var_std_out_computed_in_outs_dtype(torch, name, src, dst):
    """PyTorch's var/std with a floating out of another dtype compute in out's dtype."""
    a = (np.random.default_rng(0).standard_normal((3, 50)) * 30 + 100).astype(src)
    t = getattr(torch, name)(torch.tensor(a), 1, out=torch.empty(0, dtype=getattr(torch, dst)))
    g = getattr(gk, name)(gk.tensor(a), 1, out=gk.empty(0, dtype=getattr(gk, dst)))
    assert str(g.dtype).split(".")[-1] == dst
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-12 if dst == "float64" else 1e-6)


@pytest.mark.parametrize("name", ["nansum", "nanmean"])
def test_nansum_nanmean_out_computed_in_outs_dtype(torch, name):
    a = (np.random.default_rng(2).standard_normal((3, 40)) * 3).astype(np.float16)
    a[0, 0] = np.nan
    t = getattr(torch, name)(torch.tensor(a), 1, out=torch.empty(0, dtype=torch.float32))
    g = getattr(gk, name)(gk.tensor(a), 1, out=gk.empty(0, dtype=gk.float32))
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-6)
    with pytest.raises(NotImplementedError):
        getattr(gk, name)(gk.tensor(a.astype(np.float32)), 1, out=gk.empty(0, dtype=gk.int64))


@pytest.mark.parametrize("spacing, dim", [
    ([[], [0.0, 1.0, 3.0, 4.0]], None), ([[0.0, 1.0, 3.0], []], None), ([[]], [1]),
    ([[], [0.0, 1.0, 2.0]], [1, 0]), ([[0.0, 1.0, 3.0, 4.0], []], [1, 0])])
def test_gradient_of_empty_coordinates_raises_as_torch(torch, spacing, dim):
    # PyTorch's IndexError for dim 0's empty coordinates, a size mismatch (RuntimeError) for
    # another dim's, in the order of the dims (gradkit raised IndexError for all; op fuzzer
    # seed 42)
    same_as_torch(torch, lambda L: L.gradient(
        L.ones(3, 4, dtype=L.float64),
        spacing=[L.tensor(c, dtype=L.float64) for c in spacing], dim=dim))


@pytest.mark.parametrize("name", ["trapezoid", "trapz", "cumulative_trapezoid"])
def test_trapezoid_refuses_a_none_dx_as_torch(torch, name):
    # PyTorch's dx=None default is no value a caller may pass (gradkit took it as a spacing
    # of 1; arg fuzzer seed 30)
    for L in (torch, gk):
        with pytest.raises(TypeError):
            getattr(L, name)(L.ones(3, 3), dx=None)
    same_as_torch(torch, lambda L: getattr(L, name)(L.ones(3, 3)))


_T = [
    # cumulative_trapezoid refuses bool before the dim; trapezoid checks the dim, returns zeros
    # for an empty one before any check of x, then refuses bool (PyTorch's order)
    lambda L: L.cumulative_trapezoid(L.tensor(1.0), L.tensor([True, False])),
    lambda L: L.cumulative_trapezoid(L.tensor(True)),
    lambda L: L.trapezoid(L.tensor(1.0), L.tensor([True, False])),
    lambda L: L.trapezoid(L.ones(3, 0), L.tensor([1.0, 2.0])),
    lambda L: L.trapz(L.ones(3, 0), L.tensor([1.0, 2.0])),
    lambda L: L.trapezoid(L.ones(3, 0), L.tensor(1.0)),
    lambda L: L.trapezoid(L.ones(3, 0, dtype=L.bool), L.tensor([1.0, 2.0])),
    lambda L: L.trapezoid(L.ones(3, 2, dtype=L.bool)),
    lambda L: L.cumulative_trapezoid(L.ones(3, 0), L.tensor([1.0, 2.0])),
]


@pytest.mark.parametrize("call", _T)
def test_trapezoid_checks_in_torchs_order(torch, call):
    def run(L):
        try:
            return call(L)
        except Exception as e:  # noqa: BLE001 - compared below
            return e

    ours, theirs = run(gk), run(torch)
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs), f"{ours!r}; torch {theirs!r}"
    else:
        assert not isinstance(ours, Exception), f"{ours!r}; torch returns {theirs}"
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("call", [
    lambda L, x: x.any(dim=[]),
    lambda L, x: x.all(dim=()),
    lambda L, x: L.any(x, dim=[], keepdim=True),
    lambda L, x: L.all(x[0, 0], dim=[]),
    lambda L, x: x.any(dim=[0]),
    lambda L, x: x.sum(dim=[]),  # (sum reduces every dim for an empty list)
])
def test_any_all_over_an_empty_dim_list_reduce_nothing_as_torch(torch, call):
    # torch.any(x, dim=[]) is x != 0 elementwise; gradkit reduced every dim (a 0-d result)
    data = [[0.0, 1.0, 2.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    ours, theirs = call(gk, gk.tensor(data)), call(torch, torch.tensor(data))
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("fn", [
    lambda m: m.softmax(m.ones(2, 3), 1, dtype=m.int64),
    lambda m: m.log_softmax(m.ones(2, 3), 0, dtype=m.int32),
    lambda m: m.nn.functional.softmin(m.ones(2, 3), 0, dtype=m.uint8),
    lambda m: m.ones(2, 3).softmax(0, dtype=m.bool),
    lambda m: m.special.log_softmax(m.ones(2, 3), 1, dtype=m.int16),
    lambda m: m.softmax(m.ones(()), 0, dtype=m.int64),
    # an empty input is returned in the dtype asked for; its dim is still checked
    lambda m: m.softmax(m.ones(0, 3), 0, dtype=m.int64),
    lambda m: m.log_softmax(m.ones(0, 3), 1, dtype=m.bool),
    lambda m: m.softmax(m.ones(0, 3), 5, dtype=m.int64),
    lambda m: m.softmax(m.ones(2, 3, dtype=m.int64), 1, dtype=m.float64),
])
def test_softmax_to_an_integral_dtype_raises_as_torch(torch, fn):
    # an integral or bool dtype= has no kernel in PyTorch (NotImplementedError), as an integral
    # input without dtype= (it was NumPy's UFuncTypeError)
    same_as_torch(torch, fn)


@pytest.mark.parametrize("fn", [
    lambda m: m.cumulative_trapezoid(m.ones(3, 3), dx={}),
    lambda m: m.cumulative_trapezoid(m.ones(3, 3), dx="a"),
    lambda m: m.trapezoid(m.ones(3, 3), dx=[1]),
    lambda m: m.trapz(m.ones(3, 3), dx="a"),
    lambda m: m.trapezoid(m.ones(3, 0), dx="a"),
    lambda m: m.cumulative_trapezoid(m.ones(3, 3), dx=m.tensor(2.0)),
])
def test_trapezoid_dx_of_another_kind_raises_type_error_as_torch(torch, fn):
    # a dx that is not a number: PyTorch's TypeError (it was Python's "unsupported operand" from
    # inside cumulative_trapezoid)
    same_as_torch(torch, fn)


@pytest.mark.parametrize("fn", [
    # nansum of integers or bools is PyTorch's sum: computed in out's dtype (a bool out too)
    lambda m: m.nansum(m.ones(3, 4, dtype=m.bool), 1, out=m.empty(0, dtype=m.bool)),
    lambda m: m.nansum(m.tensor([[1, -1], [2, 0]]), 1, out=m.empty(0, dtype=m.bool)),
    lambda m: m.nansum(m.tensor([[1, -1], [2, 0]]), out=m.empty(0, dtype=m.bool)),
    lambda m: m.nansum(m.ones(3, 4, dtype=m.int32), 1, out=m.empty(0, dtype=m.float32)),
    # a floating input takes a floating out only
    lambda m: m.nansum(m.ones(3, 4), 1, out=m.empty(0, dtype=m.bool)),
    lambda m: m.nansum(m.ones(3, 4), 1, out=m.empty(0, dtype=m.float64)),
])
def test_nansum_out_dtypes_as_torch(torch, fn):
    same_as_torch(torch, fn)


@pytest.mark.parametrize("fn", [
    lambda m: m.gradient(m.ones(3, 5), spacing=[m.zeros(0, dtype=m.uint8), m.arange(5.0)]),
    lambda m: m.gradient(m.ones(3, 5), spacing=[m.zeros(0), m.arange(5.0)]),
])
def test_gradient_empty_coordinates_raise_index_error_as_torch(torch, fn):
    # PyTorch reads the first coordinate before it compares the sizes: IndexError
    same_as_torch(torch, fn)


@pytest.mark.parametrize("fn", ["cummax", "cummin"])
def test_cum_extreme_of_an_empty_input_takes_any_dim_as_torch(torch, fn):
    # PyTorch wraps no dim of an empty input (gradkit raised IndexError); a 0-d input and a
    # dim of another kind are still refused
    for shape, dim in (((0, 3), 2), ((3, 0), -9), ((0,), 5)):
        res = {}
        for m in (torch, gk):
            x = m.zeros(shape, requires_grad=True)
            r = getattr(m, fn)(x, dim)
            r.values.sum().backward()
            res[m] = (r, x.grad)
        (t, tg), (g, gg) = res[torch], res[gk]
        assert tuple(g.values.shape) == tuple(t.values.shape)
        assert tuple(g.indices.shape) == tuple(t.indices.shape)
        assert str(g.indices.dtype).split(".")[-1] == str(t.indices.dtype).split(".")[-1]
        assert tuple(gg.shape) == tuple(tg.shape)
    for m in (torch, gk):
        with pytest.raises(IndexError):
            getattr(m, fn)(m.tensor(1.0), 2)
        with pytest.raises(TypeError):
            getattr(m, fn)(m.zeros(0, 3), 1.5)


@pytest.mark.parametrize("dtype", ["float64", "float16", "int64", "uint8", "bool"])
@pytest.mark.parametrize("fn", ["max", "min"])
def test_max_min_out_of_an_empty_input_is_the_identity_as_torch(torch, fn, dtype):
    # PyTorch's max(x, out=) of no elements writes the identity (-inf, the least integer,
    # False for max) where max(x) raises; gradkit raised for both (op fuzzer seed 34)
    res = {}
    for m in (torch, gk):
        out = m.empty(0, dtype=getattr(m, dtype))
        r = getattr(m, fn)(m.zeros(0, 3, dtype=getattr(m, dtype)), out=out)
        assert r is out
        res[m] = (out.tolist(), tuple(out.shape))
        with pytest.raises(RuntimeError):
            getattr(m, fn)(m.zeros(0, 3, dtype=getattr(m, dtype)))
    assert res[gk] == res[torch]


@pytest.mark.parametrize("fn", ["var", "std"])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_float32_var_std_round_a_float64_accumulation_as_torch(torch, fn, dim):
    # PyTorch accumulates a float32 variance in float64 and rounds it (std: its root) once;
    # accumulating in float32 and taking a float32 root missed PyTorch's value by an ulp or
    # two in most slices (the ActNorm initialisation of normalizing flows, x.std(0))
    rng = np.random.default_rng(7)
    a = (rng.standard_normal((64, 6)) * rng.choice([0.5, 2.0], 6)).astype(np.float32)
    for correction in (0, 1):
        t = torch.from_numpy(a).requires_grad_()
        g = gk.from_numpy(a).requires_grad_()
        want = getattr(t, fn)(dim=dim, correction=correction)
        got = getattr(g, fn)(dim=dim, correction=correction)
        np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
        assert got.grad_fn.name() == want.grad_fn.name()
        want.sum().backward()
        got.sum().backward()
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_std_gradient_is_zero_where_the_deviation_is_zero_to_second_order():
    x = gk.tensor([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]], requires_grad=True)
    s = x.std(dim=1)
    (gx,) = gk.autograd.grad(s.sum(), x, create_graph=True)
    assert gx[0].tolist() == [0.0, 0.0, 0.0]
    y = x.detach().double() * gk.tensor([1.0, 2.0, 3.0], dtype=gk.float64)
    check_grad(lambda t: t.std(dim=1), [y.requires_grad_()])
    z = gk.tensor([[0.5, -1.0, 2.0], [1.5, 3.0, -2.0], [0.0, 1.0, 1.0]], dtype=gk.float64)
    check_second_order(lambda t: t.std(dim=0), [z.requires_grad_()])


# a None dim where PyTorch's signatures take an int only (sum and mean take None: all
# elements); a bool in var/std/var_mean/std_mean's second place is ``unbiased``
DIM_FORMS = {
    "prod_none": lambda m: m.prod(m.tensor(A), dim=None),
    "prod_none_method": lambda m: m.tensor(A).prod(None),
    "median_none": lambda m: m.median(m.tensor(A), dim=None),
    "nanmedian_none_method": lambda m: m.tensor(A).nanmedian(None),
    "sum_none": lambda m: m.sum(m.tensor(A), dim=None),
    "mean_none_method": lambda m: m.tensor(A).mean(None),
    "var_unbiased_positional": lambda m: m.var(m.tensor(A), False),
    "var_mean_unbiased_positional": lambda m: m.var_mean(m.tensor(A), False),
    "std_mean_unbiased_positional": lambda m: m.std_mean(m.tensor(A), True),
}


@pytest.mark.parametrize("case", list(DIM_FORMS), ids=list(DIM_FORMS))
def test_none_and_bool_dims_as_torch(case):
    torch = pytest.importorskip("torch")
    same_as_torch(torch, DIM_FORMS[case])


@pytest.mark.parametrize("shape", [(2,), (3,), (4,), (2, 5), (4, 5), (5, 3), (5, 4)])
@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_empty_coordinates_by_the_dims_size_as_torch(torch, shape, edge_order):
    # PyTorch broadcasts its (empty) central weights against the dim's size - 2 elements first:
    # a size mismatch (RuntimeError) unless that is 0 or 1, then it reads the first step
    # (IndexError); a dim too short for edge_order is refused before either (gradkit raised
    # IndexError for dim 0 and RuntimeError for the others; op fuzzer seed 44)
    for d in range(len(shape)):
        coords = [[float(k) for k in range(n)] for n in shape]
        coords[d] = []
        same_as_torch(torch, lambda L, c=coords: L.gradient(
            L.ones(shape, dtype=L.float64), spacing=[L.tensor(v, dtype=L.float64) for v in c],
            edge_order=edge_order))


@pytest.mark.parametrize("kw", [
    dict(spacing=[4.0, 5.0], dim=(3, -1, 3)), dict(spacing=[4.0, 5.0, 1.0], dim=(0, 1),
                                                    edge_order=3),
    dict(spacing=[1.0, 2.0, 3.0], dim=(0, 0, 2), edge_order=3),
    dict(spacing=[1.0, 1.0], dim=(0, 0), edge_order=3), dict(spacing=[1.0], edge_order=3),
    dict(spacing=[[0.0], [0.0, 1.0]], edge_order=2), dict(spacing=[1.0, 1.0], dim=(3, -1)),
])
def test_gradient_checks_its_arguments_in_torchs_order(torch, kw):
    # spacing's length against the dims, then edge_order, then the dims, then each dim's size,
    # before any coordinate is read (gradkit checked the dims first; op fuzzer seed 44)
    def call(L):
        sp = [L.tensor(v, dtype=L.float64) if isinstance(v, list) else v
              for v in kw["spacing"]]
        return L.gradient(L.ones(2, 5, dtype=L.float64), **{**kw, "spacing": sp})
    same_as_torch(torch, call)


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("coords", [(0.0, 0.5, 2.0, 3.0), (0, 1, 3, 4)])
def test_gradient_of_bool_with_coordinates_as_torch(torch, edge_order, coords):
    # coordinates' second-order weights multiply the bool values (no bool subtraction), so
    # PyTorch computes it; edge_order=1's differences subtract bools, refused in both (gradkit
    # refused both; op fuzzer seed 46)
    x = np.array([[True, False, True, True, False]] * 4)
    same_as_torch(torch, lambda L: L.gradient(
        L.tensor(x), spacing=[L.tensor(coords), L.tensor([0.0, 1.0, 2.0, 5.0, 5.5])],
        edge_order=edge_order))


@pytest.mark.parametrize("name", ["std", "var", "std_mean", "var_mean"])
@pytest.mark.parametrize("shape, dim, kw", [
    ((3, 0), -2, {}), ((3, 0), 1, {}), ((0, 3), 1, {}), ((3, 0), None, {}),
    ((3, 0), 0, {"correction": 0}), ((2, 3), 0, {"correction": 0}), ((2, 3), 0, {})])
def test_degrees_of_freedom_warning_as_torch(torch, name, shape, dim, kw):
    # PyTorch's reduction factor is numel / output numel: 0 for an empty input even where the
    # reduced dims are not empty (gradkit counted the reduced dims' sizes and gave no warning;
    # op fuzzer seed 45 --warnings)
    import warnings

    got = []
    for L in (torch, gk):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            getattr(L, name)(L.ones(shape, dtype=L.float64), dim, **kw)
        # (PyTorch appends where in ATen it warned, the first time)
        got.append([str(m.message).split(" (Triggered internally")[0] for m in w
                    if "degrees of freedom" in str(m.message)])
    assert got[1] == got[0]
