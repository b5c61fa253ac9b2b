"""jacrev/jacfwd/hessian, ``vmap(vjp_fn)`` and ``autograd.functional.jacobian(vectorize=True)``
compute every row of a Jacobian in one backward pass whose cotangents are batched by vmap:
the same values as torch.func's and as gradkit's row-by-row loop, with the backward ops run
by their batching rules (``_vmap.STATS['backward_loop']`` counts passes that ran entry by
entry instead)."""

import numpy as np
import pytest

import gradkit as gk
from gradkit import _vmap
from gradkit import func as gf

torch = pytest.importorskip("torch")
tf = torch.func
RNG = np.random.default_rng(7)


def pair(*shape):
    a = RNG.standard_normal(shape).astype(np.float32)
    return gk.tensor(a), torch.tensor(a)


def _leaves(x):
    if isinstance(x, (tuple, list)):
        return [y for v in x for y in _leaves(v)]
    if isinstance(x, dict):
        return [y for k in sorted(x) for y in _leaves(x[k])]
    return [x]


def close(a, b, atol=2e-5):
    la, lb = _leaves(a), _leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb):
        assert tuple(x.shape) == tuple(y.shape)
        np.testing.assert_allclose(x.detach().numpy(), y.detach().numpy(), rtol=2e-5, atol=atol)


@pytest.fixture
def batched_backward():
    """Asserts every backward pass of the test ran batched (none entry by entry)."""
    before = _vmap.STATS["backward_loop"]
    yield
    assert _vmap.STATS["backward_loop"] == before


(GW1, TW1), (GB1, TB1), (GW2, TW2) = pair(6, 5), pair(6), pair(3, 6)
(GX, TX), (GXS, TXS) = pair(5), pair(4, 5)


def _mlp(lib):
    F = lib.nn.functional
    return lambda x: F.linear(F.relu(F.linear(x, GW1 if lib is gk else TW1,
                                              GB1 if lib is gk else TB1)),
                              GW2 if lib is gk else TW2).tanh()


# name -> (function of the library, transform of the library's func module, arguments)
CASES = {
    "mlp": (_mlp, lambda f, m: m.jacrev(f), ("x",)),
    "softmax_log_softmax": (lambda L: lambda x: L.nn.functional.softmax(x, 0) * 2
                            + L.nn.functional.log_softmax(x * x, 0), lambda f, m: m.jacrev(f),
                            ("x",)),
    "reductions": (lambda L: lambda x: L.stack([x.sum(), x.mean(), x.amax(), x.norm(),
                                                x.var(), x.logsumexp(0), x.prod()]),
                   lambda f, m: m.jacrev(f), ("x",)),
    "where_index": (lambda L: lambda x: L.where(x > 0, x * 3, x.exp())[1:4].flip(0)
                    + x[L.tensor([0, 0, 2])].cumsum(0), lambda f, m: m.jacrev(f), ("x",)),
    "matrix_input": (lambda L: lambda xs: (xs @ xs.T).sigmoid(), lambda f, m: m.jacrev(f),
                     ("xs",)),
    "argnums_tuple": (lambda L: lambda x, xs: (xs * x).sin().sum(1),
                      lambda f, m: m.jacrev(f, argnums=(0, 1)), ("x", "xs")),
    "has_aux": (lambda L: lambda x: ((x ** 3).sum(0, keepdim=True), x.cos()),
                lambda f, m: m.jacrev(f, has_aux=True), ("x",)),
    "pytree_out": (lambda L: lambda x: {"a": x.sin(), "b": (x.sum(), x[:2] * 4)},
                   lambda f, m: m.jacrev(f), ("x",)),
    "pytree_in": (lambda L: lambda d: (d["w"] @ d["v"]).tanh(),
                  lambda f, m: m.jacrev(f), ("dict",)),
    "chunked": (_mlp, lambda f, m: m.jacrev(f, chunk_size=2), ("x",)),
    "jacfwd": (lambda L: lambda x, xs: xs @ x.exp(), lambda f, m: m.jacfwd(f, argnums=1),
               ("x", "xs")),
    "hessian": (lambda L: lambda x: (x.sin() * x.roll(1, 0)).sum() + (x ** 4).mean(),
                lambda f, m: m.hessian(f), ("x",)),
    "hessian_mlp": (lambda L: lambda x: _mlp(L)(x).sum(), lambda f, m: m.hessian(f), ("x",)),
    "jacfwd_of_jacrev": (lambda L: lambda x, xs: (xs @ x).tanh(),
                         lambda f, m: m.jacfwd(m.jacrev(f, argnums=0), argnums=0),
                         ("x", "xs")),
    "jacrev_of_jacrev": (lambda L: lambda x: x.sin() * x.sum(),
                         lambda f, m: m.jacrev(m.jacrev(f)), ("x",)),
}


