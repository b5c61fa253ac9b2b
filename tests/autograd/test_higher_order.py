"""create_graph / autograd.grad: semantics, errors, and double backward against torch."""

import numpy as np
import pytest
from oracle import assert_close

import gradkit as gk


def leaf(arr):
    return gk.tensor(np.asarray(arr, dtype=np.float64), dtype=gk.float64, requires_grad=True)


UNARY = {
    "exp": lambda x: x.exp(),
    "log": lambda x: (x * x + 1).log(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "sqrt": lambda x: (x * x + 0.5).sqrt(),
    "pow3": lambda x: x ** 3,
    "rpow": lambda x: 2.0 ** x,
    "div": lambda x: 1.0 / (x * x + 1),
    "abs_mul": lambda x: x.abs() * x,
    "relu_sq": lambda x: x.relu() * x,
    "softmax": lambda x: x.softmax(dim=-1) * x,
    "log_softmax": lambda x: x.log_softmax(dim=-1) ** 2,
    "sum_keep": lambda x: x.sum(dim=-1, keepdim=True) * x,
    "mean": lambda x: x.mean(dim=0) * x,
    "max": lambda x: x.max(dim=-1).values * x.sum(),
    "matmul": lambda x: (x @ x.T) @ x,
    "transpose_reshape": lambda x: x.T.reshape(-1) ** 2,
    "getitem": lambda x: x[:, 1:] * x[:, :2],
    "cat": lambda x: gk_or_t_cat(x) ** 2,
    "clamp": lambda x: x.clamp(-0.5, 0.5) * x,
    "where_like": lambda x: x.exp().sum(dim=1) * x.sum(dim=1),
}


def gk_or_t_cat(x):
    lib = gk if isinstance(x, gk.Tensor) else __import__("torch")
    return lib.cat([x, x * x], dim=0)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_double_backward_matches_torch(torch, name):
    fn = UNARY[name]
    rng = np.random.default_rng(3)
    arr = rng.standard_normal((2, 3))
    go = rng.standard_normal(fn(torch.tensor(arr)).shape)
    v = rng.standard_normal((2, 3))

    x = leaf(arr)
    (g,) = gk.autograd.grad(fn(x), x, gk.tensor(go, dtype=gk.float64), create_graph=True)
    (gg,) = gk.autograd.grad((g * gk.tensor(v, dtype=gk.float64)).sum(), x)

    xt = torch.tensor(arr, requires_grad=True)
    (gt,) = torch.autograd.grad(fn(xt), xt, torch.tensor(go), create_graph=True)
    (ggt,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), xt)
    assert_close(g, gt, atol=1e-10)
    assert_close(gg, ggt, atol=1e-10)


def test_triple_derivative():
    x = leaf(1.5)
    y = x ** 4
    (d1,) = gk.autograd.grad(y, x, create_graph=True)
    (d2,) = gk.autograd.grad(d1, x, create_graph=True)
    (d3,) = gk.autograd.grad(d2, x)
    assert_close(d1, 4 * 1.5 ** 3)
    assert_close(d2, 12 * 1.5 ** 2)
    assert_close(d3, 24 * 1.5)


def test_backward_create_graph_then_backward_of_grad():
    x = leaf([1.0, 2.0])
    y = (x ** 3).sum()
    y.backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    assert_close(x.grad, 6 * np.array([1.0, 2.0]))


def test_grad_does_not_accumulate_into_leaves():
    x = leaf([1.0, 2.0])
    (g,) = gk.autograd.grad((x * x).sum(), x)
    assert x.grad is None
    assert_close(g, [2.0, 4.0])


def test_grad_unused_input_errors_and_allow_unused():
    x, y = leaf([1.0]), leaf([2.0])
    out = (x * 2).sum()
    with pytest.raises(RuntimeError, match="not have been used in the graph"):
        gk.autograd.grad(out, [x, y], retain_graph=True)
    gx, gy = gk.autograd.grad(out, [x, y], allow_unused=True, retain_graph=True)
    assert gy is None
    assert_close(gx, [2.0])
    gx, gy = gk.autograd.grad(out, [x, y], materialize_grads=True)
    assert_close(gy, [0.0])


def test_grad_input_not_requiring_grad():
    x = leaf([1.0])
    c = gk.tensor([1.0], dtype=gk.float64)
    with pytest.raises(RuntimeError, match="does not require grad"):
        gk.autograd.grad((x * c).sum(), [c])


def test_grad_output_not_requiring_grad():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        gk.autograd.grad(gk.tensor(1.0), [x])


def test_grad_nonscalar_needs_grad_outputs():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="scalar outputs"):
        gk.autograd.grad(x * 2, x)


