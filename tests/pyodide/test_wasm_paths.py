"""The speed paths that gradkit selects in Pyodide, run natively: Adam's update of a whole
group at once (gradkit/optim/_flat.py) and the stacked matrix products of gradkit/_noblas.py.
(``tests/pyodide/run.sh`` checks inside Pyodide that they are the ones in use.)

The flat Adam update must give the per-parameter kernel's values bit for bit, in every case it
takes and in every case it hands back to the per-parameter kernel.
"""

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn as nn
from gradkit import _noblas
from gradkit.optim import _flat, _runner
from gradkit.optim.adam import Adam

# ------------------------------------------------------------------------------ flat Adam


def _model(dtype):
    gk.manual_seed(0)
    m = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3), nn.ReLU(), nn.Linear(3, 2))
    return m.to(gk.float64) if dtype == np.float64 else m


def _grads(model, step):
    rng = np.random.default_rng(100 + step)
    for p in model.parameters():
        p.grad = gk.tensor(rng.standard_normal(p.shape).astype(p._data.dtype))


def _train(flat, monkeypatch, cls=gk.optim.Adam, dtype=np.float32, steps=6, groups=False,
           skip=None, reload_at=None, **kw):
    """Parameters and moments after ``steps`` steps, with ``Adam._run`` the flat or the
    per-parameter runner. ``skip``: (step, parameter index) left without a gradient;
    ``reload_at``: the step before which the state goes through state_dict/load_state_dict."""
    monkeypatch.setattr(Adam, "_run", Adam._run_flat if flat else _runner._KernelOptimizer._run)
    model = _model(dtype)
    params = list(model.parameters())
    if groups:
        params = [{"params": params[:3]}, {"params": params[3:], "lr": 0.05}]
    opt = cls(params, lr=0.01, **kw)
    for step in range(steps):
        _grads(model, step)
        if skip is not None and skip[0] == step:
            list(model.parameters())[skip[1]].grad = None
        if reload_at == step:
            sd = opt.state_dict()
            opt = cls(params, lr=0.01, **kw)
            opt.load_state_dict(sd)
        opt.step()
    out = [p._data.copy() for p in model.parameters()]
    for p in model.parameters():
        st = opt.state[p]
        out += [st["exp_avg"]._data.copy(), st["exp_avg_sq"]._data.copy()]
    return out, opt, model


CASES = {
    "adam": {},
    "adamw": {"cls": gk.optim.AdamW, "weight_decay": 0.1},
    "maximize": {"maximize": True, "betas": (0.3, 0.99)},
    "float64": {"dtype": np.float64},
    "two groups": {"groups": True},
    "a parameter without a gradient": {"skip": (3, 2)},
    "state reloaded": {"reload_at": 3},
    "amsgrad (per parameter)": {"amsgrad": True},
    "coupled weight decay (per parameter)": {"weight_decay": 0.1},
}


@pytest.mark.parametrize("case", list(CASES))
def test_flat_adam_equals_the_per_parameter_kernel_bit_for_bit(monkeypatch, case):
    want, _, _ = _train(False, monkeypatch, **CASES[case])
    got, opt, model = _train(True, monkeypatch, **CASES[case])
    for g, w in zip(got, want):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)
    flattened = {opt.state[p]["exp_avg"]._data.base is not None for p in model.parameters()}
    assert flattened == {"per parameter" not in case}


