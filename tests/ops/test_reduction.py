"""Reductions and the softmax family: forward vs NumPy, gradients (first and second order),
PyTorch parity, ties, zeros in prod, empty inputs."""

import numpy as np
import pytest
from oracle import assert_close, check_grad, check_second_order, t64, to_torch

import gradkit as gk

# name, gradkit fn, numpy reference, torch fn, smooth (second order meaningful)
RED = [
    ("sum_all", lambda x: x.sum(), lambda a: a.sum(), lambda t: t.sum(), False),
    ("sum_0", lambda x: x.sum(0), lambda a: a.sum(0), lambda t: t.sum(0), False),
    ("sum_neg_keep", lambda x: x.sum(-1, keepdim=True), lambda a: a.sum(-1, keepdims=True),
     lambda t: t.sum(-1, keepdim=True), False),
    ("sum_tuple", lambda x: x.sum((0, 2)), lambda a: a.sum((0, 2)), lambda t: t.sum((0, 2)),
     False),
    ("mean_all", lambda x: x.mean(), lambda a: a.mean(), lambda t: t.mean(), False),
    ("mean_1", lambda x: x.mean(1), lambda a: a.mean(1), lambda t: t.mean(1), False),
    ("mean_keep", lambda x: gk.mean(x, (0, 1), keepdim=True),
     lambda a: a.mean((0, 1), keepdims=True), lambda t: t.mean((0, 1), keepdim=True), False),
    ("prod_all", lambda x: x.prod(), lambda a: a.prod(), lambda t: t.prod(), True),
    ("prod_1", lambda x: x.prod(1), lambda a: a.prod(1), lambda t: t.prod(1), True),
    ("amax_1", lambda x: x.amax(1), lambda a: a.max(1), lambda t: t.amax(1), False),
    ("amin_all", lambda x: x.amin(), lambda a: a.min(), lambda t: t.amin(), False),
    ("amax_tuple", lambda x: x.amax((0, 2), keepdim=True), lambda a: a.max((0, 2), keepdims=True),
     lambda t: t.amax((0, 2), keepdim=True), False),
    ("max_all", lambda x: x.max(), lambda a: a.max(), lambda t: t.max(), False),
    ("min_all", lambda x: gk.min(x), lambda a: a.min(), lambda t: torch_min(t), False),
    ("max_dim", lambda x: x.max(1).values, lambda a: a.max(1), lambda t: t.max(1).values, False),
    ("min_dim_keep", lambda x: x.min(-1, keepdim=True)[0], lambda a: a.min(-1, keepdims=True),
     lambda t: t.min(-1, keepdim=True)[0], False),
    ("var_all", lambda x: x.var(), lambda a: a.var(ddof=1), lambda t: t.var(), True),
    ("var_1_biased", lambda x: x.var(1, unbiased=False), lambda a: a.var(1),
     lambda t: t.var(1, unbiased=False), True),
    ("var_corr2", lambda x: gk.var(x, 0, correction=2), lambda a: a.var(0, ddof=2),
     lambda t: torch_var(t, 0, correction=2), True),
    ("std_all", lambda x: x.std(), lambda a: a.std(ddof=1), lambda t: t.std(), True),
    ("std_1_keep", lambda x: x.std(1, keepdim=True), lambda a: a.std(1, ddof=1, keepdims=True),
     lambda t: t.std(1, keepdim=True), True),
    ("norm_2", lambda x: x.norm(), lambda a: np.sqrt((a * a).sum()), lambda t: t.norm(), True),
    ("norm_1_dim", lambda x: x.norm(p=1, dim=1), lambda a: np.abs(a).sum(1),
     lambda t: t.norm(p=1, dim=1), False),
    ("norm_3_dim", lambda x: gk.norm(x, p=3, dim=(0, 1)), lambda a: (np.abs(a) ** 3).sum((0, 1))
     ** (1 / 3), lambda t: torch_norm(t, p=3, dim=(0, 1)), True),
    ("norm_inf", lambda x: x.norm(p=float("inf")), lambda a: np.abs(a).max(),
     lambda t: t.norm(p=float("inf")), False),
    ("norm_2_keep", lambda x: x.norm(dim=-1, keepdim=True),
     lambda a: np.sqrt((a * a).sum(-1, keepdims=True)), lambda t: t.norm(dim=-1, keepdim=True),
     True),
    ("logsumexp", lambda x: x.logsumexp(1), lambda a: np.log(np.exp(a).sum(1)),
     lambda t: t.logsumexp(1), True),
    ("logsumexp_t", lambda x: gk.logsumexp(x, (0, 2), keepdim=True),
     lambda a: np.log(np.exp(a).sum((0, 2), keepdims=True)),
     lambda t: t.logsumexp((0, 2), keepdim=True), True),
    ("cumsum", lambda x: x.cumsum(1), lambda a: a.cumsum(1), lambda t: t.cumsum(1), False),
    ("cumsum_neg", lambda x: x.cumsum(-1), lambda a: a.cumsum(-1), lambda t: t.cumsum(-1), False),
    ("softmax", lambda x: x.softmax(1), lambda a: np.exp(a) / np.exp(a).sum(1, keepdims=True),
     lambda t: t.softmax(1), True),
    ("softmax_last", lambda x: gk.softmax(x, -1),
     lambda a: np.exp(a) / np.exp(a).sum(-1, keepdims=True), lambda t: t.softmax(-1), True),
    ("log_softmax", lambda x: x.log_softmax(0),
     lambda a: a - np.log(np.exp(a).sum(0, keepdims=True)), lambda t: t.log_softmax(0), True),
]


