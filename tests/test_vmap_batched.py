"""vmap's batched mode (gradkit/_vmap): ``func`` runs once on batched tensors. Each function of
the table runs three ways and must agree: gradkit's batched run (strict: no whole-call
fallback), gradkit's entry-by-entry loop, and ``torch.func.vmap``."""

import numpy as np
import pytest

import gradkit
from gradkit import _vmap
from gradkit import func as gfunc

torch = pytest.importorskip("torch")


@pytest.fixture
def strict():
    _vmap.MODE[0] = "strict"
    yield
    _vmap.MODE[0] = "batched"


def _lib(T):
    """What a table entry needs from a library: the library and its nn.functional."""
    return T, T.nn.functional


# name, function of (T, F), input shapes, in_dims, out_dims
R = np.random.default_rng(0)
TABLE = [
    ("sin", lambda T, F: T.sin, [(4, 3)], 0, 0),
    ("add", lambda T, F: lambda x, y: x + y, [(4, 3), (4, 3)], 0, 0),
    ("add_unbatched", lambda T, F: lambda x, y: x + y, [(4, 3), (3,)], (0, None), 0),
    ("add_scalar", lambda T, F: lambda x: 2 * x - 1 / (x * x + 1), [(4, 3)], 0, 0),
    ("broadcast_lower", lambda T, F: lambda x, y: x * y, [(4, 3), (5, 2, 3)], (0, None), 0),
    ("broadcast_rank", lambda T, F: lambda x, y: x - y, [(4, 1), (4, 2, 3)], 0, 0),
    ("plain_on_the_left", lambda T, F: lambda x, y: y.sub(x) + y * x + y.maximum(x) - y / x,
     [(4, 3), (3,)], (0, None), 0),
    ("where", lambda T, F: lambda x, y: T.where(x > 0, x, y), [(4, 3), (4, 3)], 0, 0),
    ("clamp", lambda T, F: lambda x: T.clamp(x, -0.5, 0.5), [(4, 3)], 0, 0),
    ("pow", lambda T, F: lambda x: x.abs() ** 1.5, [(4, 3)], 0, 0),
    ("addcmul", lambda T, F: lambda x, y: T.addcmul(x, x, y, value=0.5), [(4, 3), (4, 3)],
     0, 0),
    ("sum_all", lambda T, F: lambda x: x.sum(), [(4, 3, 2)], 0, 0),
    ("sum_dim", lambda T, F: lambda x: x.sum(1), [(4, 3, 2)], 0, 0),
    ("sum_neg_keep", lambda T, F: lambda x: x.sum(-1, keepdim=True), [(4, 3, 2)], 0, 0),
    ("mean_tuple", lambda T, F: lambda x: x.mean(dim=(0, 1)), [(4, 3, 2)], 0, 0),
    ("std", lambda T, F: lambda x: x.std(0), [(4, 3, 2)], 0, 0),
    ("var_all", lambda T, F: lambda x: x.var(), [(4, 3, 2)], 0, 0),
    ("amax", lambda T, F: lambda x: x.amax(-1), [(4, 3, 2)], 0, 0),
    ("max_dim", lambda T, F: lambda x: x.max(1).values, [(4, 3, 2)], 0, 0),
    ("max_all", lambda T, F: lambda x: x.max(), [(4, 3, 2)], 0, 0),
    ("argmax", lambda T, F: lambda x: x.argmax(0), [(4, 3, 2)], 0, 0),
    ("logsumexp", lambda T, F: lambda x: T.logsumexp(x, 1), [(4, 3, 2)], 0, 0),
    ("norm", lambda T, F: lambda x: x.norm(), [(4, 3)], 0, 0),
    ("cumsum", lambda T, F: lambda x: x.cumsum(0), [(4, 3, 2)], 0, 0),
    ("softmax", lambda T, F: lambda x: F.softmax(x, dim=-1), [(4, 3, 5)], 0, 0),
    ("log_softmax", lambda T, F: lambda x: x.log_softmax(0), [(4, 3, 5)], 0, 0),
    ("matmul_vv", lambda T, F: T.matmul, [(4, 3), (4, 3)], 0, 0),
    ("matmul_mv", lambda T, F: lambda a, b: a @ b, [(4, 2, 3), (3,)], (0, None), 0),
    ("matmul_vm", lambda T, F: lambda a, b: a @ b, [(3,), (4, 3, 2)], (None, 0), 0),
    ("matmul_mm", lambda T, F: lambda a, b: a @ b, [(4, 2, 3), (4, 3, 5)], 0, 0),
    ("matmul_bcast", lambda T, F: lambda a, b: a @ b, [(4, 2, 3), (6, 3, 5)], (0, None), 0),
    ("matmul_left", lambda T, F: lambda a, b: a @ b, [(2, 3), (4, 3)], (None, 0), 0),
    ("mm", lambda T, F: T.mm, [(4, 2, 3), (3, 5)], (0, None), 0),
    ("bmm", lambda T, F: T.bmm, [(4, 2, 2, 3), (4, 2, 3, 5)], 0, 0),
    ("mv", lambda T, F: T.mv, [(4, 2, 3), (4, 3)], 0, 0),
    ("dot", lambda T, F: T.dot, [(4, 3), (3,)], (0, None), 0),
    ("linear", lambda T, F: F.linear, [(4, 3), (5, 3), (5,)], (0, None, None), 0),
    ("linear_ensemble", lambda T, F: F.linear, [(6, 3), (4, 5, 3), (4, 5)], (None, 0, 0), 0),
    ("einsum", lambda T, F: lambda a, b: T.einsum("ij,jk->ik", a, b), [(4, 2, 3), (3, 5)],
     (0, None), 0),
    ("einsum_implicit", lambda T, F: lambda a, b: T.einsum("ij,kj", a, b),
     [(4, 2, 3), (4, 5, 3)], 0, 0),
    ("view", lambda T, F: lambda x: x.view(6), [(4, 3, 2)], 0, 0),
    ("reshape", lambda T, F: lambda x: x.reshape(-1, 3), [(4, 3, 2)], 2, 0),
    ("flatten", lambda T, F: lambda x: x.flatten(), [(4, 3, 2)], 0, 0),
    ("unsqueeze", lambda T, F: lambda x: x.unsqueeze(-1), [(4, 3)], 0, 0),
    ("squeeze", lambda T, F: lambda x: x.squeeze(), [(4, 1, 3)], 0, 0),
    ("transpose", lambda T, F: lambda x: x.transpose(0, 1), [(4, 3, 2)], 0, 0),
    ("t", lambda T, F: lambda x: x.t(), [(4, 3, 2)], 0, 0),
    ("T_mT", lambda T, F: lambda x: x.T + x.mT, [(4, 3, 3)], 0, 0),
    ("max_binary", lambda T, F: lambda x, y: T.max(x, y), [(4, 3), (3,)], (0, None), 0),
    ("inplace_activation", lambda T, F: lambda x: F.relu(x * 1, inplace=True) + x,
     [(4, 3)], 0, 0),
    ("normalize", lambda T, F: lambda x: F.normalize(x, dim=-1), [(4, 3, 2)], 0, 0),
    ("permute", lambda T, F: lambda x: x.permute(2, 0, 1), [(4, 3, 2, 5)], 0, 0),
    ("expand", lambda T, F: lambda x: x.expand(2, 3), [(4, 3)], 0, 0),
    ("chunk", lambda T, F: lambda x: x.chunk(2, 1)[1] + T.chunk(x, 3)[0][0, :2],
     [(4, 3, 4)], 0, 0),
    ("split", lambda T, F: lambda x: x.split(1)[0] * T.split(x, [1, 3], -1)[1].sum(),
     [(4, 3, 4)], 0, 0),
    ("tensor_split_unbind", lambda T, F: lambda x: x.tensor_split(2, 1)[1] + x.unbind()[0][:2],
     [(4, 3, 4)], 0, 0),
    ("named_tuple_out", lambda T, F: lambda x: x.max(-1), [(4, 3, 4)], 0, 0),
    ("getitem", lambda T, F: lambda x: x[1:, ::2], [(4, 3, 5)], 0, 0),
    ("getitem_int", lambda T, F: lambda x: x[..., 0, None], [(4, 3, 5)], 0, 0),
    ("getitem_tensor", lambda T, F: lambda x: x[T.tensor([2, 0])], [(4, 3, 5)], 0, 0),
    ("cat", lambda T, F: lambda x, y: T.cat([x, y], dim=-1), [(4, 3), (3,)], (0, None), 0),
    ("stack", lambda T, F: lambda x, y: T.stack([x, y], 1), [(4, 3), (4, 3)], 0, 0),
    ("relu_mlp", lambda T, F: lambda x, w: F.relu(x @ w).sum(-1), [(4, 3), (3, 5)],
     (0, None), 0),
    ("cross_entropy", lambda T, F: lambda x, y: F.cross_entropy(x, y),
     [(4, 6, 5), "labels(4, 6)"], 0, 0),
    ("cross_entropy_one", lambda T, F: lambda x, y: F.cross_entropy(x, y, reduction="sum"),
     [(4, 5), "labels(4)"], 0, 0),
    ("mse_loss", lambda T, F: F.mse_loss, [(4, 3), (3,)], (0, None), 0),
    ("conv2d", lambda T, F: lambda x, w: F.conv2d(x, w, padding=1), [(4, 2, 3, 6, 6),
                                                                     (5, 3, 3, 3)],
     (0, None), 0),
    ("conv2d_unbatched_input", lambda T, F: lambda x, w: F.conv2d(x, w),
     [(4, 3, 6, 6), (5, 3, 3, 3)], (0, None), 0),
    ("conv2d_ensemble", lambda T, F: lambda x, w, b: F.conv2d(x, w, b, stride=2),
     [(2, 3, 6, 6), (4, 5, 3, 3, 3), (4, 5)], (None, 0, 0), 0),
    ("out_dims", lambda T, F: lambda x: (x.sum(0), x * 2), [(4, 3)], 0, (0, 1)),
    ("in_dim1", lambda T, F: lambda x: x.sum(0), [(3, 4, 2)], 1, -1),
    ("unbatched_out", lambda T, F: lambda x, y: y * 2, [(4, 3), (3,)], (0, None), 0),
    ("pytree", lambda T, F: lambda d: d["a"] * d["b"].sum(),
     [{"a": (4, 3), "b": (4, 2)}], 0, 0),
    ("no_rule_op", lambda T, F: lambda x: T.sort(x, dim=0).values.flip(0), [(4, 3, 2)], 0,
     0),
    ("inplace", lambda T, F: lambda x: x.clone().mul_(2).add_(1), [(4, 3)], 0, 0),
    ("setitem", lambda T, F: lambda x, y: _setitem(x, y), [(4, 3, 2), (4, 2)], 0, 0),
]


