"""The backward engine: accumulation, retain_graph, inputs=, errors, graph shapes, edge cases."""

import numpy as np
import pytest
from oracle import assert_close

import gradkit as gk


def leaf(arr, dtype=gk.float64):
    return gk.tensor(np.asarray(arr), dtype=dtype, requires_grad=True)


def test_grads_accumulate_across_calls():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    assert_close(x.grad, [2.0, 4.0, 6.0])
    (x * 3).sum().backward()
    assert_close(x.grad, [5.0, 7.0, 9.0])


def test_long_chain_is_iterative():
    x = leaf([0.5])
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    assert_close(x.grad, [1.0])


def test_second_backward_without_retain_raises():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_saved_arrays_released_after_backward():
    x = leaf([1.0, 2.0])
    y = x.exp()
    z = y.sum()
    z.backward()
    assert y.grad_fn.saved is None and y.grad_fn.out is None
    x2 = leaf([1.0, 2.0])
    y2 = x2.exp() * x2
    y2.sum().backward(retain_graph=True)
    assert y2.grad_fn.saved is not None and y2.grad_fn.inputs[0].grad_fn.out is not None


def test_retain_graph_allows_second_backward_and_doubles_grad():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    g1 = x.grad.detach().numpy().copy()
    y.backward()
    assert_close(x.grad, 2 * g1)


def test_nonscalar_backward_needs_gradient():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()


def test_gradient_argument_and_shape_mismatch():
    x = leaf([1.0, 2.0])
    y = x * 2
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        y.backward(gk.ones(3, dtype=gk.float64))
    y.backward(gk.tensor([1.0, 10.0], dtype=gk.float64))
    assert_close(x.grad, [2.0, 20.0])


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        gk.tensor([1.0]).sum().backward()


def test_inputs_limits_accumulation():
    a = leaf([1.0])
    b = leaf([2.0])
    (a * b).sum().backward(inputs=[a])
    assert_close(a.grad, [2.0])
    assert b.grad is None


def test_inputs_nonleaf_gets_grad():
    a = leaf([1.0, 2.0])
    h = a * 3
    (h * h).sum().backward(inputs=[h])
    assert a.grad is None
    assert_close(h.grad, 2 * 3 * np.array([1.0, 2.0]))


def test_diamond_shared_subexpression_and_self_product(torch):
    arr = np.array([0.3, -1.2, 2.0])

    def f(lib, x):
        s = x.sin()
        a = s * x
        b = s.exp()
        return (a * b + s * s + x * x).sum()

    x = leaf(arr)
    f(gk, x).backward()
    xt = torch.tensor(arr, requires_grad=True)
    f(torch, xt).backward()
    assert_close(x.grad, xt.grad, atol=1e-12)


def test_leaf_reached_by_several_paths_with_broadcast(torch):
    arr = np.arange(6.0).reshape(2, 3)
    barr = np.array([1.0, -2.0, 0.5])
    x, b = leaf(arr), leaf(barr)
    ((x + b) * b + x.sum(dim=0) * b).sum().backward()
    xt = torch.tensor(arr, requires_grad=True)
    bt = torch.tensor(barr, requires_grad=True)
    ((xt + bt) * bt + xt.sum(dim=0) * bt).sum().backward()
    assert_close(x.grad, xt.grad)
    assert_close(b.grad, bt.grad)


def test_integer_ops_have_no_grad():
    x = leaf([1.5, 2.5])
    i = x.long()
    assert not i.requires_grad
    y = (x * i.double()).sum()
    y.backward()
    assert_close(x.grad, [1.0, 2.0])
    with pytest.raises(RuntimeError, match="floating point"):
        gk.tensor([1, 2]).requires_grad_()


def test_detach_and_data_cut_the_graph():
    x = leaf([2.0])
    y = x * x.detach() + x * x.data
    y.sum().backward()
    assert_close(x.grad, [4.0])
    assert not x.detach().requires_grad and x.detach().is_leaf


def test_getitem_slices_reassembled_with_cat(torch):
    arr = np.arange(1.0, 7.0)
    x = leaf(arr)
    y = gk.cat([x[3:] * 2, x[:3] ** 2, x[1:2]])
    (y * gk.arange(7, dtype=gk.float64)).sum().backward()
    xt = torch.tensor(arr, requires_grad=True)
    yt = torch.cat([xt[3:] * 2, xt[:3] ** 2, xt[1:2]])
    (yt * torch.arange(7, dtype=torch.float64)).sum().backward()
    assert_close(x.grad, xt.grad)


def test_empty_tensor_backward():
    x = gk.zeros(0, 3, dtype=gk.float64, requires_grad=True)
    (x * 2).sum().backward()
    assert tuple(x.grad.shape) == (0, 3)


def test_zero_dim_tensor_backward():
    x = gk.tensor(3.0, requires_grad=True)
    y = x * x * x
    y.backward()
    assert tuple(x.grad.shape) == ()
    assert_close(x.grad, 27.0)


def test_leaf_backward_on_itself():
    x = gk.tensor(3.0, requires_grad=True)
    x.backward()
    assert_close(x.grad, 1.0)


def test_grad_dtype_matches_leaf():
    x = gk.tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 2).sum().backward()
    assert x.grad.dtype == gk.float32
    assert_close(x.grad, [2.0, 2.0])