def torch_min(t):
    return t.min()


def torch_var(t, dim, correction):
    return t.var(dim, correction=correction)


def torch_norm(t, p, dim):
    return t.norm(p=p, dim=dim)


IDS = [r[0] for r in RED]


def _x(rng, shape=(3, 4, 2)):
    # distinct values, away from 0 (norm, prod are fine)
    arr = rng.permutation(np.arange(1, int(np.prod(shape)) + 1)).reshape(shape) / 7.0
    arr = arr * np.where(rng.random(shape) < 0.5, -1, 1)
    return gk.tensor(arr + rng.uniform(-0.01, 0.01, shape), dtype=gk.float64, requires_grad=True)


@pytest.mark.parametrize("name,fn,ref,tfn,smooth", RED, ids=IDS)
def test_forward_and_grad(rng, name, fn, ref, tfn, smooth):
    x = _x(rng)
    out = fn(x)
    np.testing.assert_allclose(out.detach().numpy(), ref(x.detach().numpy()), rtol=1e-12)
    assert out.dtype == gk.float64
    check_grad(fn, [x])


@pytest.mark.parametrize("name,fn,ref,tfn,smooth", RED, ids=IDS)
def test_noncontiguous(rng, name, fn, ref, tfn, smooth):
    x = _x(rng, (2, 4, 3)).detach().permute(2, 1, 0).requires_grad_()
    assert not x.is_contiguous()
    np.testing.assert_allclose(fn(x).detach().numpy(), ref(x.detach().numpy()), rtol=1e-12)
    check_grad(fn, [x])


@pytest.mark.parametrize("name,fn,ref,tfn,smooth", [r for r in RED if r[4]],
                         ids=[r[0] for r in RED if r[4]])
def test_second_order(rng, name, fn, ref, tfn, smooth):
    check_second_order(fn, [_x(rng, (3, 2, 2))])


