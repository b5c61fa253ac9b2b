"""``autograd.Function``: what the engine does with the gradients a user's ``backward`` returns,
against PyTorch (a gradient of another dtype is cast to its input's dtype before it flows on)."""

import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

LIBS = [gk, torch]
IDS = ["gradkit", "torch"]


def _widening(lib):
    class Widen(lib.autograd.Function):
        """Returns its gradient in float64 whatever its input's dtype (as torchdiffeq's event
        rerouting does when the event time is float64)."""

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.double() * 2

    return Widen


def _probe(lib, seen):
    class Probe(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            seen.append(str(g.dtype).split(".")[-1])
            return g

    return Probe


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_gradient_of_another_dtype_flows_on_in_the_input_dtype(lib):
    seen = []
    x = lib.ones(3, requires_grad=True)
    y = _widening(lib).apply(_probe(lib, seen).apply(x))
    h = []
    x2 = lib.ones(3, requires_grad=True)
    mid = x2 * 1
    mid.register_hook(lambda g: h.append(str(g.dtype).split(".")[-1]))
    y.sum().backward()
    _widening(lib).apply(mid).sum().backward()
    (gx,) = lib.autograd.grad(_widening(lib).apply(x).sum(), x)
    assert seen == ["float32"] and h == ["float32"]
    assert str(gx.dtype).split(".")[-1] == "float32"
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_cast_gradient_stays_differentiable_under_create_graph(lib):
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return (2 * g * x).double()

    x = lib.tensor([1.5, -2.0], requires_grad=True)
    (g,) = lib.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    assert str(g.dtype).split(".")[-1] == "float32" and g.requires_grad
    (gg,) = lib.autograd.grad(g.sum(), x)
    assert gg.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_integer_gradient_is_cast_and_complex_for_real_input_refused(lib):
    class ToInt(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return (g * 3).to(lib.int64)

    class ToComplex(ToInt):
        @staticmethod
        def backward(ctx, g):
            return lib.complex(g, g)

    x = lib.ones(2, dtype=lib.float64, requires_grad=True)
    (g,) = lib.autograd.grad(ToInt.apply(x).sum(), x)
    assert str(g.dtype).split(".")[-1] == "float64" and g.tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError):
        ToComplex.apply(lib.ones(2, requires_grad=True)).sum().backward()


def _view_returning_functions(lib):
    class ViewOfTemporary(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return (x * 2).reshape(-1)

        @staticmethod
        def backward(ctx, g):
            return (g * 2).reshape(2, 3)

    class ViewOfInput(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.view(-1)

        @staticmethod
        def backward(ctx, g):
            return g.view(2, 3)

    return ViewOfTemporary, ViewOfInput


def test_function_output_that_is_a_view_stays_a_view_as_torch():
    # snntorch's state_quant returns ``levels[idx].reshape(size)``: PyTorch keeps the output a
    # view (``_base`` set), so a neuron's ``mem.detach_()`` in its BPTT raises; gradkit's
    # output had no base and detached silently
    torch = pytest.importorskip("torch")
    got = []
    for lib in (gk, torch):
        x = lib.ones(2, 3, requires_grad=True)
        for fn in _view_returning_functions(lib):
            out = fn.apply(x)
            try:
                out.detach_()
                detached = "detached"
            except RuntimeError as e:
                detached = "refused" if "Can't detach views in-place" in str(e) else str(e)
            got.append((fn.__name__, out._is_view(), out._base is x, detached))
            (fn.apply(x) * 3).sum().backward()
        got.append(x.grad.tolist())
    assert got[:3] == got[3:]
    assert got[0][1] and got[0][3] == "refused"


def test_inplace_write_into_function_view_output_refused_as_torch():
    # PyTorch forbids, under grad mode, an in-place write into a custom Function's output that
    # is a view (its view+inplace rebasing would override the Function's backward); outside
    # grad mode, on an output that is no view, or on a clone, the write goes through
    torch = pytest.importorskip("torch")
    got = []
    for lib in (gk, torch):
        x = lib.ones(2, 3, requires_grad=True)
        for fn in _view_returning_functions(lib):
            try:
                fn.apply(x).mul_(2)
                got.append("written")
            except RuntimeError as e:
                got.append(str(e).split(" is a view")[0])
            with lib.no_grad():
                fn.apply(x).mul_(2)
            fn.apply(x).clone().mul_(2)
    assert got[:2] == got[2:] == ["Output 0 of ViewOfTemporary", "Output 0 of ViewOfInput"]
def test_gradient_returned_for_an_input_without_grad_is_dropped_unchecked():
    """PyTorch skips the edges of inputs that require no gradient, so what backward returns for
    them is never shape-checked (torchdyn's adjoint returns 2 end-time gradients for a whole
    ``t_span``); an input that does require grad is still checked."""
    for lib in (gk, torch):
        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, span):
                return x * span.sum()

            @staticmethod
            def backward(ctx, g):
                return g * 2, g.new_ones(2)

        x = lib.ones(3, requires_grad=True)
        span = lib.linspace(0, 1, 5)
        Scale.apply(x, span).sum().backward()
        assert x.grad.tolist() == [2.0, 2.0, 2.0] and span.grad is None
        span.requires_grad_()
        with pytest.raises(RuntimeError, match="invalid gradient at index 1"):
            Scale.apply(x, span).sum().backward()


def _identity_function(lib, view):
    class Identity(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.view_as(x) if view else x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    return Identity


@pytest.mark.parametrize("view", [False, True])
@pytest.mark.parametrize("leaf", [False, True])
def test_input_returned_as_is_is_a_view_of_it_as_torch(view, leaf):
    """A custom Function whose forward returns its input as it is (or a view of it) gives a
    view of the input, as PyTorch's: ``_is_view()``, ``_base`` the input, the Function's
    backward; an in-place write into it under grad mode is PyTorch's RuntimeError (the
    view+inplace logic would override the custom backward), under no_grad it writes through."""
    torch = pytest.importorskip("torch")

    def run(lib):
        a = lib.ones(3, requires_grad=True)
        x = a if leaf else a * 1
        y = _identity_function(lib, view).apply(x)
        seen = [y._is_view(), y._base is x, type(y.grad_fn).__name__]
        y.sum().backward(retain_graph=True)
        seen.append(a.grad.tolist())
        try:
            y.add_(1)
            seen.append("written")
        except RuntimeError as e:
            seen.append("refused" if "created inside a custom Function" in str(e) else str(e))
        with lib.no_grad():
            y.mul_(3)
        seen.append(x.tolist())
        return seen

    assert run(gk) == run(torch)
