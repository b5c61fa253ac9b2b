"""Grad modes, hooks, retain_grad, and in-place checks."""

import numpy as np
import pytest
from oracle import assert_close

import gradkit as gk
from gradkit.autograd import grad_mode


def leaf(arr):
    return gk.tensor(np.asarray(arr), dtype=gk.float64, requires_grad=True)


# ---------------------------------------------------------------- grad modes
def test_no_grad_and_enable_grad_nesting():
    x = leaf([1.0])
    with gk.no_grad():
        assert not (x * 2).requires_grad
        with gk.enable_grad():
            assert (x * 2).requires_grad
            assert gk.is_grad_enabled()
        assert not gk.is_grad_enabled()
    assert gk.is_grad_enabled()
    assert (x * 2).requires_grad


def test_decorators():
    x = leaf([1.0])

    @gk.no_grad()
    def f(t):
        return t * 2

    @gk.enable_grad()
    def g(t):
        return t * 2

    @gk.inference_mode()
    def h(t):
        return t * 2

    @gk.set_grad_enabled(False)
    def k(t):
        return t * 2

    assert gk.is_grad_enabled()  # building the decorator must not change the mode
    assert not f(x).requires_grad
    assert not h(x).requires_grad
    assert not k(x).requires_grad
    with gk.no_grad():
        assert g(x).requires_grad
    assert gk.is_grad_enabled()


def test_no_grad_bare_class_decorator():
    x = leaf([1.0])

    @gk.no_grad
    def f(t):
        return t * 2

    @gk.inference_mode
    def g(t):
        return t * 2

    @gk.enable_grad
    def h(t):
        return t * 2

    assert not f(x).requires_grad
    assert not g(x).requires_grad
    with gk.no_grad():
        assert h(x).requires_grad
    assert gk.is_grad_enabled()


def test_set_grad_enabled_call_and_context():
    x = leaf([1.0])
    gk.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        gk.set_grad_enabled(True)
    with gk.set_grad_enabled(False):
        assert not (x * 2).requires_grad
        with gk.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not gk.is_grad_enabled()
    assert gk.is_grad_enabled()


def test_inference_mode_nesting():
    x = leaf([1.0])
    with gk.inference_mode():
        assert not (x * 2).requires_grad
        assert grad_mode.is_inference_mode_enabled()
        with gk.inference_mode(False):
            pass
    assert not grad_mode.is_inference_mode_enabled()
    with gk.inference_mode(False):
        assert (x * 2).requires_grad


def test_inference_mode_false_turns_grad_mode_on_as_torch(torch):
    # PyTorch's InferenceMode(False) sets grad mode to True, inside inference_mode or no_grad
    for lib in (gk, torch):
        for outer in (lib.inference_mode, lib.no_grad):
            with outer():
                with lib.inference_mode(False):
                    z = lib.ones(2, requires_grad=True) * 2
                    assert lib.is_grad_enabled() and not lib.is_inference_mode_enabled()
                    assert z.requires_grad and not z.is_inference()
                assert not lib.is_grad_enabled()


@pytest.mark.parametrize("write", [
    lambda t: t.add_(1), lambda t: t.mul_(2), lambda t: t.zero_(), lambda t: t.fill_(3.0),
    lambda t: t.copy_(t * 0), lambda t: t.__setitem__(0, 5.0), lambda t: t.sin_(),
    lambda t: t.uniform_(), lambda t: t.clamp_(0, 1), lambda t: t.__iadd__(1),
], ids=["add_", "mul_", "zero_", "fill_", "copy_", "setitem", "sin_", "uniform_", "clamp_",
        "iadd"])
def test_inplace_update_of_inference_tensor_outside_inference_mode_raises(torch, write):
    for lib in (gk, torch):
        with lib.inference_mode():
            t = lib.ones(3)
            write(t)  # inside: allowed
        with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside "
                                               "InferenceMode is not allowed"):
            write(t)
        c = t.clone()  # a clone made outside is a normal tensor
        write(c)
        with lib.inference_mode(False):
            with pytest.raises(RuntimeError, match="Inplace update to inference tensor"):
                write(t)


@pytest.mark.parametrize("ctx", [
    lambda: gk.no_grad(), lambda: gk.enable_grad(), lambda: gk.set_grad_enabled(False),
    lambda: gk.inference_mode(),
])
def test_mode_restored_on_exception(ctx):
    for outer in (True, False):
        gk.set_grad_enabled(outer)
        try:
            with pytest.raises(ValueError), ctx():
                raise ValueError("boom")
            assert gk.is_grad_enabled() is outer
            assert not grad_mode.is_inference_mode_enabled()
        finally:
            gk.set_grad_enabled(True)


def test_decorator_restores_on_exception():
    @gk.no_grad()
    def bad():
        raise KeyError("x")

    with pytest.raises(KeyError):
        bad()
    assert gk.is_grad_enabled()


def test_backward_inside_no_grad_still_works():
    x = leaf([2.0])
    y = (x * x).sum()
    with gk.no_grad():
        y.backward()
    assert_close(x.grad, [4.0])
    assert gk.is_grad_enabled()


# ---------------------------------------------------------------- hooks
def test_leaf_hook_modifies_gradient_and_remove():
    x = leaf([1.0, 2.0])
    seen = []
    h = x.register_hook(lambda g: seen.append(g.detach().numpy().copy()) or g * 10)
    (x * 3).sum().backward()
    assert_close(x.grad, [30.0, 30.0])
    assert_close(seen[0], [3.0, 3.0])
    h.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert_close(x.grad, [3.0, 3.0])