@pytest.mark.parametrize("name,fn,ref,tfn,smooth", RED, ids=IDS)
def test_vs_torch(torch, rng, name, fn, ref, tfn, smooth):
    x = _x(rng).float().detach().requires_grad_()
    tx = to_torch(torch, x)
    out, tout = fn(x), tfn(tx)
    assert out.dtype == gk.float32
    assert tuple(out.shape) == tuple(tout.shape)
    assert_close(out, tout, rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(tuple(tout.shape)).astype(np.float32)
    out.backward(gk.tensor(g))
    tout.backward(torch.from_numpy(g))
    assert_close(x.grad, tx.grad, rtol=1e-4, atol=1e-5)


def test_reductions_of_0d(rng):
    x = t64(rng)
    for fn in (lambda x: x.sum(), lambda x: x.mean(), lambda x: x.prod(), lambda x: x.amax(),
               lambda x: x.sum(0), lambda x: x.softmax(0), lambda x: x.logsumexp(0),
               lambda x: x.cumsum(0), lambda x: x.norm()):
        assert fn(x).shape == ()
        check_grad(fn, [x])


def test_empty_reductions(torch):
    x = gk.zeros(0, 3, dtype=gk.float64, requires_grad=True)
    tx = torch.zeros(0, 3, dtype=torch.float64, requires_grad=True)
    for fn in (lambda t: t.sum(), lambda t: t.sum(0), lambda t: t.prod(0), lambda t: t.mean(1),
               lambda t: t.cumsum(0)):
        out, tout = fn(x), fn(tx)
        assert tuple(out.shape) == tuple(tout.shape)
        assert_close(out, tout)
        out.sum().backward()
        assert x.grad.shape == (0, 3)
    assert np.isnan(gk.zeros(0).mean().item())
    with pytest.raises(RuntimeError, match=r"amax.*non-empty.*\(0, 3\)"):
        x.amax()


def test_prod_with_zeros_vs_torch(torch):
    data = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.5, -2.0, 3.0]])
    for fn in (lambda t: t.prod(1), lambda t: t.prod(), lambda t: t.prod(0, keepdim=True)):
        x = gk.tensor(data, requires_grad=True)
        tx = torch.tensor(data, requires_grad=True)
        out, tout = fn(x), fn(tx)
        assert_close(out, tout)
        g = np.arange(1.0, out.numel() + 1).reshape(out.shape)
        out.backward(gk.tensor(g))
        tout.backward(torch.tensor(g))
        assert_close(x.grad, tx.grad)


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan, 0.0, 2.5])
@pytest.mark.parametrize("dim", [None, 0, -1])
def test_prod_of_a_0d_tensor_passes_the_gradient_as_torch(torch, value, dim):
    """The product of a 0-d tensor is the tensor: its gradient is the incoming one, also at
    +-inf (P / x was inf / inf, NaN)."""
    grads = []
    for L in (gk, torch):
        x = L.tensor(value, dtype=L.float64, requires_grad=True)
        y = x.prod() if dim is None else x.prod(dim)
        y.backward(L.tensor(0.75, dtype=L.float64))
        grads.append(x.grad.item())
    np.testing.assert_equal(grads[0], grads[1])


def test_prod_with_zeros_second_order(torch):
    data = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.5, -2.0, 3.0]])
    x = gk.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    (g,) = gk.autograd.grad(x.prod(1).sum(), [x], create_graph=True)
    (tg,) = torch.autograd.grad(tx.prod(1).sum(), [tx], create_graph=True)
    assert_close(g, tg)
    w = np.arange(9.0).reshape(3, 3)
    (h,) = gk.autograd.grad((g * gk.tensor(w)).sum(), [x])
    (th,) = torch.autograd.grad((tg * torch.tensor(w)).sum(), [tx])
    assert_close(h, th)


@pytest.mark.parametrize("dim", [None, 1, (0, 2), -1])
def test_prod_with_zeros_groups_vs_torch(torch, dim):
    # the product of the others by exclusive cumulative products (O(n) per group): one, two and
    # no zeros per group, first and second order
    rng = np.random.default_rng(3)
    data = rng.uniform(0.5, 1.5, (3, 4, 5)) * np.sign(rng.standard_normal((3, 4, 5)))
    data[0, 1, 2] = data[1, :, 0] = data[2, 3, 4] = data[2, 3, 1] = 0.0
    x = gk.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    out = x.prod() if dim is None else gk.prod(x, dim)
    tout = tx.prod() if dim is None else (tx.prod(dim) if isinstance(dim, int)
                                          else tx.prod(dim[1]).prod(dim[0]))
    assert_close(out, tout, atol=1e-12)
    w = rng.standard_normal(tuple(out.shape))
    (g,) = gk.autograd.grad((out * gk.tensor(w)).sum(), [x], create_graph=True)
    (tg,) = torch.autograd.grad((tout * torch.tensor(w)).sum(), [tx], create_graph=True)
    assert_close(g, tg, atol=1e-12)
    v = rng.standard_normal(data.shape)
    (h,) = gk.autograd.grad((g * gk.tensor(v)).sum(), [x])
    (th,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), [tx])
    assert_close(h, th, atol=1e-12)


def test_max_min_indices_and_ties(torch):
    data = np.array([[1.0, 3.0, 3.0], [2.0, -1.0, 0.5]], dtype=np.float32)
    x = gk.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    v, i = x.max(1)
    tv, ti = tx.max(1)
    assert i.dtype == gk.int64
    assert_close(v, tv)
    assert i.tolist() == ti.tolist()
    v, i = gk.min(x, dim=0, keepdim=True)
    tv, ti = torch.min(tx, dim=0, keepdim=True)
    assert i.tolist() == ti.tolist() and tuple(v.shape) == tuple(tv.shape)
    # full reductions with ties share the gradient evenly, like torch
    x.grad = None
    x.max().backward()
    tx.max().backward()
    assert_close(x.grad, tx.grad)
    x.grad = tx.grad = None
    x.amax(1).sum().backward()
    tx.amax(1).sum().backward()
    assert_close(x.grad, tx.grad)
    # max along a dim routes the whole gradient to the returned index
    x.grad = tx.grad = None
    x.max(1).values.sum().backward()
    tx.max(1).values.sum().backward()
    assert_close(x.grad, tx.grad)
    assert gk.argmax(x).item() == torch.argmax(tx).item()
    assert gk.argmax(x, 1).tolist() == torch.argmax(tx, 1).tolist()
    assert gk.argmin(x, 0, keepdim=True).tolist() == torch.argmin(tx, 0, keepdim=True).tolist()
    assert not gk.argmax(x).requires_grad