def test_flat_adam_keeps_the_moments_in_one_buffer_and_follows_torch(monkeypatch):
    torch = pytest.importorskip("torch")
    _, opt, model = _train(True, monkeypatch, steps=4)
    bases = {opt.state[p]["exp_avg"]._data.base is not None for p in model.parameters()}
    assert bases == {True}
    assert len({id(opt.state[p]["exp_avg"]._data.base) for p in model.parameters()}) == 1
    # the same steps in torch
    model_t = [torch.tensor(p.copy()) for p in (q._data for q in _model(np.float32).parameters())]
    for p in model_t:
        p.requires_grad_(True)
    opt_t = torch.optim.Adam(model_t, lr=0.01)
    ref = _model(np.float32)
    for step in range(4):
        _grads(ref, step)
        for p, q in zip(model_t, ref.parameters()):
            p.grad = torch.tensor(q.grad._data)
        opt_t.step()
    for p, q in zip(model.parameters(), model_t):
        np.testing.assert_allclose(p._data, q.detach().numpy(), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(opt.state[p]["exp_avg_sq"]._data,
                                   opt_t.state[q]["exp_avg_sq"].numpy(), rtol=1e-6, atol=1e-12)
    # the checkpoint of views of one buffer loads back into the per-parameter runner
    monkeypatch.setattr(Adam, "_run", _runner._KernelOptimizer._run)
    sd = opt.state_dict()
    opt2 = gk.optim.Adam(model.parameters(), lr=0.01)
    opt2.load_state_dict(sd)
    for p in model.parameters():
        np.testing.assert_array_equal(opt2.state[p]["exp_avg"]._data,
                                      opt.state[p]["exp_avg"]._data)


def test_flat_adam_leaves_large_parameters_to_the_chunked_runner(monkeypatch):
    monkeypatch.setattr(_runner, "_PARALLEL_MIN", 8)
    monkeypatch.setattr(_flat, "_PARALLEL_MIN", 8)
    want, _, _ = _train(False, monkeypatch)
    got, opt, model = _train(True, monkeypatch)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    sizes = [p._data.size for p in model.parameters()]
    assert sizes == [35, 7, 21, 3, 6, 2]
    bases = [opt.state[p]["exp_avg"]._data.base for p in model.parameters()]
    # the large ones per parameter; of the small ones, only a run of two or more is flattened
    assert bases[0] is bases[1] is bases[2] is None
    assert bases[3] is not None and bases[3] is bases[4] is bases[5]


def test_flat_path_is_selected_by_platform_only():
    import os
    import sys
    expected = sys.platform == "emscripten" or os.environ.get("GRADKIT_FLAT_ADAM") == "1"
    assert _flat.ENABLED is expected
    assert (Adam._run is Adam._run_flat) is expected


# --------------------------------------------------------------- stacked matrix products


def _layout(a, kind):
    if kind == "F":
        return np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)
    if kind == "S":
        return np.repeat(a, 2, axis=-1)[..., ::2]
    return a


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sa,sb", [
    ((512, 33), (32, 33, 16)),      # the LSTM's input projection: a matrix times a stack
    ((64, 40), (2, 3, 40, 64)),
    ((2, 3, 64, 40), (40, 64)),     # a stack times a matrix
    ((7, 64, 40), (40, 64)),
    ((64, 40), (1, 40, 20)),
])
@pytest.mark.parametrize("layout", ["C", "F", "S"])
def test_stacked_products_match_matmul(sa, sb, dtype, layout):
    rng = np.random.default_rng(sum(sa) + sum(sb))
    a = _layout(rng.standard_normal(sa).astype(dtype), layout)
    b = _layout(rng.standard_normal(sb).astype(dtype), layout)
    want = np.matmul(a.astype(np.float64), b.astype(np.float64))
    got = _noblas.matmul(a, b)
    assert got.dtype == dtype and got.shape == want.shape and got.flags.c_contiguous
    tol = 1e-4 * np.sqrt(sa[-1]) if dtype == np.float32 else 1e-12 * np.sqrt(sa[-1])
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    out = np.empty(want.shape, dtype)
    assert _noblas.matmul(a, b, out=out) is out
    np.testing.assert_array_equal(out, got)


@pytest.mark.parametrize("sa,sb,so", [
    ((3, 64, 40), (41, 64), None),
    ((64, 40), (3, 41, 64), None),
    ((3, 64, 40), (40, 64), (2, 64, 64)),
])
def test_stacked_products_raise_numpys_errors(sa, sb, so):
    a, b = np.ones(sa, np.float32), np.ones(sb, np.float32)
    out = None if so is None else np.empty(so, np.float32)
    with pytest.raises(ValueError) as want:
        np.matmul(a, b, out=out)
    with pytest.raises(ValueError) as got:
        _noblas.matmul(a, b, out=out)
    assert str(got.value) == str(want.value)


def test_stacked_products_of_empty_operands():
    for sa, sb in [((0, 64), (3, 64, 64)), ((64, 0), (3, 0, 64)), ((3, 0, 40), (40, 64))]:
        a, b = np.ones(sa, np.float32), np.ones(sb, np.float32)
        np.testing.assert_array_equal(_noblas.matmul(a, b), np.matmul(a, b))