def _args(lib, names):
    out = []
    for n in names:
        if n == "x":
            out.append(GX if lib is gk else TX)
        elif n == "xs":
            out.append(GXS if lib is gk else TXS)
        else:
            out.append({"w": GXS if lib is gk else TXS, "v": GX if lib is gk else TX})
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_jacobians_match_torch_func_in_one_batched_backward_pass(name, batched_backward):
    fn, transform, names = CASES[name]
    ours = transform(fn(gk), gf)(*_args(gk, names))
    theirs = transform(fn(torch), tf)(*_args(torch, names))
    close(ours, theirs)


@pytest.mark.parametrize("name", ["mlp", "argnums_tuple", "pytree_out", "hessian"])
def test_batched_rows_equal_the_row_by_row_loop(name):
    fn, transform, names = CASES[name]
    batched = transform(fn(gk), gf)(*_args(gk, names))
    was = _vmap.MODE[0]
    _vmap.MODE[0] = "loop"
    try:
        looped = transform(fn(gk), gf)(*_args(gk, names))
    finally:
        _vmap.MODE[0] = was
    close(batched, looped, atol=1e-6)


def test_jacrev_of_functional_call_with_a_params_dict(batched_backward):
    tnet = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    gnet = gk.nn.Sequential(gk.nn.Linear(5, 4), gk.nn.Tanh(), gk.nn.Linear(4, 2))
    gnet.load_state_dict({k: gk.tensor(v.detach().numpy()) for k, v in tnet.state_dict().items()})

    def jac(lib, net, x):
        params = {k: v.detach() for k, v in net.named_parameters()}
        return lib.func.jacrev(lambda p, xi: lib.func.functional_call(net, p, (xi,)))(params, x)

    close(jac(gk, gnet, GX), jac(torch, tnet, TX))


def test_vmap_of_jacrev_and_of_hessian_match_torch(batched_backward):
    # the rows' level batches the cotangents; the outer vmap's level the graph itself
    def f(L):
        return lambda w, x: (w @ x).tanh()

    close(gf.vmap(gf.jacrev(f(gk), argnums=(0, 1)), in_dims=(None, 0))(GW1, GXS),
          tf.vmap(tf.jacrev(f(torch), argnums=(0, 1)), in_dims=(None, 0))(TW1, TXS))
    def twice(m):
        return (m.vmap(m.vmap(m.jacrev(f(gk if m is gf else torch), argnums=1),
                                         in_dims=(None, 0)), in_dims=(None, 0)))
    close(twice(gf)(GW1, GXS.reshape(2, 2, 5)), twice(tf)(TW1, TXS.reshape(2, 2, 5)))

    def g(L):
        return lambda x: (x.sin() ** 2).sum() * x.cos().sum()

    close(gf.vmap(gf.hessian(g(gk)))(GXS), tf.vmap(tf.hessian(g(torch)))(TXS))


def test_vmap_of_vjp_fn_does_not_run_the_function_again(batched_backward):
    calls = []

    def f(lib):
        def fn(x):
            calls.append(1)
            return (GW1 if lib is gk else TW1) @ x.sin()
        return fn

    _, vjp_fn = gf.vjp(f(gk), GX)
    _, tvjp_fn = tf.vjp(f(torch), TX)
    calls.clear()
    close(gf.vmap(vjp_fn)(gk.eye(6)), tf.vmap(tvjp_fn)(torch.eye(6)))
    assert calls == []  # (the backward pass ran through the recorded graph)


def test_backward_primitives_of_their_own_run_batched(batched_backward):
    # conv1d's and max_pool1d's backward are primitives of their own (xp.apply): without a
    # batching rule each runs once per row inside the otherwise batched pass
    w = pair(2, 1, 3)

    def conv(L, wt):
        return lambda x: L.nn.functional.conv1d(x.reshape(1, 1, 5), wt).sin()

    def pool(L):
        return lambda x: L.nn.functional.max_pool1d(x.reshape(1, 1, 5), 2).exp()

    close(gf.jacrev(conv(gk, w[0]))(GX), tf.jacrev(conv(torch, w[1]))(TX))
    close(gf.jacrev(pool(gk))(GX), tf.jacrev(pool(torch))(TX))


def test_jacrev_chunk_size_is_checked_as_torch_checks_it():
    for bad in (0, -2):
        with pytest.raises(ValueError, match="chunk_size` should be greater than 0"):
            gf.jacrev(lambda x: x, chunk_size=bad)
        with pytest.raises(ValueError, match="chunk_size should be None or greater than 0"):
            gf.vmap(lambda x: x, chunk_size=bad)