def test_norm_at_zero_vs_torch(torch):
    for p in (2, 3):
        x = gk.zeros(3, requires_grad=True)
        tx = torch.zeros(3, requires_grad=True)
        x.norm(p=p).backward()
        tx.norm(p=p).backward()
        assert_close(x.grad, tx.grad)


def test_softmax_large_values_stable():
    x = gk.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    s = x.softmax(-1)
    ls = x.log_softmax(-1)
    np.testing.assert_allclose(s.detach().numpy(), [[1.0, 0.0, 0.0]], atol=1e-7)
    np.testing.assert_allclose(ls.detach().numpy(), [[0.0, -1000.0, -2000.0]])
    ls.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    assert np.isfinite(gk.tensor([1000.0, 1000.0]).logsumexp(0).item())


def test_integer_reductions_match_torch(torch):
    a = np.array([[1, 2], [3, 4]], dtype=np.int32)
    x, tx = gk.tensor(a), torch.tensor(a)
    assert str(x.sum().dtype) == str(tx.sum().dtype).replace("torch.", "gradkit.")
    assert x.sum().item() == 10
    assert str(x.prod().dtype) == str(tx.prod().dtype).replace("torch.", "gradkit.")
    assert x.cumsum(0).tolist() == tx.cumsum(0).tolist()
    assert str(x.cumsum(0).dtype) == str(tx.cumsum(0).dtype).replace("torch.", "gradkit.")
    assert x.amax().item() == 4
    b = gk.tensor([True, True, False])
    assert b.sum().item() == 2 and b.sum().dtype == gk.int64
    with pytest.raises(RuntimeError, match="mean.*Long|mean.*int"):
        gk.tensor([1, 2]).mean()
    assert x.float().mean().item() == 2.5


def test_float32_reductions_stay_float32():
    x = gk.ones(4, 3)
    for out in (x.sum(), x.mean(), x.var(), x.std(0), x.norm(), x.prod(), x.logsumexp(1),
                x.softmax(0), x.mean(0) * 0.5, x.cumsum(1)):
        assert out.dtype == gk.float32


def test_cumsum_float32_accumulates_like_torch():
    """PyTorch's CPU cumsum of float32 accumulates in float64; so does gradkit's (forward and
    the reversed running sum of the backward), to the bit."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).random(200_000).astype(np.float32)
    g = gk.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    out, tout = gk.cumsum(g, 0), torch.cumsum(t, 0)
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    w = np.random.default_rng(1).random(x.shape).astype(np.float32)
    (out * gk.tensor(w)).sum().backward()
    (tout * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-6)
    assert out.dtype == gk.float32 and g.grad.dtype == gk.float32


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_softmax_of_a_strided_input_is_contiguous_as_torch(fn, dtype):
    # attention weights softmaxed from transposed scores kept the transposed layout, so a
    # dropout after them drew its mask in another order than PyTorch's
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(np.float32)
    cases = [lambda t: t.transpose(1, 2), lambda t: t.permute(2, 0, 1), lambda t: t[:, :, ::2]]
    for view in cases:
        for dim in (0, 1, -1):
            want = getattr(torch, fn)(view(torch.tensor(x).to(getattr(torch, dtype))), dim)
            got = getattr(gk, fn)(view(gk.tensor(x).to(getattr(gk, dtype))), dim)
            assert got.stride() == want.stride()
            np.testing.assert_allclose(got.float().numpy(), want.float().numpy(), rtol=1e-2,
                                       atol=1e-6)
            torch.manual_seed(0)
            gk.manual_seed(0)
            keep_t = torch.nn.functional.dropout(want.float(), 0.5) != 0
            keep_g = gk.nn.functional.dropout(got.float(), 0.5) != 0
            np.testing.assert_array_equal(keep_g.numpy(), keep_t.numpy())
