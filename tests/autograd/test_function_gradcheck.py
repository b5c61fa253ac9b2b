"""Custom autograd Functions, gradcheck and gradgradcheck."""

import numpy as np
import pytest
from oracle import assert_close

import gradkit as gk
from gradkit.autograd import Function, GradcheckError, gradcheck, gradgradcheck, once_differentiable


def leaf(arr):
    return gk.tensor(np.asarray(arr, dtype=np.float64), dtype=gk.float64, requires_grad=True)


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class ScaledMul(Function):
    """x * y * scale, with a non-tensor argument; records needs_input_grad."""

    seen = None

    @staticmethod
    def forward(ctx, x, scale, y):
        ctx.save_for_backward(x, y)
        ctx.scale = scale
        ScaledMul.seen = ctx.needs_input_grad
        return x * y * scale

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = g * y * ctx.scale if ctx.needs_input_grad[0] else None
        gy = g * x * ctx.scale if ctx.needs_input_grad[2] else None
        return gx, None, gy


class SplitTwo(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, ga, gb):
        return ga * 2 + gb * 3


class ArgMax(Function):
    @staticmethod
    def forward(ctx, x):
        idx = x.argmax()
        out = x.max()
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(x, idx)
        return out, idx

    @staticmethod
    def backward(ctx, g, gidx):
        x, idx = ctx.saved_tensors
        res = gk.zeros_like(x)
        res[int(idx)] = 1.0
        return res * g