def test_gradient_not_aliased_to_user_gradient():
    x = leaf([1.0, 2.0])
    g = gk.tensor([1.0, 1.0], dtype=gk.float64)
    (x * 1).backward(g)
    x.grad.add_(1)
    assert_close(g, [1.0, 1.0])
    y = leaf([1.0, 2.0])
    y.backward(g)
    y.grad.mul_(5)
    assert_close(g, [1.0, 1.0])


def test_two_leaves_do_not_share_grad_storage():
    a, b = leaf([1.0]), leaf([1.0])
    (a + b).sum().backward()
    a.grad.add_(1)
    assert_close(b.grad, [1.0])


def test_autograd_backward_multiple_roots():
    x = leaf([1.0, 2.0])
    y1 = (x * 2).sum()
    y2 = x * x
    gk.autograd.backward([y1, y2], [None, gk.ones(2, dtype=gk.float64)])
    assert_close(x.grad, [4.0, 6.0])


def test_nonleaf_grad_is_none_without_retain_grad():
    x = leaf([1.0])
    y = x * 2
    (y * 3).sum().backward()
    assert y.grad is None


def test_same_root_given_twice(torch):
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    gk.autograd.backward([y, y])
    assert_close(x.grad, [4.0, 8.0])
    x2 = leaf([1.0, 2.0])
    h = x2 * 3
    gk.autograd.backward([h.sum(), (h * h).sum()])
    xt = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    ht = xt * 3
    torch.autograd.backward([ht.sum(), (ht * ht).sum()])
    assert_close(x2.grad, xt.grad)


def test_root_reachable_from_another_root():
    x = leaf([1.0, 2.0])
    a = (x * x).sum()
    b = a * 3
    gk.autograd.backward([a, b])
    assert_close(x.grad, 4 * 2 * np.array([1.0, 2.0]))


def test_leaf_grad_does_not_alias_arrays_hooks_kept():
    x = leaf([1.0, 2.0])
    w = leaf([1.0, 1.0])
    y = w * 1
    y.retain_grad()
    ((x + y) * 1).backward(gk.ones(2, dtype=gk.float64))
    x.grad.add_(100)
    assert_close(y.grad, [1.0, 1.0])
    kept = []
    z = leaf([1.0, 2.0])
    z.register_hook(lambda g: kept.append(g))
    (z * 1).backward(gk.ones(2, dtype=gk.float64))
    (z * 1).backward(gk.ones(2, dtype=gk.float64))  # accumulates in place into z.grad
    assert_close(kept[0], [1.0, 1.0])
    assert_close(z.grad, [2.0, 2.0])


def test_backward_inputs_nonleaf_and_leaf_do_not_alias():
    x = leaf([1.0, 2.0])
    w = leaf([1.0, 1.0])
    h = w * 1
    ((x + h) * 1).backward(gk.ones(2, dtype=gk.float64), inputs=[x, h])
    x.grad.add_(100)
    assert_close(h.grad, [1.0, 1.0])


def test_reading_grad_of_a_non_leaf_warns_as_pytorch():
    # the leaf-vs-non-leaf tutorial: PyTorch warns (UserWarning) when .grad of a non-leaf that
    # does not retain its gradient is read; a leaf, a retained non-leaf and a tensor that does
    # not require grad read silently (gradkit never warned)
    import warnings

    torch = pytest.importorskip("torch")
    for lib in (gk, torch):
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        r = x * 3
        r.retain_grad()
        (y.sum() + r.sum()).backward()
        with pytest.warns(UserWarning, match="non-leaf"):
            assert y.grad is None
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert x.grad is not None and r.grad is not None
            assert lib.ones(2).grad is None and y.detach().grad is None


def _hook_order(lib):
    """The order in which backward reaches tensors of a small recurrent graph (a module called
    at every step, as Opacus's DPLSTM cells are), seen through tensor and module hooks."""
    lib.manual_seed(0)
    ih, hh = lib.nn.Linear(3, 3), lib.nn.Linear(3, 3)
    seen = []
    ih.register_full_backward_hook(
        lambda m, gi, go: seen.append(("ih", round(float(go[0].sum()), 4))))
    h = lib.zeros(2, 3)
    xs = lib.randn(4, 2, 3)
    for t in range(4):
        a, b = ih(xs[t]), hh(h)
        a.register_hook(lambda g, t=t: seen.append(("a", t)))
        b.register_hook(lambda g, t=t: seen.append(("b", t)))
        h = lib.tanh(a + b) * (t + 1)
    side = (h * 2).sum() + (xs[0] * 3).sum()  # a second branch that is ready early
    (h.sum() + side).backward()
    return seen


def test_backward_runs_the_latest_created_ready_node_first_as_torch(torch):
    # before, a depth-first walk ran the whole hidden-state chain before any input branch, so a
    # module's backward hooks fired in the order of its calls instead of the reverse
    assert _hook_order(gk) == _hook_order(torch)


def test_hooks_never_alias_a_gradient_a_leaf_owns():
    x = leaf([1.0, 2.0])
    y = x * 1
    kept = []
    y.register_hook(kept.append)
    (x + y).sum().backward()
    x.grad.add_(100)  # the leaf, reached first, owns its gradient array
    assert_close(kept[0], [1.0, 1.0])