def test_nonleaf_hook_modifies_upstream_gradient():
    x = leaf([1.0, 2.0])
    y = x * x
    h = y.register_hook(lambda g: g * 0 + 1)
    (y * 5).sum().backward()
    assert_close(x.grad, [2.0, 4.0])
    h.remove()
    x.grad = None
    y = x * x
    (y * 5).sum().backward()
    assert_close(x.grad, [10.0, 20.0])


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        gk.tensor([1.0]).register_hook(lambda g: g)


def test_retain_grad():
    x = leaf([1.0, 2.0])
    y = x * 3
    y.retain_grad()
    assert y.retains_grad
    (y * y).sum().backward()
    assert_close(y.grad, [6.0, 12.0])
    assert_close(x.grad, [18.0, 36.0])


def test_retain_grad_accumulates_with_retain_graph():
    x = leaf([1.0])
    y = x * 3
    y.retain_grad()
    z = (y * 2).sum()
    z.backward(retain_graph=True)
    z.backward()
    assert_close(y.grad, [4.0])


def test_hook_then_retain_grad_order():
    x = leaf([1.0])
    y = x * 1
    y.register_hook(lambda g: g * 2)
    y.retain_grad()
    y.sum().backward()
    assert_close(y.grad, [2.0])
    assert_close(x.grad, [2.0])


# ---------------------------------------------------------------- in place
def test_modified_saved_input_raises_naming_op():
    a = leaf([1.0, 2.0])
    b = a * 1
    c = b * b
    b.add_(1)
    with pytest.raises(RuntimeError, match="MulBackward"):
        c.sum().backward()


def test_modified_saved_output_raises_naming_op():
    a = leaf([1.0, 2.0])
    b = a.exp()
    b.mul_(2)
    with pytest.raises(RuntimeError, match="ExpBackward"):
        b.sum().backward()


def test_modified_via_setitem_raises():
    a = leaf([1.0, 2.0])
    b = a * 1
    c = b.sin()
    b[0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_inplace_on_leaf_requiring_grad():
    a = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        a.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        a[0] = 3.0
    with gk.no_grad():
        a.add_(1)
        a[1] = 7.0
    assert_close(a.detach(), [2.0, 7.0])
    assert a.requires_grad and a.is_leaf


def test_version_counter_bumps():
    a = gk.zeros(3)
    v = a._version
    a.add_(1)
    a[0] = 2.0
    assert a._version == v + 2


def test_allowed_inplace_on_nonleaf_matches_torch(torch):
    arr = np.array([0.5, -1.0, 2.0])
    warr = np.array([1.5, 0.3, -0.7])

    def run(lib, x, w):
        h = x * 2
        h.add_(w)
        h.mul_(w)
        h.abs_()
        h.sub_(x)
        h.div_(w)
        h.pow_(2)
        h.relu_()
        return (h * w).sum()

    x, w = leaf(arr), leaf(warr)
    run(gk, x, w).backward()
    xt = torch.tensor(arr, requires_grad=True)
    wt = torch.tensor(warr, requires_grad=True)
    run(torch, xt, wt).backward()
    assert_close(x.grad, xt.grad, atol=1e-12)
    assert_close(w.grad, wt.grad, atol=1e-12)


def test_setitem_on_nonleaf_gradient(torch):
    arr = np.array([1.0, 2.0, 3.0, 4.0])
    varr = np.array([10.0, 20.0])

    def run(x, v):
        h = x * 1
        h[1:3] = v
        return (h * h).sum()

    x, v = leaf(arr), leaf(varr)
    run(x, v).backward()
    xt, vt = torch.tensor(arr, requires_grad=True), torch.tensor(varr, requires_grad=True)
    run(xt, vt).backward()
    assert_close(x.grad, xt.grad)
    assert_close(v.grad, vt.grad)


def test_inplace_after_output_saving_inplace_op_raises_like_torch():
    x = leaf([0.5, -1.0])
    h = x * 2
    h.tanh_()
    h.add_(1)
    with pytest.raises(RuntimeError, match="TanhBackward"):
        h.sum().backward()


def test_inplace_with_retain_graph_second_backward_still_checks():
    a = leaf([1.0, 2.0])
    b = a.exp()
    s = b.sum()
    s.backward(retain_graph=True)
    with gk.no_grad():
        b.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        s.backward()


def test_decorated_generator_runs_each_step_in_mode():
    x = leaf([1.0])

    @gk.no_grad()
    def gen():
        for _ in range(2):
            got = yield (x * 2).requires_grad
            assert got is None or got == "ping"
        return "done"

    g = gen()
    assert next(g) is False
    assert gk.is_grad_enabled()  # the caller's mode between steps
    assert g.send("ping") is False
    with pytest.raises(StopIteration) as stop:
        next(g)
    assert stop.value.value == "done"
    assert gk.is_grad_enabled()


def test_retain_grad_sees_the_gradient_the_hooks_return():
    """PyTorch runs retain_grad's hook after the tensor's other hooks, whatever the order they
    were registered in: ``.grad`` is the gradient the hooks returned."""
    w = gk.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = w * 3
    h.register_hook(lambda g: g * 5)
    h.retain_grad()
    h.register_hook(lambda g: g * 2)
    (h ** 2).backward(gradient=gk.ones(3))
    np.testing.assert_array_equal(h.grad.numpy(), [60.0, 120.0, 180.0])  # 2 h * 5 * 2
    np.testing.assert_array_equal(w.grad.numpy(), [180.0, 360.0, 540.0])