def test_flat_adam_keeps_signed_zeros(monkeypatch):
    # a zero gradient gives an update of -0.0: -0.0 + -0.0 stays -0.0 in the per-parameter
    # kernel, so the flat update must add exactly that (not 0.0) to each parameter
    def run(flat):
        monkeypatch.setattr(Adam, "_run",
                            Adam._run_flat if flat else _runner._KernelOptimizer._run)
        ps = [nn.Parameter(gk.tensor(np.array([-0.0, 0.0, 1.0], np.float32))) for _ in range(2)]
        opt = gk.optim.Adam(ps, lr=0.1)
        for _ in range(2):
            for p in ps:
                p.grad = gk.zeros(3)
            opt.step()
        return [p._data.copy() for p in ps]
    for g, w in zip(run(True), run(False)):
        np.testing.assert_array_equal(np.signbit(g), np.signbit(w))
        np.testing.assert_array_equal(g, w)
    assert np.signbit(run(True)[0][0])


def test_flat_adam_drops_stale_buffers(monkeypatch):
    monkeypatch.setattr(Adam, "_run", Adam._run_flat)
    model = _model(np.float32)
    opt = gk.optim.Adam(model.parameters(), lr=0.01)
    params = list(model.parameters())
    for step in range(4):  # the set of updated parameters changes every step
        _grads(model, step)
        if step % 2:
            params[0].grad = None
        opt.step()
    assert len(_flat._ARENAS[opt]) == 1


# ------------------------------------------------------------------ masks that select


def test_keep_is_selected_with_the_products():
    from gradkit import _backend
    want = _backend._keep_by_where if _noblas.ENABLED else _backend._keep_by_product
    assert _backend.numpy_ns.keep is want


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(64, 64), (32, 16, 8, 8), (5,), ()])
def test_keep_by_where_equals_keep_by_product(dtype, shape):
    from gradkit import _backend
    rng = np.random.default_rng(len(shape))
    g = rng.standard_normal(shape).astype(dtype)
    mask = rng.random(shape) < 0.5
    for special in (None, np.inf, -np.inf, np.nan):
        if special is not None and g.size:
            g.reshape(-1)[:: 3] = special
        want = _backend._keep_by_product(mask, g)
        got = _backend._keep_by_where(mask, g)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("where", [False, True])
def test_relu_backward_selects_as_torch_with_either_keep(monkeypatch, where):
    """ReLU's gradient: an inf or nan upstream gradient stays out where the output is 0, and a
    nan input passes its gradient (PyTorch's threshold_backward), with the where or the product."""
    torch = pytest.importorskip("torch")
    from gradkit import _backend
    keep = _backend._keep_by_where if where else _backend._keep_by_product
    monkeypatch.setattr(_backend.NumpyNamespace, "keep", staticmethod(keep))
    x = np.array([[-1.0, 0.0, 2.0, np.nan], [-0.0, 3.0, -np.inf, np.inf]], np.float32)
    up = np.array([[np.inf, np.nan, 1.5, 2.0], [-np.inf, np.nan, 4.0, -1.0]], np.float32)
    a = gk.tensor(x, requires_grad=True)
    gk.relu(a).backward(gk.tensor(up))
    at = torch.tensor(x, requires_grad=True)
    torch.relu(at).backward(torch.tensor(up))
    np.testing.assert_array_equal(a.grad.numpy(), at.grad.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(32, 16, 8, 8), (64, 64), (3,)])
def test_relu_by_where_equals_relu_by_maximum(dtype, shape):
    from gradkit import _backend
    from gradkit.ops import elementwise
    rng = np.random.default_rng(len(shape))
    a = rng.standard_normal(shape).astype(dtype)
    flat = a.reshape(-1)
    flat[:5] = [-0.0, 0.0, np.nan, -np.inf, np.inf][:flat.size] if flat.size >= 5 else flat[:5]
    want = elementwise._relu_by_maximum(_backend.numpy_ns, a)
    got = elementwise._relu_by_where(_backend.numpy_ns, a)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    want_f = elementwise._relu_by_where if _noblas.ENABLED else elementwise._relu_by_maximum
    assert elementwise.RELU.forward is want_f