class Cube(Function):
    """Backward written with differentiable ops: double backward goes through it."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


class CubeOnce(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


class WrongSquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x  # should be 2 * x


def test_function_forward_backward():
    x = leaf([0.0, 1.0])
    y = Exp.apply(x)
    assert y.grad_fn is not None and not y.is_leaf
    y.sum().backward()
    assert_close(x.grad, np.exp([0.0, 1.0]))


def test_function_non_tensor_args_and_needs_input_grad():
    x = leaf([1.0, 2.0])
    y = gk.tensor([3.0, 4.0], dtype=gk.float64)
    out = ScaledMul.apply(x, 0.5, y)
    assert ScaledMul.seen == (True, False, False)
    out.sum().backward()
    assert_close(x.grad, [1.5, 2.0])
    assert y.grad is None


def test_function_multiple_outputs_one_unused():
    x = leaf([1.0, 2.0])
    a, _b = SplitTwo.apply(x)
    (a * 5).sum().backward()  # b unused: its gradient arrives as zeros
    assert_close(x.grad, [10.0, 10.0])


def test_function_mark_non_differentiable():
    x = leaf([1.0, 5.0, 2.0])
    out, idx = ArgMax.apply(x)
    assert out.requires_grad and not idx.requires_grad
    (out * 2).backward()
    assert_close(x.grad, [0.0, 2.0, 0.0])


def test_function_saved_tensor_modified_raises():
    x = leaf([1.0, 2.0])
    h = x * 1
    y = Cube.apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_function_saved_tensors_freed_after_backward():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_function_retain_graph():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert_close(x.grad, 2 * 3 * np.array([1.0, 4.0]))


def test_function_double_backward():
    x = leaf([1.0, -2.0])
    (g,) = gk.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    assert_close(g, [3.0, 12.0])
    (gg,) = gk.autograd.grad(g.sum(), x)
    assert_close(gg, [6.0, -12.0])


def test_function_saved_output_is_differentiable_in_double_backward(torch):
    # the double-backward tutorial's Exp saves its own output: its backward (result * grad)
    # must be differentiable through that output, which PyTorch unpacks with its grad_fn
    arr = np.array([0.3, -0.4, 1.1])
    x = leaf(arr)
    (g,) = gk.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
    (gg,) = gk.autograd.grad((g * g).sum(), x)
    assert_close(gg, 2 * np.exp(2 * arr), atol=1e-12)
    assert gradgradcheck(Exp.apply, (leaf(arr),))

    class Two(Function):  # several outputs, one saved
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y, x * 2

        @staticmethod
        def backward(ctx, gy, g2):
            (y,) = ctx.saved_tensors
            return gy * y + 2 * g2

    class TwoT(torch.autograd.Function):
        forward, backward = staticmethod(Two.forward), staticmethod(Two.backward)

    x = leaf(arr)
    xt = torch.tensor(arr, requires_grad=True)
    for lib, X, fn in ((gk, x, Two.apply), (torch, xt, TwoT.apply)):
        a, b = fn(X)
        (g,) = lib.autograd.grad((a * b).sum(), X, create_graph=True)
        (g.sum() ** 2).backward()
    assert_close(x.grad, xt.grad, atol=1e-10)


def test_once_differentiable_blocks_double_backward():
    x = leaf([1.0, -2.0])
    (g,) = gk.autograd.grad(CubeOnce.apply(x).sum(), x, create_graph=True)
    assert_close(g, [3.0, 12.0])
    assert not g.requires_grad


def test_function_no_grad_input_returns_plain():
    x = gk.tensor([1.0], dtype=gk.float64)
    y = Exp.apply(x)
    assert not y.requires_grad and y.grad_fn is None


def test_function_in_bigger_graph(torch):
    arr = np.array([0.3, -0.4])
    x = leaf(arr)
    (Exp.apply(x.sin()) * x).sum().backward()
    xt = torch.tensor(arr, requires_grad=True)
    (xt.sin().exp() * xt).sum().backward()
    assert_close(x.grad, xt.grad, atol=1e-12)


def test_function_backward_wrong_count():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g, g

    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="returned 2 gradients"):
        Bad.apply(x).sum().backward()


def test_function_backward_returns_wrong_shape_raises():
    class BadShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return gk.ones(5, dtype=gk.float64)

    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="shape"):
        BadShape.apply(x).backward()


# ---------------------------------------------------------------- gradcheck
def test_gradcheck_passes_on_correct_functions(rng):
    x = gk.tensor(rng.standard_normal((2, 3)), dtype=gk.float64, requires_grad=True)
    w = gk.tensor(rng.standard_normal((3, 2)), dtype=gk.float64, requires_grad=True)
    assert gradcheck(lambda a, b: (a @ b).tanh(), (x, w))
    assert gradcheck(lambda a: Cube.apply(a), (x,))
    assert gradcheck(lambda a: SplitTwo.apply(a), (x,))
    assert gradcheck(lambda a, b: (a @ b).sigmoid(), (x, w), fast_mode=True)


def test_gradcheck_fails_on_wrong_function(rng):
    x = gk.tensor(rng.standard_normal(3), dtype=gk.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(WrongSquare.apply, (x,))
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(WrongSquare.apply, (x,), fast_mode=True)
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_gradcheck_mixed_non_tensor_and_nograd_inputs(rng):
    x = gk.tensor(rng.standard_normal(3), dtype=gk.float64, requires_grad=True)
    c = gk.tensor(rng.standard_normal(3), dtype=gk.float64)
    assert gradcheck(lambda a, b, s: ScaledMul.apply(a, s, b), (x, c, 2.0))


def test_gradgradcheck(rng):
    x = gk.tensor(rng.standard_normal((2, 2)), dtype=gk.float64, requires_grad=True)
    assert gradgradcheck(lambda a: (a @ a).sin(), (x,))
    assert gradgradcheck(Cube.apply, (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(CubeOnce.apply, (x,))


def test_gradcheck_does_not_modify_inputs(rng):
    arr = rng.standard_normal(4)
    x = gk.tensor(arr.copy(), dtype=gk.float64, requires_grad=True)
    gradcheck(lambda a: a.exp(), (x,))
    gradcheck(lambda a: a.exp(), (x,), fast_mode=True)
    assert_close(x.detach(), arr, atol=0, rtol=0)
    assert x.grad is None


def test_function_set_materialize_grads_false():
    seen = []

    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            seen.append((ga is None, gb is None))
            return ga * 2 if gb is None else ga * 2 + gb * 3

    x = leaf([1.0, 2.0])
    a, _ = Two.apply(x)
    a.sum().backward()
    assert seen == [(False, True)]
    assert_close(x.grad, [2.0, 2.0])


def test_function_saved_output_modified_in_place_raises():
    x = leaf([0.0, 1.0])
    y = Exp.apply(x)
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


class CubeWrongSecondOrder(Function):
    """Right first derivative, but its backward hides x from the graph: wrong second order."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * (x * x).detach()