def _setitem(x, y):
    z = x.clone()
    z[0] = y
    return z


def _inputs(shapes):
    def make(s):
        if isinstance(s, dict):
            return {k: make(v) for k, v in s.items()}
        if isinstance(s, str):
            dims = tuple(int(d) for d in s[7:-1].split(","))
            return R.integers(0, 5, size=dims)
        return R.standard_normal(s).astype(np.float32)

    return [make(s) for s in shapes]


def _to(lib, x):
    if isinstance(x, dict):
        return {k: _to(lib, v) for k, v in x.items()}
    return lib.tensor(x)


def _np(x):
    if isinstance(x, (tuple, list)):
        return [_np(v) for v in x]
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _close(a, b, rtol=1e-5, atol=1e-5):
    if isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _close(x, y, rtol, atol)
        return
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name,make,shapes,in_dims,out_dims", TABLE,
                         ids=[t[0] for t in TABLE])
def test_table_against_torch_and_loop(strict, name, make, shapes, in_dims, out_dims):
    xs = _inputs(shapes)
    theirs = torch.func.vmap(make(*_lib(torch)), in_dims=in_dims, out_dims=out_dims)(
        *[_to(torch, x) for x in xs])
    f = make(*_lib(gradkit))
    before = dict(_vmap.STATS)
    ours = gfunc.vmap(f, in_dims=in_dims, out_dims=out_dims)(*[_to(gradkit, x) for x in xs])
    assert _vmap.STATS["batched"] == before["batched"] + 1  # ran batched, not entry by entry
    _vmap.MODE[0] = "loop"
    looped = gfunc.vmap(f, in_dims=in_dims, out_dims=out_dims)(*[_to(gradkit, x) for x in xs])
    _close(_np(ours), _np(theirs))
    _close(_np(ours), _np(looped))