def test_grad_wrt_intermediate_and_multiple_outputs(torch):
    x = leaf([1.0, 2.0, 3.0])
    h = x.sin()
    y1 = (h * h).sum()
    y2 = (h * x).sum()
    gh, gx = gk.autograd.grad([y1, y2], [h, x])
    xt = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    ht = xt.sin()
    ght, gxt = torch.autograd.grad([(ht * ht).sum(), (ht * xt).sum()], [ht, xt])
    assert_close(gh, ght)
    assert_close(gx, gxt)


def test_grad_retain_graph_default_frees():
    x = leaf([1.0, 2.0])
    y = (x.exp()).sum()
    gk.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        gk.autograd.grad(y, x)


def test_grad_of_leaf_itself():
    x = leaf([1.0, 2.0])
    (g,) = gk.autograd.grad(x, x, gk.ones(2, dtype=gk.float64))
    assert_close(g, [1.0, 1.0])


def test_grad_result_not_aliased():
    x = leaf([1.0, 2.0])
    go = gk.ones(2, dtype=gk.float64)
    (g,) = gk.autograd.grad(x * 1, x, go)
    g.add_(5)
    assert_close(go, [1.0, 1.0])


def test_create_graph_mixed_params_hessian_vector(torch):
    rng = np.random.default_rng(0)
    w_arr, x_arr = rng.standard_normal((3, 4)), rng.standard_normal((5, 3))

    def loss(lib, w, x):
        return ((x @ w).tanh() ** 2).mean()

    w = leaf(w_arr)
    x = gk.tensor(x_arr, dtype=gk.float64)
    (g,) = gk.autograd.grad(loss(gk, w, x), w, create_graph=True)
    (hv,) = gk.autograd.grad(g, w, gk.ones_like(g))
    wt = torch.tensor(w_arr, requires_grad=True)
    (gt,) = torch.autograd.grad(loss(torch, wt, torch.tensor(x_arr)), wt, create_graph=True)
    (hvt,) = torch.autograd.grad(gt, wt, torch.ones_like(gt))
    assert_close(hv, hvt, atol=1e-10)


def test_leaf_hooks_run_in_autograd_grad(torch):
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 2)
    (g,) = gk.autograd.grad((x ** 3).sum(), x)
    xt = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    xt.register_hook(lambda g: g * 2)
    (gt,) = torch.autograd.grad((xt ** 3).sum(), xt)
    assert_close(g, gt)
    assert x.grad is None


def test_is_grads_batched(torch):
    arr = np.array([1.0, 2.0, 3.0])
    x = leaf(arr)
    (jac,) = gk.autograd.grad(x.sin() * x, x, gk.eye(3, dtype=gk.float64),
                              is_grads_batched=True)
    xt = torch.tensor(arr, requires_grad=True)
    (jt,) = torch.autograd.grad(xt.sin() * xt, xt, torch.eye(3, dtype=torch.float64),
                                is_grads_batched=True)
    assert_close(jac, jt)


def test_plain_backward_after_create_graph_keeps_first_grad_graph():
    x = leaf([1.0, 2.0])
    (x ** 3).sum().backward(create_graph=True)
    first = x.grad
    (x * 1).sum().backward()
    assert_close(x.grad, [4.0, 13.0])
    # the graph-carrying first gradient was not changed in place
    (d,) = gk.autograd.grad(first.sum(), x)
    assert_close(first, [3.0, 12.0])
    assert_close(d, [6.0, 12.0])


def test_grad_walks_only_what_leads_to_inputs():
    w = leaf([1.0, 2.0])
    a = w.exp()
    (a * 3).sum().backward()  # frees ExpBackward
    # a's own history is not needed for d/da, so it must not be touched
    (ga,) = gk.autograd.grad((a * a).sum(), a)
    assert_close(ga, 2 * np.exp([1.0, 2.0]))
    x, y = leaf([1.0]), leaf([2.0])
    h = y.exp()
    out = (x * 2 + h).sum()
    h.add_(0)  # would fail ExpBackward's check if it ran
    (gx,) = gk.autograd.grad(out, x)
    assert_close(gx, [2.0])


def test_backward_inputs_prunes_other_branches():
    x, y = leaf([1.0]), leaf([2.0])
    h = y * 1
    e = h.exp()
    out = (x * 2 + e).sum()
    h.add_(1)  # ExpBackward's saved input changed: only a problem if that branch runs
    out.backward(inputs=[x])
    assert_close(x.grad, [2.0])
    assert y.grad is None


def test_nonleaf_hook_shapes_captured_grad(torch):
    x = leaf([1.0, 2.0])
    h = x * 2
    h.register_hook(lambda g: g * 10)
    (g,) = gk.autograd.grad((h * h).sum(), h)
    xt = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    ht = xt * 2
    ht.register_hook(lambda g: g * 10)
    (gt,) = torch.autograd.grad((ht * ht).sum(), ht)
    assert_close(g, gt)