def test_gradgradcheck_catches_wrong_double_backward(rng):
    x = gk.tensor(rng.standard_normal(3), dtype=gk.float64, requires_grad=True)
    assert gradcheck(CubeWrongSecondOrder.apply, (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(CubeWrongSecondOrder.apply, (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(CubeWrongSecondOrder.apply, (x,), fast_mode=True)


def test_gradcheck_non_contiguous_input(rng):
    base = gk.tensor(rng.standard_normal((3, 4)), dtype=gk.float64)
    x = base.T.detach().requires_grad_()
    assert not x.is_contiguous()
    assert gradcheck(lambda a: (a * a).sum(dim=0), (x,))
    with pytest.raises(GradcheckError):
        gradcheck(WrongSquare.apply, (x,))


class DoubleInPlace(Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2


def test_function_mark_dirty(torch):
    class TDouble(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = leaf([1.0, 2.0])
    h = x * 3
    out = DoubleInPlace.apply(h)
    assert out is h and h.grad_fn.name() == "DoubleInPlaceBackward"
    (h * h).sum().backward()
    xt = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    ht = xt * 3
    TDouble.apply(ht)
    (ht * ht).sum().backward()
    assert_close(x.grad, xt.grad)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        DoubleInPlace.apply(leaf([1.0]))


def _setup_context_cube(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(x, k):  # the new style: no ctx here
            return x ** 3 * k, 3 * x ** 2

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.save_for_backward(x, output[1])
            ctx.k = k
            ctx.set_materialize_grads(False)

        @staticmethod
        def backward(ctx, g, g_d):
            x, d = ctx.saved_tensors
            out = x * 0
            if g is not None:
                out = out + g * d * ctx.k
            if g_d is not None:
                out = out + g_d * 6 * x
            return out, None

    return Cube


def test_setup_context_style_function_matches_torch(torch):
    # forward(*args) without ctx, then setup_context(ctx, inputs, output), as torch 2 allows
    grads = []
    for lib in (torch, gk):
        x = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64, requires_grad=True)
        val, der = _setup_context_cube(lib).apply(x, 2.0)
        (val.sum() + (der * der).sum()).backward()
        grads.append((val.detach().numpy(), der.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(grads[1], grads[0], strict=True):
        np.testing.assert_allclose(ours, theirs)
    x = leaf([0.3, -0.7])
    assert gradcheck(lambda t: _setup_context_cube(gk).apply(t, 1.5)[0], (x,))


class _ExpForwardOnly:
    """exp as a Function with only a ``jvp`` (no backward), right or deliberately wrong."""

    @staticmethod
    def make(lib, scale):
        class ExpJvp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = lib.exp(x)
                ctx.result = y
                return y

            @staticmethod
            def jvp(ctx, gx):
                return gx * ctx.result * scale

        return ExpJvp


@pytest.mark.parametrize("scale", [1.0, 1.5])
def test_gradcheck_forward_ad_checks_a_jvp_only_function_as_torch(scale):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((3, 2))
    verdicts = []
    for lib, inp in ((gk, leaf(x)), (torch, torch.tensor(x, requires_grad=True))):
        fn = _ExpForwardOnly.make(lib, scale).apply
        verdicts.append(lib.autograd.gradcheck(
            fn, (inp,), check_forward_ad=True, check_backward_ad=False,
            check_undefined_grad=False, check_batched_grad=False, raise_exception=False))
    assert verdicts == [scale == 1.0] * 2
    if scale != 1.0:
        with pytest.raises(GradcheckError, match="forward AD"):
            gradcheck(_ExpForwardOnly.make(gk, scale).apply, (leaf(x),), check_forward_ad=True,
                      check_backward_ad=False)


def test_gradcheck_checks_forward_and_backward_ad_together():
    x = leaf(np.linspace(-1.0, 1.0, 5))
    assert gradcheck(lambda t: (t.sin() * t).cumsum(0), (x,), check_forward_ad=True)
    assert gradcheck(lambda t: t.exp() * t, (x,), check_forward_ad=True, fast_mode=True)
    # a Function with no jvp fails the forward check, as PyTorch's does
    with pytest.raises(NotImplementedError):
        gradcheck(Exp.apply, (x,), check_forward_ad=True)


def test_gradgradcheck_draws_pytorchs_cotangents_from_the_global_generator():
    # PyTorch draws gradgradcheck's random grad_outputs with make_tensor (uniform in [-1, 1))
    # from the global generator: a program's later random numbers depend on it
    torch = pytest.importorskip("torch")

    def after(lib):
        lib.manual_seed(0)
        x = lib.rand(3, 2, dtype=lib.float64, requires_grad=True)
        seen = []

        def f(t):
            y = (t * t).sum(1)
            y.register_hook(lambda g: seen.append(g.detach().tolist()))
            return y, t.detach() * 2  # a second output that does not require grad

        assert lib.autograd.gradgradcheck(f, (x,))
        return seen[0], lib.randn(4).tolist()

    ours, theirs = after(gk), after(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)


@pytest.mark.parametrize("fast_mode", [True, False])
@pytest.mark.parametrize("view", [lambda x: x.expand(2, 3, 4), lambda x: x[0], lambda x: x,
                                  lambda x: x.view(-1)])
def test_gradcheck_of_a_view_of_the_input_as_torch(view, fast_mode):
    """An output that is a view of the input (kornia's ``grayscale_to_rgb`` is an ``expand``)
    passes, as in PyTorch: the perturbed outputs are read before the input moves again."""
    torch = pytest.importorskip("torch")
    x = np.ones((1, 3, 4))
    assert torch.autograd.gradcheck(view, (torch.tensor(x, requires_grad=True),),
                                    fast_mode=fast_mode)
    assert gradcheck(view, (leaf(x),), fast_mode=fast_mode)


def _warp(lib):
    def warp(img, theta):  # kornia's warp_affine: sampling points 1e-6 from the pixel centres
        grid = lib.nn.functional.affine_grid(theta, [1, 2, 3, 4], align_corners=True)
        return lib.nn.functional.grid_sample(img, grid, align_corners=True)
    return warp


@pytest.mark.parametrize("case", ["warp", "relu", "abs"])
def test_fast_gradcheck_verdict_as_torch_at_a_kink(case):
    """Fast mode draws PyTorch's unit directions: at a kink within ``eps`` of the point the
    verdict is PyTorch's (kornia's warp_affine gradcheck failed before)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    if case == "warp":
        args = [rng.random((1, 2, 3, 4)), np.eye(2, 3)[None] + 1e-6]
    else:
        args = [np.linspace(-2e-6, 2e-6, 7) + 3e-7]

    def func(lib):
        if case == "warp":
            return _warp(lib)
        return (lambda x: lib.relu(x) * 3) if case == "relu" else (lambda x: x.abs().sum())

    verdicts = []
    for lib in (torch, gk):
        xs = tuple(lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in args)
        verdicts.append(lib.autograd.gradcheck(func(lib), xs, fast_mode=True,
                                               raise_exception=False))
    assert verdicts[1] == verdicts[0]