def test_nested_vmap(strict):
    x = R.standard_normal((3, 4, 5)).astype(np.float32)
    w = R.standard_normal((5, 2)).astype(np.float32)

    def f(T):
        return lambda a, b: (a @ b).tanh().sum(-1)

    ours = gfunc.vmap(gfunc.vmap(f(gradkit), in_dims=(0, None)), in_dims=(1, None))(
        gradkit.tensor(x), gradkit.tensor(w))
    theirs = torch.func.vmap(torch.func.vmap(f(torch), in_dims=(0, None)), in_dims=(1, None))(
        torch.tensor(x), torch.tensor(w))
    _close(_np(ours), _np(theirs))


def _mlp_loss(T, F):
    def loss(params, x, y):
        h = F.relu(F.linear(x, params["w1"], params["b1"]))
        out = F.linear(h, params["w2"], params["b2"])
        return F.cross_entropy(out.unsqueeze(0), y.unsqueeze(0))

    return loss


def _params(lib):
    r = np.random.default_rng(1)
    shapes = {"w1": (16, 8), "b1": (16,), "w2": (4, 16), "b2": (4,)}
    return {k: lib.tensor(r.standard_normal(s).astype(np.float32) * 0.3)
            for k, s in shapes.items()}


def test_per_sample_gradients_match_torch_and_loop(strict):
    x = R.standard_normal((10, 8)).astype(np.float32)
    y = R.integers(0, 4, size=10)
    ours = gfunc.vmap(gfunc.grad(_mlp_loss(*_lib(gradkit))), in_dims=(None, 0, 0))(
        _params(gradkit), gradkit.tensor(x), gradkit.tensor(y))
    theirs = torch.func.vmap(torch.func.grad(_mlp_loss(*_lib(torch))), in_dims=(None, 0, 0))(
        _params(torch), torch.tensor(x), torch.tensor(y))
    _vmap.MODE[0] = "loop"
    looped = gfunc.vmap(gfunc.grad(_mlp_loss(*_lib(gradkit))), in_dims=(None, 0, 0))(
        _params(gradkit), gradkit.tensor(x), gradkit.tensor(y))
    for k in ours:
        _close(_np(ours[k]), _np(theirs[k]))
        _close(_np(ours[k]), _np(looped[k]), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd", "hessian"])
def test_jacobians_inside_vmap(strict, transform):
    x = R.standard_normal((5, 3)).astype(np.float32)

    def f(T):
        return lambda v: (v.sin() * v.sum()).cumsum(0) if transform != "hessian" \
            else (v.sin() * v.sum()).sum()

    ours = gfunc.vmap(getattr(gfunc, transform)(f(gradkit)))(gradkit.tensor(x))
    theirs = torch.func.vmap(getattr(torch.func, transform)(f(torch)))(torch.tensor(x))
    _close(_np(ours), _np(theirs))


def test_vmap_inside_grad_and_jacrev_of_vmap(strict):
    x = R.standard_normal((5, 3)).astype(np.float32)
    w = R.standard_normal((3,)).astype(np.float32)

    def g(T):
        return lambda w, x: T.func.vmap(lambda r: (r * w).sin().sum(), in_dims=0)(x).sum() \
            if T is torch else gfunc.vmap(lambda r: (r * w).sin().sum())(x).sum()

    ours = gfunc.grad(g(gradkit))(gradkit.tensor(w), gradkit.tensor(x))
    theirs = torch.func.grad(g(torch))(torch.tensor(w), torch.tensor(x))
    _close(_np(ours), _np(theirs))


def test_vjp_fn_vmapped_over_cotangents(strict):
    x = R.standard_normal((4,)).astype(np.float32)
    eye = np.eye(4, dtype=np.float32)

    def f(v):
        return v.sin() * v.sum()

    out, fn = gfunc.vjp(f, gradkit.tensor(x))
    ours = gfunc.vmap(fn)(gradkit.tensor(eye))
    tout, tfn = torch.func.vjp(f, torch.tensor(x))
    theirs = torch.func.vmap(tfn)(torch.tensor(eye))
    _close(_np(ours), _np(theirs))


def test_functional_call_ensemble(strict):
    models = [gradkit.nn.Linear(3, 2) for _ in range(4)]
    params, buffers = gfunc.stack_module_state(models)
    x = gradkit.randn(5, 3)

    def call(p, b, x):
        return gfunc.functional_call(models[0], (p, b), (x,))

    ours = gfunc.vmap(call, in_dims=(0, 0, None))(params, buffers, x)
    for i, m in enumerate(models):
        _close(_np(ours[i]), _np(m(x)))


@pytest.mark.parametrize("randomness", ["error", "same", "different"])
def test_randomness(randomness):
    x = gradkit.zeros(4, 3)

    def f(v):
        return v + gradkit.rand(3)

    if randomness == "error":
        with pytest.raises(RuntimeError, match="randomness"):
            gfunc.vmap(f, randomness=randomness)(x)
        return
    out = gfunc.vmap(f, randomness=randomness)(x)
    same = all(np.array_equal(out[0].numpy(), out[i].numpy()) for i in range(4))
    assert same == (randomness == "same")


def test_data_dependent_control_flow_runs_entry_by_entry():
    x = gradkit.tensor([[1.0, 2.0], [-1.0, -3.0]])

    def f(v):
        return v * 2 if v.sum().item() > 0 else -v

    out = gfunc.vmap(f)(x)
    _close(_np(out), [[2.0, 4.0], [1.0, 3.0]])


def test_chunk_size_and_errors():
    x = gradkit.randn(6, 3)
    _close(_np(gfunc.vmap(lambda v: v.sin(), chunk_size=2)(x)), _np(x.sin()))
    with pytest.raises(ValueError, match="same size"):
        gfunc.vmap(lambda a, b: a + b)(x, gradkit.randn(5, 3))
    with pytest.raises(RuntimeError):
        gfunc.vmap(lambda a, b: a @ b, in_dims=(0, None))(x, gradkit.randn(4, 2))


def test_results_are_contiguous_as_the_loop_made_them(strict):
    # the per-sample weight gradient of F.linear comes out transposed physically; randn_like
    # fills in memory order, so the layout would show in the values drawn after vmap
    w = gradkit.randn(4, 3)
    x = gradkit.randn(5, 3)
    g = gfunc.vmap(gfunc.grad(lambda w, x: gradkit.nn.functional.linear(x, w).sum()),
                   in_dims=(None, 0))(w, x)
    assert g.is_contiguous()
    _close(_np(g), _np(x[:, None, :].expand(5, 4, 3)))


def test_function_faces_stop_dispatching_after_vmap():
    from gradkit._tensor import torch_function

    was = torch_function.ACTIVE[0]
    gfunc.vmap(lambda v: v.sin())(gradkit.randn(3, 2))
    assert torch_function.ACTIVE[0] == was


def test_batch_jacobian_equals_jacobian_of_summed_output():
    # the Jacobians/Hessians tutorial: allclose at default tolerances between a vmapped
    # per-sample Jacobian and the Jacobian of the batch-summed output, in both libraries
    r = np.random.default_rng(3)
    w = r.standard_normal((5, 5)).astype(np.float32)
    b = r.standard_normal(5).astype(np.float32)
    x = r.standard_normal((64, 5)).astype(np.float32)
    for lib, fn in ((gradkit, gfunc), (torch, torch.func)):
        def predict(w, b, x, lib=lib):
            return lib.nn.functional.linear(x, w, b).tanh()

        j0 = fn.vmap(fn.jacrev(predict, argnums=2), in_dims=(None, None, 0))(
            lib.tensor(w), lib.tensor(b), lib.tensor(x))
        j1 = fn.jacrev(lambda w, b, x, p=predict: p(w, b, x).sum(0), argnums=2)(
            lib.tensor(w), lib.tensor(b), lib.tensor(x)).movedim(1, 0)
        assert lib.allclose(j0, j1)


def test_jvp_inside_vmap(strict):
    x = R.standard_normal((6, 4)).astype(np.float32)

    def f(T, fn):
        return lambda v: fn.jvp(lambda u: u.sin() * u.sum(), (v,), (v.cos(),))[1]

    ours = gfunc.vmap(f(gradkit, gfunc))(gradkit.tensor(x))
    theirs = torch.func.vmap(f(torch, torch.func))(torch.tensor(x))
    _close(_np(ours), _np(theirs))


def test_nested_vmap_of_grad_and_jacrev_of_vmap(strict):
    x = R.standard_normal((3, 4, 5)).astype(np.float32)
    w = R.standard_normal((5,)).astype(np.float32)

    def loss(w, v, T):
        return ((v * w).tanh() ** 2).sum()

    def per_pair(fn, T):
        return fn.vmap(fn.vmap(fn.grad(lambda w, v: loss(w, v, T)), in_dims=(None, 0)),
                       in_dims=(None, 0))

    ours = per_pair(gfunc, gradkit)(gradkit.tensor(w), gradkit.tensor(x))
    theirs = per_pair(torch.func, torch)(torch.tensor(w), torch.tensor(x))
    _close(_np(ours), _np(theirs))

    def jac(fn, T):
        return fn.jacrev(lambda v: fn.vmap(lambda r: (r.sin() * r).sum())(v))

    _close(_np(jac(gfunc, gradkit)(gradkit.tensor(x[0]))),
           _np(jac(torch.func, torch)(torch.tensor(x[0]))))


def test_per_sample_gradients_of_a_module_through_functional_call(strict):
    gradkit.manual_seed(0)
    model = gradkit.nn.Sequential(gradkit.nn.Conv2d(1, 3, 3), gradkit.nn.ReLU(),
                                  gradkit.nn.Flatten(0), gradkit.nn.Linear(3 * 4 * 4, 2))
    params = {k: v.detach() for k, v in model.named_parameters()}
    x = gradkit.randn(6, 1, 6, 6)
    y = gradkit.tensor([0, 1, 1, 0, 1, 0])

    def loss(p, xi, yi):
        out = gfunc.functional_call(model, p, (xi,))
        return gradkit.nn.functional.cross_entropy(out, yi)

    ours = gfunc.vmap(gfunc.grad(loss), in_dims=(None, 0, 0))(params, x, y)
    for i in range(6):
        model.zero_grad()
        loss(dict(model.named_parameters()), x[i], y[i]).backward()
        for k, p in model.named_parameters():
            _close(_np(ours[k][i]), _np(p.grad), rtol=1e-5, atol=1e-6)


def _ntk_vps(lib, fn):
    """The NTK tutorial's NTK-vector-product method: vmap(vmap(...)) over pairs of inputs of
    vmap(vjp_fn then jvp) over the output basis, through a small CNN."""
    r = np.random.default_rng(5)
    params = {"c": lib.tensor(r.standard_normal((4, 2, 3, 3)).astype(np.float32) * 0.3),
              "w": lib.tensor(r.standard_normal((5, 4)).astype(np.float32) * 0.3),
              "b": lib.tensor(r.standard_normal(5).astype(np.float32))}
    x1 = lib.tensor(r.standard_normal((3, 2, 6, 6)).astype(np.float32))
    x2 = lib.tensor(r.standard_normal((2, 2, 6, 6)).astype(np.float32))
    F = lib.nn.functional

    def net(p, x):
        h = F.conv2d(x.unsqueeze(0), p["c"]).relu().mean((2, 3))
        return F.linear(h, p["w"], p["b"]).squeeze(0)

    def get_ntk(a, b):
        out, vjp_fn = fn.vjp(lambda p: net(p, a), params)

        def ntk_slice(vec):
            return fn.jvp(lambda p: net(p, b), (params,), vjp_fn(vec))[1]

        return fn.vmap(ntk_slice)(lib.eye(out.numel()))

    return fn.vmap(fn.vmap(get_ntk, (None, 0)), (0, None))(x1, x2)


def test_ntk_vector_products(strict):
    _close(_np(_ntk_vps(gradkit, gfunc)), _np(_ntk_vps(torch, torch.func)), rtol=1e-4,
           atol=1e-5)


def test_every_registry_elementwise_op_runs_batched_as_entry_by_entry(strict):
    """The elementwise rule is read from the op registry: each op it covers (with the first of
    1, 2 or 3 float operands it takes; batched, unbatched and broadcast batched) matches the
    op applied entry by entry."""
    import warnings

    from gradkit._vmap.rules import _elementwise
    from gradkit._vmap.table import RULES
    from gradkit.functions._registry import REGISTRY

    r = np.random.default_rng(0)
    x = gradkit.tensor(r.uniform(0.2, 0.9, (4, 3)).astype(np.float32))
    y = gradkit.tensor(r.uniform(0.2, 0.9, (3,)).astype(np.float32))
    z = gradkit.tensor(r.uniform(0.2, 0.9, (4, 1)).astype(np.float32))
    checked = 0
    for name in REGISTRY:
        f = getattr(gradkit, name, None) or getattr(gradkit.special, name, None)
        if RULES.get(name) is not _elementwise or f is None:
            continue
        for arity in (1, 2, 3):
            args, dims = [x, y, z][:arity], (0, None, 0)[:arity]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    ref = gradkit.stack([f(*[a[i] if d == 0 else a for a, d in zip(args, dims)])
                                         for i in range(4)])
                except (RuntimeError, TypeError, ValueError, NotImplementedError):
                    continue
                out = gfunc.vmap(f, in_dims=dims)(*args)
            np.testing.assert_allclose(out.numpy(), ref.numpy(), equal_nan=True, err_msg=name)
            checked += 1
            break
    assert checked > 80


_REDUCTION_NAMES = ("sum", "mean", "prod", "amax", "amin", "nansum", "std", "var", "logsumexp",
                    "cumsum", "cumprod", "softmax", "log_softmax", "argmax", "argmin", "max",
                    "min", "median", "all", "any", "count_nonzero", "norm", "std_mean",
                    "var_mean", "logcumsumexp")
_VIEWS = (lambda v: v.flatten(1), lambda v: v.flatten(0, 1), lambda v: v.unflatten(1, (2, 2)),
          lambda v: v.narrow(2, 1, 3), lambda v: v.select(-1, 2), lambda v: v.chunk(2, 1)[1],
          lambda v: v.split([1, 3], 1)[0], lambda v: v.unbind(2)[1],
          lambda v: v.movedim(0, -1), lambda v: v.swapaxes(0, 2), lambda v: v.repeat(2, 1, 1),
          lambda v: v.squeeze(0), lambda v: v.unsqueeze(-2).expand(2, 4, 3, 5),
          lambda v: v[1, :, None, 1::2], lambda v: v[..., 2], lambda v: v.reshape(-1),
          lambda v: v.view(8, 5).t(), lambda v: gradkit.cat([v, v * 2], 0),
          lambda v: gradkit.stack([v, v], -1), lambda v: v.permute(2, 0, 1),
          lambda v: v.flip(0), lambda v: v.roll(1, 1), lambda v: v.tril(),
          lambda v: v.diagonal(0, 1, 2), lambda v: v.transpose(-1, -2) @ v)


def test_reductions_and_views_over_dims_run_batched_as_entry_by_entry(strict):
    import warnings

    x = gradkit.tensor(R.standard_normal((3, 2, 4, 5)).astype(np.float32))
    cases = [(lambda v, n=n, d=d, k=k: getattr(gradkit, n)(
        v, **({} if d is None else {"dim": d}), **({"keepdim": True} if k else {})), (n, d, k))
        for n in _REDUCTION_NAMES for d in (0, 1, -1, -2, (0, 2), None) for k in (False, True)]
    cases += [(f, ("view", i)) for i, f in enumerate(_VIEWS)]

    def stacked(rows):
        if isinstance(rows[0], tuple):
            return [stacked([r[j] for r in rows]) for j in range(len(rows[0]))]
        return gradkit.stack(rows).numpy()

    def arrays(t):
        return [a.numpy() for a in t] if isinstance(t, tuple) else t.numpy()

    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f, label in cases:
            try:
                ref = stacked([f(x[i]) for i in range(3)])
            except (RuntimeError, TypeError, ValueError, IndexError):
                continue
            try:
                _close(arrays(gfunc.vmap(f)(x)), ref, rtol=1e-5, atol=1e-6)
            except AssertionError as e:
                raise AssertionError(f"{label}: {e}") from None
            checked += 1
    assert checked > 250


def _both(make, in_dims, arrays):
    """``vmap(make(lib))`` in gradkit and torch on the same arrays: (ours, theirs), each an
    array or the exception type raised."""
    out = []
    for lib in (gradkit, torch):
        try:
            out.append(lib.func.vmap(make(lib), in_dims=in_dims)(
                *[lib.tensor(a) for a in arrays]).numpy())
        except (RuntimeError, ValueError, IndexError, TypeError) as e:
            out.append(type(e))
    return out


def test_matmul_over_ranks_and_in_dims_against_torch(strict):
    import itertools

    r = np.random.default_rng(2)

    def make(s, d):
        if d is None:
            return r.standard_normal(s).astype(np.float32)
        full = list(s)
        full.insert(d if d >= 0 else len(s) + 1 + d, 3)
        return r.standard_normal(full).astype(np.float32)

    compared = 0
    for sa, sb in itertools.product([(4,), (2, 4), (5, 2, 4)], [(4,), (4, 3), (5, 4, 3),
                                                               (1, 4, 3)]):
        for da, db in [(0, None), (None, 0), (0, 0), (1, 0), (0, -1)]:
            ours, theirs = _both(lambda lib: lib.matmul, (da, db), [make(sa, da), make(sb, db)])
            if isinstance(theirs, type):
                continue
            _close(ours, theirs)
            compared += 1
    assert compared > 50


def test_conv_with_batched_inputs_weights_and_biases_against_torch(strict):
    import itertools

    r = np.random.default_rng(3)
    compared = 0
    for n, groups, stride, padding, xb, wb, bb, unbatched in itertools.product(
            (1, 2), (1, 2), (1, 2), (0, "same"), (0, None), (0, None), (0, None, "none"),
            (False, True)):
        if (xb is None and wb is None and bb in (None, "none")) or (padding == "same"
                                                                    and stride != 1):
            continue
        sp = (6,) * n
        x = r.standard_normal((3,) * (xb == 0) + ((4,) if unbatched else (2, 4)) + sp)
        w = r.standard_normal((3,) * (wb == 0) + (5 - (groups == 2), 4 // groups) + (3,) * n)
        out_channels = w.shape[-n - 2]
        arrays = [x.astype(np.float32), w.astype(np.float32)]
        dims = (xb, wb)
        if bb != "none":
            arrays.append(r.standard_normal((3,) * (bb == 0) + (out_channels,)).astype(
                np.float32))
            dims = (xb, wb, bb)

        def make(lib, n=n, stride=stride, padding=padding, groups=groups):
            conv = getattr(lib.nn.functional, f"conv{n}d")
            return lambda inp, weight, b=None: conv(inp, weight, b, stride, padding, 1, groups)

        ours, theirs = _both(make, dims, arrays)
        if isinstance(theirs, type):
            continue
        _close(ours, theirs, rtol=1e-4, atol=1e-4)
        compared += 1
    assert compared > 100