def test_vmap_chunk_size_runs_in_chunks_with_the_same_results():
    def f(L):
        return (lambda a, b: ((a * b).sum(0), a.cos()))
    (ga, ta), (gb, tb) = pair(7, 3), pair(3, 7)
    for chunk in (1, 3, 7, 20):
        close(gf.vmap(f(gk), in_dims=(0, 1), out_dims=(0, 1), chunk_size=chunk)(ga, gb),
              tf.vmap(f(torch), in_dims=(0, 1), out_dims=(0, 1), chunk_size=chunk)(ta, tb))


@pytest.mark.parametrize("vectorize", [False, True])
def test_autograd_functional_jacobian_and_hessian_vectorized_match_torch(vectorize):
    from torch.autograd import functional as TAF

    from gradkit.autograd import functional as GAF

    def f(L):
        return (lambda x, xs: ((xs @ x.sin()).tanh(), (x * x).sum()))
    close(GAF.jacobian(f(gk), (GX, GXS), vectorize=vectorize),
          TAF.jacobian(f(torch), (TX, TXS), vectorize=vectorize))
    def h(L):
        return (lambda x: (x.exp() * x.roll(1, 0)).sum())
    close(GAF.hessian(h(gk), GX, vectorize=vectorize),
          TAF.hessian(h(torch), TX, vectorize=vectorize))
    close(GAF.jacobian(f(gk), (GX, GXS), vectorize=True, strategy="forward-mode"),
          TAF.jacobian(f(torch), (TX, TXS), vectorize=True, strategy="forward-mode"))


def test_autograd_functional_jacobian_strategy_errors_are_torchs():
    from gradkit.autograd import functional as GAF

    with pytest.raises(NotImplementedError, match="only implemented for `vectorize=True`"):
        GAF.jacobian(lambda x: x, GX, strategy="forward-mode")
    with pytest.raises(AssertionError, match='"forward-mode" or "reverse-mode"'):
        GAF.jacobian(lambda x: x, GX, strategy="sideways")
    with pytest.raises(RuntimeError, match="`strict=True` and `vectorized=True`"):
        GAF.jacobian(lambda x: x, GX, strict=True, vectorize=True)


def test_jacrev_of_an_integer_output_raises_torchs_error():
    def f(v):
        return (v * 3).long()

    with pytest.raises(RuntimeError, match="must be floating-point or complex Tensors, got "
                                           "Tensor with dtype torch.int64"):
        tf.jacrev(f)(TX)
    with pytest.raises(RuntimeError, match="must be floating-point or complex Tensors, got "
                                           "Tensor with dtype gradkit.int64"):
        gf.jacrev(f)(GX)


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd", "hessian"])
def test_complex_inputs_and_outputs_raise_torchs_error(transform):
    x = np.array([1 + 2j, 0.5 - 1j], np.complex64)
    for m, lib in ((tf, torch), (gf, gk)):
        with pytest.raises(RuntimeError, match="Expected all inputs to be real but received "
                                               "complex tensor at flattened input idx: 0"):
            getattr(m, transform)(lambda v: (v * v).real.sum())(lib.tensor(x))
        if transform != "hessian":
            with pytest.raises(RuntimeError, match="Expected all outputs to be real but "
                                                   "received complex tensor at flattened "
                                                   "input idx: 1"):
                getattr(m, transform)(lambda v: (v, v * 1j))(lib.ones(2))


@pytest.mark.parametrize("chunk_size", [None, 3, 2])
def test_vmap_of_autograd_grad_without_retain_graph_over_an_outer_graph(chunk_size):
    """``vmap(lambda v: autograd.grad(y, x, v))(eye)`` over a graph built outside vmap (torchjd's
    Jacobians): PyTorch runs one batched backward per chunk, so ``retain_graph=False`` frees the
    graph after a chunk's rows (a second chunk then fails, in both); run entry by entry, the
    graph is kept until the chunk's last row."""
    x0 = RNG.standard_normal(4).astype(np.float32)
    rows = []
    for lib in (gk, torch):
        x = lib.tensor(x0, requires_grad=True)
        y = lib.stack([(x ** 2).sum(), x.sin().sum(), (x * 3).prod()])
        jac_of = lib.vmap(lambda v, y=y, x=x, lib=lib: lib.autograd.grad(y, x, v)[0],
                          chunk_size=chunk_size)
        if chunk_size == 2:
            with pytest.raises(RuntimeError, match="backward through the graph a second time"):
                jac_of(lib.eye(3))
            continue
        jac = jac_of(lib.eye(3))
        rows.append(jac.detach().numpy())
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            lib.autograd.grad(y, x, lib.ones(3))  # freed after the last row, as in PyTorch
    if rows:
        np.testing.assert_allclose(rows[0], rows[1], rtol=1e-5, atol=1e-6)
