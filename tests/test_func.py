"""gradkit.func against torch.func: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian,
vmap (in_dims/out_dims, nesting, randomness) and functional_call."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn as gnn
from gradkit import func as gf

torch = pytest.importorskip("torch")
tf = torch.func

RNG = np.random.default_rng(3)


def pair(*shape):
    a = RNG.standard_normal(shape)
    return gk.tensor(a), torch.tensor(a)


def close(a, b, atol=1e-10):
    if isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list)) and len(a) == len(b)
        for x, y in zip(a, b):
            close(x, y, atol)
        return
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            close(a[k], b[k], atol)
        return
    assert tuple(a.shape) == tuple(b.shape), (a.shape, b.shape)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=atol, rtol=1e-8)


def f_scalar(lib):
    return lambda x, y: (lib.sin(x) * y).sum() + (x ** 3).sum()


def test_grad_argnums_aux_and_nesting():
    (x, tx), (y, ty) = pair(3), pair(3)
    close(gf.grad(f_scalar(gk))(x, y), tf.grad(f_scalar(torch))(tx, ty))
    close(gf.grad(f_scalar(gk), argnums=(0, 1))(x, y),
          tf.grad(f_scalar(torch), argnums=(0, 1))(tx, ty))
    close(gf.grad(f_scalar(gk), argnums=-1)(x, y), tf.grad(f_scalar(torch), argnums=-1)(tx, ty))
    g, aux = gf.grad(lambda a: ((a ** 2).sum(), a * 2), has_aux=True)(x)
    tg, taux = tf.grad(lambda a: ((a ** 2).sum(), a * 2), has_aux=True)(tx)
    close((g, aux), (tg, taux))
    # nested: second and third derivatives
    d2 = gf.grad(gf.grad(lambda a: (a ** 4).sum()))
    td2 = tf.grad(tf.grad(lambda a: (a ** 4).sum()))
    s, ts = gk.tensor(1.3, dtype=gk.float64), torch.tensor(1.3, dtype=torch.float64)
    close(d2(s), td2(ts))
    close(gf.grad(gf.grad(gf.grad(lambda a: a.exp() * a)))(s),
          tf.grad(tf.grad(tf.grad(lambda a: a.exp() * a)))(ts))
    assert not gf.grad(f_scalar(gk))(x, y).requires_grad  # as torch: no graph left outside


def test_grad_of_pytree_arguments_and_closures():
    (x, tx), (y, ty) = pair(2), pair(2, 2)

    def f(lib):
        return lambda p: (p["w"] @ p["b"][0]).sum() * p["b"][1].sum()

    close(gf.grad(f(gk))({"w": y, "b": (x, x * 2)}),
          tf.grad(f(torch))({"w": ty, "b": (tx, tx * 2)}))
    # a transform inside a function differentiated by another, closing over its argument
    out = gf.grad(lambda a: gf.grad(lambda b: (a * b ** 2).sum())(x).sum())(y[0])
    tout = tf.grad(lambda a: tf.grad(lambda b: (a * b ** 2).sum())(tx).sum())(ty[0])
    close(out, tout)


def test_grad_and_value():
    x, tx = pair(4)
    close(gf.grad_and_value(lambda a: (a ** 2).sum())(x),
          tf.grad_and_value(lambda a: (a ** 2).sum())(tx))
    g, (v, aux) = gf.grad_and_value(lambda a: ((a ** 2).sum(), a.mean()), has_aux=True)(x)
    tg, (tv, taux) = tf.grad_and_value(lambda a: ((a ** 2).sum(), a.mean()), has_aux=True)(tx)
    close((g, v, aux), (tg, tv, taux))


def test_grad_errors_match_torch():
    x, _ = pair(3)
    with pytest.raises(RuntimeError, match="scalar"):
        gf.grad(lambda a: a * 2)(x)
    with pytest.raises(RuntimeError, match="argnums"):
        gf.grad(lambda a: a.sum(), argnums=1)(x)
    with pytest.raises(RuntimeError, match="argnums must be int"):
        gf.grad(lambda a: a.sum(), argnums=[0])(x)
    with pytest.raises(RuntimeError, match="tuple"):
        gf.grad(lambda a: a.sum(), has_aux=True)(x)


def test_vjp_and_jvp():
    (x, tx), (y, ty) = pair(3), pair(3)

    def f(lib):
        return lambda a, b: (lib.sin(a) * b, (a * b).sum())

    out, fn = gf.vjp(f(gk), x, y)
    tout, tfn = tf.vjp(f(torch), tx, ty)
    close(out, tout)
    (u, tu), (s, ts) = pair(3), pair()
    close(fn((u, s)), tfn((tu, ts)))
    out, fn, aux = gf.vjp(lambda a: (a * 2, a.sum()), x, has_aux=True)
    tout, tfn, taux = tf.vjp(lambda a: (a * 2, a.sum()), tx, has_aux=True)
    close((out, aux, fn(u)), (tout, taux, tfn(tu)))
    with pytest.raises(RuntimeError, match="shape"):
        gf.vjp(lambda a: a * 2, x)[1](gk.ones(4))
    # jvp
    (v, tv), (w, tw) = pair(3), pair(3)
    close(gf.jvp(f(gk), (x, y), (v, w)), tf.jvp(f(torch), (tx, ty), (tv, tw)))
    close(gf.jvp(lambda a: a * 0 + 1, (x,), (v,)), tf.jvp(lambda a: a * 0 + 1, (tx,), (tv,)))
    close(gf.jvp(lambda a: (a.exp(), a.sum()), (x,), (v,), has_aux=True),
          tf.jvp(lambda a: (a.exp(), a.sum()), (tx,), (tv,), has_aux=True))
    with pytest.raises(RuntimeError, match="tuples"):
        gf.jvp(lambda a: a, x, v)
    with pytest.raises(RuntimeError, match="same shape"):
        gf.jvp(lambda a: a, (x,), (gk.ones(2),))


def test_jacrev_jacfwd_hessian():
    (x, tx), (y, ty) = pair(3), pair(2, 3)

    def f(lib):
        return lambda a, b: lib.tanh(b @ a) * a.sum()

    for g_t, t_t in ((gf.jacrev, tf.jacrev), (gf.jacfwd, tf.jacfwd)):
        close(g_t(f(gk))(x, y), t_t(f(torch))(tx, ty))
        close(g_t(f(gk), argnums=(0, 1))(x, y), t_t(f(torch), argnums=(0, 1))(tx, ty))
        close(g_t(lambda a: (a.exp(), a.sum()), has_aux=True)(x),
              t_t(lambda a: (a.exp(), a.sum()), has_aux=True)(tx))
        close(g_t(lambda a: {"p": a * 2, "q": (a ** 2).sum()})(x),
              t_t(lambda a: {"p": a * 2, "q": (a ** 2).sum()})(tx))
    h = lambda lib: lambda a, b: (lib.sin(a) * (b.T @ (b @ a))).sum()  # noqa: E731
    close(gf.hessian(h(gk))(x, y), tf.hessian(h(torch))(tx, ty))
    close(gf.hessian(h(gk), argnums=(0, 1))(x, y), tf.hessian(h(torch), argnums=(0, 1))(tx, ty))
    close(gf.jacrev(gf.jacrev(lambda a: a ** 3))(x), tf.jacrev(tf.jacrev(lambda a: a ** 3))(tx))


def test_vmap_in_dims_out_dims_and_nesting():
    (x, tx), (y, ty) = pair(4, 3), pair(3, 4)

    def f(lib):
        return lambda a, b: lib.sin(a) * b

    close(gf.vmap(f(gk))(x, y.T), tf.vmap(f(torch))(tx, ty.T))
    close(gf.vmap(f(gk), in_dims=(0, 1))(x, y), tf.vmap(f(torch), in_dims=(0, 1))(tx, ty))
    close(gf.vmap(f(gk), in_dims=(0, None))(x, y[:, 0]),
          tf.vmap(f(torch), in_dims=(0, None))(tx, ty[:, 0]))
    close(gf.vmap(f(gk), in_dims=(1, 0), out_dims=1)(x, y),
          tf.vmap(f(torch), in_dims=(1, 0), out_dims=1)(tx, ty))
    close(gf.vmap(lambda a: (a.sum(), a * 2), out_dims=(0, 1))(x),
          tf.vmap(lambda a: (a.sum(), a * 2), out_dims=(0, 1))(tx))
    close(gf.vmap(lambda p: p["a"] @ p["b"], in_dims=({"a": 0, "b": None},))(
        {"a": x, "b": y[:, 0]}),
        tf.vmap(lambda p: p["a"] @ p["b"], in_dims=({"a": 0, "b": None},))(
        {"a": tx, "b": ty[:, 0]}))
    # nested: an outer product batch, and per-example gradients
    close(gf.vmap(gf.vmap(lambda a, b: a * b, (None, 0)), (0, None))(x[:, 0], y[0]),
          tf.vmap(tf.vmap(lambda a, b: a * b, (None, 0)), (0, None))(tx[:, 0], ty[0]))
    w, tw = pair(3)
    loss = lambda lib: lambda w_, a: lib.tanh(a @ w_)  # noqa: E731
    close(gf.vmap(gf.grad(loss(gk)), in_dims=(None, 0))(w, x),
          tf.vmap(tf.grad(loss(torch)), in_dims=(None, 0))(tw, tx))
    # gradients flow through vmap
    xg = x.clone().requires_grad_(True)
    txg = tx.clone().requires_grad_(True)
    gf.vmap(lambda a: (a ** 2).sum())(xg).sum().backward()
    tf.vmap(lambda a: (a ** 2).sum())(txg).sum().backward()
    close(xg.grad, txg.grad)


def test_vmap_errors_match_torch():
    x, _ = pair(3)
    with pytest.raises(ValueError, match="same size in the mapped dimension"):
        gf.vmap(lambda a, b: a + b)(x, gk.ones(4))
    with pytest.raises(ValueError, match="in_dim=1"):
        gf.vmap(lambda a: a, in_dims=1)(x)
    with pytest.raises(ValueError, match="expected `in_dims` to be int"):
        gf.vmap(lambda a: a, in_dims=None)(x)
    with pytest.raises(ValueError, match="not compatible"):
        gf.vmap(lambda a: a, in_dims=(0, 0))(x)
    with pytest.raises(ValueError, match="at least one input"):
        gf.vmap(lambda a: a, in_dims=(None,))(x)
    with pytest.raises(ValueError, match="must only return Tensors"):
        gf.vmap(lambda a: 3)(x)
    with pytest.raises(RuntimeError, match="randomness"):
        gf.vmap(lambda a: a, randomness="other")


def test_vmap_randomness():
    x = gk.zeros(4, 2)
    with pytest.raises(RuntimeError, match="randomness error mode"):
        gf.vmap(lambda a: a + gk.randn(2))(x)
    gk.manual_seed(0)
    same = gf.vmap(lambda a: a + gk.randn(2), randomness="same")(x)
    assert all(np.array_equal(same[0].numpy(), same[i].numpy()) for i in range(4))
    gk.manual_seed(0)
    first = gk.randn(2)
    np.testing.assert_array_equal(same[0].numpy(), first.numpy())
    diff = gf.vmap(lambda a: a + gk.randn(2), randomness="different")(x)
    assert not np.array_equal(diff[0].numpy(), diff[1].numpy())


def _twin_models():
    g = gnn.Sequential(gnn.Linear(3, 4), gnn.BatchNorm1d(4), gnn.Linear(4, 2))
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                            torch.nn.Linear(4, 2)).double()
    return g, t


def test_functional_call_matches_torch_and_restores():
    g, t = _twin_models()
    arrays = {n: RNG.standard_normal(tuple(v.shape)) for n, v in t.state_dict().items()
              if v.dtype.is_floating_point}
    arrays["1.running_var"] = np.abs(arrays["1.running_var"]) + 0.5
    params = {n: gk.tensor(a, requires_grad=not n.startswith("1.running"))
              for n, a in arrays.items()}
    tparams = {n: torch.tensor(a, requires_grad=not n.startswith("1.running"))
               for n, a in arrays.items()}
    x, tx = pair(5, 3)
    g.eval()
    t.eval()
    before = {n: p.detach().numpy().copy() for n, p in g.state_dict().items()}
    out = gf.functional_call(g, params, (x,))
    tout = tf.functional_call(t, tparams, (tx,))
    close(out, tout)
    out.sum().backward()
    tout.sum().backward()
    for n in tparams:
        if tparams[n].grad is not None:
            close(params[n].grad, tparams[n].grad)
    for n, p in g.state_dict().items():  # the module's own tensors are back
        np.testing.assert_array_equal(p.detach().numpy(), before[n])
    # split dicts, a single non-tuple arg, kwargs, and grad over the parameters
    p1 = {k: v for k, v in params.items() if k.startswith("0.")}
    p2 = {k: v for k, v in params.items() if not k.startswith("0.")}
    close(gf.functional_call(g, (p1, p2), x), tout)
    learn = {k: v for k, v in params.items() if v.requires_grad}
    tlearn = {k: v for k, v in tparams.items() if v.requires_grad}
    bufs = {k: v for k, v in params.items() if not v.requires_grad}
    grads = gf.grad(lambda p: gf.functional_call(g, (p, bufs), x).sum())(learn)
    tgrads = tf.grad(lambda p: tf.functional_call(t, ({**tparams, **p},), tx).sum())(tlearn)
    close(grads, tgrads)
    with pytest.raises(RuntimeError, match="Unexpected key"):
        gf.functional_call(g, {"nope": x}, x)
    with pytest.raises(RuntimeError, match="Missing key"):
        gf.functional_call(g, p1, x, strict=True)


def test_functional_call_tied_weights():
    g = gnn.Sequential(gnn.Linear(2, 2, bias=False), gnn.Linear(2, 2, bias=False))
    g[1].weight = g[0].weight
    w = gk.tensor(np.eye(2) * 2, dtype=gk.float32)
    x = gk.ones(1, 2)
    np.testing.assert_allclose(gf.functional_call(g, {"0.weight": w}, x).detach().numpy(),
                               [[4.0, 4.0]])
    untied = gf.functional_call(g, {"0.weight": w}, x, tie_weights=False).detach().numpy()
    expect = (np.ones((1, 2)) @ (2 * np.eye(2)).T) @ g[0].weight.detach().numpy().T
    np.testing.assert_allclose(untied, expect, rtol=1e-6)


def test_stack_module_state_ensembles_as_torch():
    models = [gnn.Linear(3, 2) for _ in range(4)]
    t_models = [torch.nn.Linear(3, 2) for _ in range(4)]
    for m, tm in zip(models, t_models):
        tm.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in m.state_dict().items()})
    params, buffers = gf.stack_module_state(models)
    t_params, _ = tf.stack_module_state(t_models)
    assert list(params) == list(t_params) and buffers == {}
    for k in params:
        assert params[k].is_leaf and params[k].requires_grad
        np.testing.assert_allclose(params[k].detach().numpy(), t_params[k].detach().numpy())
    x, tx = pair(5, 3)
    out = gf.vmap(lambda p, b, xx: gf.functional_call(models[0], (p, b), (xx,)),
                  in_dims=(0, 0, None))(params, buffers, x.float())
    t_out = tf.vmap(lambda p, b, xx: tf.functional_call(t_models[0], (p, b), (xx,)),
                    in_dims=(0, 0, None))(t_params, {}, tx.float())
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    assert params["weight"].grad.shape == (4, 2, 3) and models[0].weight.grad is None
    bn = [gnn.BatchNorm1d(3) for _ in range(2)]
    _, bufs = gf.stack_module_state(bn)
    assert bufs["running_mean"].shape == (2, 3) and not bufs["running_mean"].requires_grad
    with pytest.raises(RuntimeError, match="same class"):
        gf.stack_module_state([gnn.Linear(3, 2), gnn.Bilinear(3, 3, 2)])
    with pytest.raises(RuntimeError, match="training/eval"):
        gf.stack_module_state([gnn.Linear(3, 2), gnn.Linear(3, 2).eval()])
    with pytest.raises(RuntimeError, match="at least one"):
        gf.stack_module_state([])


TRANSFORMS_OVER_CAPTURED = {
    "grad": lambda F, f, x: F.grad(f)(x),
    "jacrev": lambda F, f, x: F.jacrev(f)(x),
    "vmap-grad": lambda F, f, x: F.vmap(F.grad(f))(x.expand(3, -1) * 1.5),
    "jacrev-grad": lambda F, f, x: F.jacrev(F.grad(f))(x),
    "vmap-jacrev-grad": lambda F, f, x: F.vmap(F.jacrev(F.grad(f)))(x.expand(2, -1) * 0.5),
    "hessian": lambda F, f, x: F.hessian(f)(x),
    "vjp": lambda F, f, x: F.vjp(f, x)[1](x.new_ones(()) * 2.0)[0],
    "jvp": lambda F, f, x: F.jvp(f, (x,), (x.new_ones(x.shape),))[1],
}


def _captured_run(name, lib, fns, w_np, x_np):
    w = lib.tensor(w_np, requires_grad=True)
    x = lib.tensor(x_np)
    transform = TRANSFORMS_OVER_CAPTURED[name]
    out = transform(fns, lambda v: (lib.tanh(v * w) ** 2).sum(), x)
    free = transform(fns, lambda v: (lib.tanh(v * 0.7) ** 2).sum(), x)
    with lib.no_grad():
        quiet = transform(fns, lambda v: (lib.tanh(v * w) ** 2).sum(), x)
    flags = (out.requires_grad, free.requires_grad, quiet.requires_grad)
    (g,) = lib.autograd.grad((out ** 2).sum(), w)
    return flags, out.detach().numpy(), g.numpy()


@pytest.mark.parametrize("name", sorted(TRANSFORMS_OVER_CAPTURED))
def test_results_reach_captured_tensors_that_require_grad(name):
    """A function that closes over a Tensor requiring grad (a module's weights): the transform's
    result carries the graph to it, so an outer backward gets its gradient (a Lagrangian net's
    Hessian in the loss); a function capturing none returns a result without a graph."""
    w_np, x_np = RNG.standard_normal(3), RNG.standard_normal(3)
    gflags, gout, gg = _captured_run(name, gk, gf, w_np, x_np)
    tflags, tout, tg = _captured_run(name, torch, tf, w_np, x_np)
    assert gflags == tflags == (True, False, False)
    np.testing.assert_allclose(gout, tout, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gg, tg, rtol=1e-9, atol=1e-12)


def _hessian_loss_backward(net, lib, fns, xs):
    h = fns.vmap(fns.jacrev(fns.grad(lambda v: net(v).squeeze(-1))))(lib.tensor(xs))
    h.pow(2).sum().backward()


def test_module_parameters_get_gradients_through_vmap_of_grad():
    torch.manual_seed(0)
    tnet = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Softplus(), torch.nn.Linear(8, 1))
    gnet = gnn.Sequential(gnn.Linear(2, 8), gnn.Softplus(), gnn.Linear(8, 1))
    gnet.load_state_dict({k: gk.tensor(v.detach().numpy()) for k, v in tnet.state_dict().items()})
    xs = RNG.standard_normal((4, 2)).astype(np.float32)
    _hessian_loss_backward(tnet, torch, tf, xs)
    _hessian_loss_backward(gnet, gk, gf, xs)
    for (name, tp), gp in zip(tnet.named_parameters(), gnet.parameters()):
        assert (gp.grad is None) == (tp.grad is None), name  # the last bias: no second derivative
        if tp.grad is None:
            continue
        np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-7,
                                   err_msg=name)


@pytest.mark.parametrize("mode", ["batched", "loop"])
def test_nested_jacobians_differentiate_the_inner_rows_and_match_torch(mode):
    """hessian/jacfwd(jacrev)/jacrev(jacrev) and vmap of hessian, same values as torch's, by
    one batched backward pass per Jacobian and by one pass per row (vmap entry by entry): there
    the outer Jacobian takes each element from the inner Jacobian's own row (registered while
    both run)."""
    from gradkit import _vmap

    was = _vmap.MODE[0]
    _vmap.MODE[0] = mode
    try:
        _nested_jacobians(mode)
    finally:
        _vmap.MODE[0] = was


def _nested_jacobians(mode):
    (gw, tw), (gb, tb), (gx, tx) = pair(5, 7), pair(5), pair(3, 7)

    def predict(lib):
        return lambda w, b, x: lib.nn.functional.linear(x, w, b).tanh()

    seen = []
    inner = gf.jacrev(predict(gk), argnums=2)

    def spy(w, b, x):
        jac = inner(w, b, x)
        seen.append(id(jac) in gf._JAC_ROWS)
        return jac

    close(gf.jacfwd(spy, argnums=2)(gw, gb, gx[0]),
          tf.hessian(predict(torch), argnums=2)(tw, tb, tx[0]))
    assert seen == [mode == "loop"]
    close(gf.hessian(predict(gk), argnums=(0, 2))(gw, gb, gx[0]),
          tf.hessian(predict(torch), argnums=(0, 2))(tw, tb, tx[0]))
    close(gf.jacrev(gf.jacrev(predict(gk), argnums=1), argnums=1)(gw, gb, gx[1]),
          tf.jacrev(tf.jacrev(predict(torch), argnums=1), argnums=1)(tw, tb, tx[1]))
    close(gf.vmap(gf.hessian(predict(gk), argnums=2), in_dims=(None, None, 0))(gw, gb, gx),
          tf.vmap(tf.hessian(predict(torch), argnums=2), in_dims=(None, None, 0))(tw, tb, tx))
    # the rows live only as long as the inner Jacobian: nothing is left once results go
    import gc

    gc.collect()
    before = len(gf._JAC_ROWS)
    h = gf.hessian(predict(gk), argnums=2)(gw, gb, gx[0])
    del h
    gc.collect()
    assert len(gf._JAC_ROWS) == before
