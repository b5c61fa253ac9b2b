"""``gradkit.autograd.forward_ad`` against ``torch.autograd.forward_ad``: the API (levels,
``make_dual``, ``unpack_dual``, their errors), tangents through nn layers, the usage patterns of
PyTorch's forward-mode AD tutorial (modules, ``functional_call``, custom Functions with ``jvp``),
forward AD mixed with reverse mode (both orders), in-place ops, and ``gradkit.func``'s ``jvp``,
``jacfwd`` and ``linearize``. The registry-wide check is test_forward_ad_registry.py."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _libs():
    return ((gk, gk.autograd.forward_ad), (torch, torch.autograd.forward_ad))


def _np(t):
    return None if t is None else t.detach().numpy().copy()  # (a snapshot: tangents change)


def _both(fn):
    """``fn(lib, fwAD)`` in gradkit and in torch."""
    return [fn(lib, fw) for lib, fw in _libs()]


def _close(a, b, tol=1e-10):
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _close(x, y, tol)
        return
    if a is None or b is None:
        assert a is None and b is None
        return
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


RNG = np.random.default_rng(0)
P = RNG.standard_normal((3, 4))
V = RNG.standard_normal((3, 4))


# ------------------------------------------------------------------------------------ the API
def test_levels_and_errors_as_torch():
    def run(lib, fw):
        out = []
        p, t = lib.tensor(P), lib.tensor(V)
        for call in (lambda: fw.make_dual(p, t), lambda: fw.exit_dual_level()):
            with pytest.raises(RuntimeError) as e:
                call()
            out.append(str(e.value))
        out.append(fw.unpack_dual(p).tangent)
        with fw.dual_level() as level:
            out.append(level)
            with pytest.raises(RuntimeError) as e:
                fw.enter_dual_level()
            out.append(str(e.value))
            with pytest.raises(RuntimeError) as e:
                fw.make_dual(p, lib.tensor(np.zeros(4)))
            out.append(str(e.value))
            for bad in ((lib.tensor([1, 2]), lib.tensor([1.0, 2.0])),
                        (lib.tensor([1.0, 2.0]), lib.tensor([1, 2]))):
                with pytest.raises(ValueError) as e:
                    fw.make_dual(*bad)
                out.append(str(e.value).split(":")[0])
            x = fw.make_dual(p, t)
            u = fw.unpack_dual(x)
            out += [type(u).__name__, u._fields, u.tangent is t, u.primal is x,
                    fw.unpack_dual(p).primal is p, fw.unpack_dual(p).tangent,
                    x.requires_grad, x.grad_fn, u.primal.requires_grad]
            out.append(np.shares_memory(x.numpy(), p.numpy()))
            out.append(fw.unpack_dual(x.detach()).tangent)
        out.append(fw.unpack_dual(x).tangent)  # the level is gone
        with pytest.raises(RuntimeError) as e:
            fw.exit_dual_level(level=0)
        out.append(str(e.value))
        assert fw.enter_dual_level() == 0
        fw.exit_dual_level(level=0)
        return out

    g, t = _both(run)
    assert g == t


def test_make_dual_of_a_primal_that_requires_grad_is_a_view_as_torch():
    def run(lib, fw):
        p = lib.tensor(P, requires_grad=True)
        with fw.dual_level():
            x = fw.make_dual(p, lib.tensor(V))
            return x.requires_grad, type(x.grad_fn).__name__, x.is_leaf

    g, t = _both(run)
    assert g == t


def test_tangents_are_hidden_from_reverse_mode_and_survive_no_grad():
    def run(lib, fw):
        with fw.dual_level():
            x = fw.make_dual(lib.tensor(P), lib.tensor(V))
            y = (x * x).exp().sum(1)
            with lib.no_grad():
                z = x.sin()
            uy, uz = fw.unpack_dual(y), fw.unpack_dual(z)
            return (y.requires_grad, y.grad_fn, uy.tangent.requires_grad, uy.tangent.grad_fn,
                    z.requires_grad, _np(uy.tangent), _np(uz.tangent))

    g, t = _both(run)
    assert g[:5] == t[:5] == (False, None, False, None, False)
    _close(g[5:], t[5:])


def test_dual_level_as_a_decorator():
    @gk.autograd.forward_ad.dual_level()
    def f():
        fw = gk.autograd.forward_ad
        return _np(fw.unpack_dual(fw.make_dual(gk.tensor(P), gk.tensor(V)).cos()).tangent)

    _close(f(), -np.sin(P) * V)
    assert gk.autograd.forward_ad._current_level == -1


# ------------------------------------------------------------------------------- in place
def test_in_place_ops_and_views_carry_tangents_as_torch():
    def run(lib, fw):
        out = []
        with fw.dual_level():
            t = lib.tensor(V.copy())
            x = fw.make_dual(lib.tensor(P.copy()), t)
            x[0].mul_(5)           # through a view: the base's tangent (t itself) changes
            out.append(_np(fw.unpack_dual(x).tangent))
            out.append(_np(t))
            x.sin_()
            out.append(_np(fw.unpack_dual(x).tangent))
            w = lib.zeros(3, 4, dtype=lib.float64)
            w.copy_(x)             # a plain tensor becomes dual
            out.append(_np(fw.unpack_dual(w).tangent))
            w[1] = x[2] * 3
            out.append(_np(fw.unpack_dual(w).tangent))
            w.fill_(2.0)
            out.append(_np(fw.unpack_dual(w).tangent))
            y = fw.make_dual(lib.tensor(P.copy()), lib.tensor(V.copy()))
            lib.nn.functional.relu(y, inplace=True)
            out.append(_np(fw.unpack_dual(y).tangent))
        return out

    g, t = _both(run)
    _close(g, t)


# ------------------------------------------------------------------------------- nn layers
def _layer_case(lib, fw, name):
    gk_or_torch = lib
    nn, F = gk_or_torch.nn, gk_or_torch.nn.functional
    rng = np.random.default_rng(5)
    if name == "conv2d":
        x, v = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((2, 3, 6, 6))
        w, b = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
        wt, bt = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
        with fw.dual_level():
            dx = fw.make_dual(lib.tensor(x), lib.tensor(v))
            dw = fw.make_dual(lib.tensor(w), lib.tensor(wt))
            db = fw.make_dual(lib.tensor(b), lib.tensor(bt))
            y = F.conv2d(dx, dw, db, stride=1, padding=1)
            return _np(fw.unpack_dual(y).tangent)
    x, v = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    with fw.dual_level():
        dx = fw.make_dual(lib.tensor(x), lib.tensor(v))
        if name == "linear":
            w, wt = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
            dw = fw.make_dual(lib.tensor(w), lib.tensor(wt))
            y = F.linear(dx, dw, lib.tensor(rng.standard_normal(3)))
        elif name == "layer_norm":
            w, wt = rng.standard_normal(4), rng.standard_normal(4)
            y = F.layer_norm(dx, (4,), fw.make_dual(lib.tensor(w), lib.tensor(wt)),
                             lib.tensor(rng.standard_normal(4)))
        elif name == "softmax":
            y = F.softmax(dx, dim=1) + F.log_softmax(dx, dim=0)
        elif name == "mse":
            y = F.mse_loss(dx, lib.tensor(rng.standard_normal((5, 4))))
        elif name == "cross_entropy":
            y = F.cross_entropy(dx, lib.tensor(np.array([0, 1, 3, 2, 1])))
        elif name == "mlp":
            net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)).double()
            with lib.no_grad():
                for p in net.parameters():
                    p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape))))
            y = net(dx)
        return _np(fw.unpack_dual(y).tangent)


@pytest.mark.parametrize("name", ["linear", "conv2d", "layer_norm", "softmax", "mse",
                                  "cross_entropy", "mlp"])
def test_nn_layers_as_torch(name):
    g, t = _both(lambda lib, fw: _layer_case(lib, fw, name))
    assert g is not None
    _close(g, t, 1e-9)


# ------------------------------------------------------------------------ tutorial patterns
def _model(lib):
    lib.manual_seed(0)
    m = lib.nn.Linear(5, 5).double()
    rng = np.random.default_rng(1)
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape))))
    return m


def test_tutorial_module_parameters_made_dual():
    x = np.random.default_rng(2).standard_normal((16, 5))
    tans = {"weight": np.random.default_rng(3).standard_normal((5, 5)),
            "bias": np.random.default_rng(4).standard_normal(5)}

    def run(lib, fw):
        model = _model(lib)
        params = {name: p for name, p in model.named_parameters()}
        with fw.dual_level():
            for name, p in params.items():
                delattr(model, name)
                setattr(model, name, fw.make_dual(p, lib.tensor(tans[name])))
            out = model(lib.tensor(x))
            return _np(fw.unpack_dual(out).tangent)

    g, t = _both(run)
    _close(g, t)


def test_tutorial_functional_call_with_dual_parameters():
    x = np.random.default_rng(2).standard_normal((16, 5))
    tans = {"weight": np.random.default_rng(3).standard_normal((5, 5)),
            "bias": np.random.default_rng(4).standard_normal(5)}

    def run(lib, fw):
        model = _model(lib)
        params = dict(model.named_parameters())
        with fw.dual_level():
            dual = {n: fw.make_dual(p, lib.tensor(tans[n])) for n, p in params.items()}
            out = lib.func.functional_call(model, dual, (lib.tensor(x),))
            u = fw.unpack_dual(out)
            return _np(u.primal), _np(u.tangent), out.requires_grad

    g, t = _both(run)
    assert g[2] == t[2]
    _close(g[:2], t[:2])


def test_tutorial_custom_function_jvp():
    def run(lib, fw):
        class Fn(lib.autograd.Function):
            @staticmethod
            def forward(ctx, foo):
                result = lib.exp(foo)
                ctx.result = result
                return result

            @staticmethod
            def backward(ctx, g):
                return g * ctx.result

            @staticmethod
            def jvp(ctx, g):
                return g * ctx.result

        class NoJvp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, foo):
                return foo * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        with fw.dual_level():
            x = fw.make_dual(lib.tensor(P), lib.tensor(V))
            tan = _np(fw.unpack_dual(Fn.apply(x)).tangent)
            with pytest.raises(NotImplementedError) as e:
                NoJvp.apply(x)
            plain = NoJvp.apply(lib.tensor(P))  # no dual input: no jvp needed
            return tan, str(e.value), fw.unpack_dual(plain).tangent

    g, t = _both(run)
    _close(g[0], t[0])
    assert g[1:] == t[1:]


def test_custom_function_save_for_forward_feeds_jvp():
    # The extending-autograd notes' pattern: setup_context saves x for both modes; in jvp
    # ctx.saved_tensors is what save_for_forward kept (gradkit had no save_for_forward).
    def run(lib, fw):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(x):
                return x ** 3

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_backward(output)
                ctx.save_for_forward(inputs[0])

            @staticmethod
            def backward(ctx, g):
                (out,) = ctx.saved_tensors
                return g * 3 * out

            @staticmethod
            def jvp(ctx, t):
                (x,) = ctx.saved_tensors
                return 3 * x ** 2 * t

        with fw.dual_level():
            x = fw.make_dual(lib.tensor(P), lib.tensor(V))
            tan = _np(fw.unpack_dual(Cube.apply(x)).tangent)
        p = lib.tensor(P, requires_grad=True)
        Cube.apply(p).sum().backward()
        return tan, _np(p.grad)

    g, t = _both(run)
    _close(g, t)


def test_custom_function_jvp_reads_ctx_saved_for_forward():
    # roma's special_procrustes: jvp unpacks ctx.saved_for_forward (a public attribute, None
    # until save_for_forward runs); gradkit kept it private, so jvp raised AttributeError.
    def run(lib, fw):
        seen = []

        class Square(lib.autograd.Function):
            @staticmethod
            def forward(x):
                return x * x

            @staticmethod
            def setup_context(ctx, inputs, output):
                seen.append(ctx.saved_for_forward)
                ctx.save_for_backward(inputs[0])
                ctx.save_for_forward(inputs[0] + 1, inputs[0])

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 2 * g * x

            @staticmethod
            def jvp(ctx, t):
                shifted, x = ctx.saved_for_forward
                return 2 * (shifted - 1) * t + 0 * x

        with fw.dual_level():
            x = fw.make_dual(lib.tensor(P), lib.tensor(V))
            tan = _np(fw.unpack_dual(Square.apply(x)).tangent)
        return tan, seen[0]

    g, t = _both(run)
    _close(g[0], t[0])
    assert g[1] is None and t[1] is None


def test_save_for_forward_rejects_non_tensors_as_torch():
    torch = pytest.importorskip("torch")
    for lib in (gk, torch):
        class Keep(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_forward(x, 3)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g

        with pytest.raises(AssertionError, match="save_for_forward expects all arguments"):
            Keep.apply(lib.ones(2, requires_grad=True))


# --------------------------------------------------------------------- mixed with reverse
def _f(x):
    return (x.sin() * x).sum() + (x ** 3).sum() + x.tanh().prod()


@pytest.mark.parametrize("create_graph", [True, False])
def test_hessian_vector_product_forward_over_reverse(create_graph):
    def run(lib, fw):
        p = lib.tensor(P, requires_grad=True)
        with fw.dual_level():
            x = fw.make_dual(p, lib.tensor(V))
            (g,) = lib.autograd.grad(_f(x), p, create_graph=create_graph)
            return _np(fw.unpack_dual(g).tangent), g.requires_grad

    g, t = _both(run)
    assert g[1] == t[1]
    _close(g[0], t[0])


def test_reverse_over_forward():
    def run(lib, fw):
        p = lib.tensor(P, requires_grad=True)
        v = lib.tensor(V, requires_grad=True)
        with fw.dual_level():
            x = fw.make_dual(p, v)
            tan = fw.unpack_dual(_f(x) * x.exp().mean()).tangent
            gp, gv = lib.autograd.grad(tan, (p, v))
            return tan.requires_grad, _np(tan), _np(gp), _np(gv)

    g, t = _both(run)
    assert g[0] is t[0] is True
    _close(g[1:], t[1:])


# ------------------------------------------------------------------------------ gradkit.func
def test_func_jvp_jacfwd_linearize_as_torch():
    def run(lib, fw):
        def f(a, b):
            return (a.sin() * b).sum(0) + a.tanh().mean()

        a, b = lib.tensor(P), lib.tensor(V)
        va, vb = lib.tensor(V * 0.5), lib.tensor(P * 2)
        out, jv = lib.func.jvp(f, (a, b), (va, vb))
        jac = lib.func.jacfwd(f, argnums=(0, 1))(a, b)
        lout, jvp_fn = lib.func.linearize(lambda a: f(a, b), a)
        hv = lib.func.jvp(lib.func.grad(lambda a: (a.sin() * a).sum()), (a,), (va,))[1]
        return (_np(out), _np(jv), [_np(j) for j in jac], _np(lout), _np(jvp_fn(va)),
                _np(hv))

    g, t = _both(run)
    _close(g, t)
