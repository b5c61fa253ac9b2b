"""A representative part of gradkit's tests, run INSIDE Pyodide (WebAssembly) by run.sh.

torch is not available there, so each result is checked against NumPy formulas written out
here, finite differences (gradcheck) or a property (a training run's accuracy). The file ends
with the number of failed tests, which run_in_pyodide.mjs turns into the exit code.
"""

import os
import sys
import time
import traceback
import warnings

import numpy as np

import gradkit as gk
import gradkit.nn as nn
import gradkit.nn.functional as F
from gradkit.autograd import gradcheck, gradgradcheck
from gradkit.utils.data import DataLoader, TensorDataset

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def close(got, want, rtol=1e-5, atol=1e-6):
    got = got.detach().numpy() if isinstance(got, gk.Tensor) else np.asarray(got)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def rng(seed=0):
    return np.random.default_rng(seed)


# ------------------------------------------------------------------------------------ platform
@test
def test_platform_paths_are_off():
    assert sys.platform == "emscripten", sys.platform
    from gradkit import _malloc
    from gradkit.optim import _blas, _runner, _threads
    from gradkit.utils.data import dataloader
    assert _threads.NO_THREADS and dataloader._NO_THREADS
    assert _runner._THREADS == 1
    assert _blas._blas_routines(np.dtype(np.float32)) is None
    assert _threads.usable_cpus() is None and _threads._sched_getcpu() is None
    assert _malloc.tune() is False
    # no BLAS: matrix products go through einsum's loops (gradkit/_noblas.py)
    from gradkit import _backend, _noblas
    assert _noblas.ENABLED and _backend.numpy_ns.matmul is _noblas.matmul
    # a bool mask selects through np.where (a product would cast the mask element by element)
    assert _backend.numpy_ns.keep is _backend._keep_by_where
    # and ReLU's forward and backward run on the WebAssembly SIMD module in float32 (a
    # comparison and a bit mask per lane: where's values bit for bit, any layout, -0.0 and NaN)
    from gradkit.ops import elementwise
    assert elementwise.RELU.forward is elementwise._relu_by_simd
    special = np.float32([-0.0, 0.0, np.nan, -np.nan, 1e-45, -1e-45, np.inf, -np.inf, -2, 3])
    for x in (np.concatenate([special, rng(4).standard_normal(4099).astype(np.float32)]),
              rng(5).standard_normal((33, 70)).astype(np.float32)[:, ::3], special[:3]):
        got = elementwise._relu_by_simd(None, x)
        want = np.where(x <= 0, np.float32(0), x)  # (NumPy's maximum gives the same)
        assert got.dtype == np.float32 and np.array_equal(got.view(np.uint32),
                                                          want.view(np.uint32))
        g = rng(6).standard_normal(x.shape).astype(np.float32)
        (gb,) = elementwise._relu_b(None, g, (x,), got, None, (True,))
        assert np.array_equal(gb.view(np.uint32),
                              np.where(got != 0, g, np.float32(0)).view(np.uint32))
    a = rng(1).standard_normal((64, 128)).astype(np.float32)
    b = rng(2).standard_normal((128, 80)).astype(np.float32)
    for x, y in ((a, b), (a[:, :20], b[:20]), (a.T.copy().T, b[:, :16])):
        close(_noblas.matmul(x, y), x.astype(np.float64) @ y, rtol=1e-4, atol=1e-4)
    # a matrix times a stack (the LSTM's input projection): one product of the stack's columns
    s = rng(3).standard_normal((6, 128, 40)).astype(np.float32)
    close(_noblas.matmul(a, s), a.astype(np.float64) @ s, rtol=1e-4, atol=1e-4)
    # float32 products with rows at least 8 wide run on the WebAssembly SIMD kernel
    # (gradkit/_wasm_simd.py), loaded into Pyodide's memory; every layout, out= (row-major,
    # transposed, or the left operand itself), 4-column and 1-3 column remainders
    assert _noblas._simd is not None and _noblas._simd_fits(np.dtype(np.float32), 20)
    for x, y in ((a, b), (a[:, :20], b[:20, :20]), (a.T.copy().T, b[:, :36]), (a[:9], b[:, 8:16]),
                 (a, b[:, :65]), (a[:, :20], b[:20, :11])):
        want = x.astype(np.float64) @ y
        close(_noblas.matmul(x, y), want, rtol=1e-4, atol=1e-4)
        for out in (np.empty(want.shape, np.float32), np.empty(want.shape[::-1], np.float32).T):
            assert _noblas.matmul(x, y, out=out) is out
            close(out, want, rtol=1e-4, atol=1e-4)
    # it takes the array objects (id(), no address look-ups; NumPy's layout checked at load)
    # and reads a strided left operand in place: the same values as on a row-major copy
    assert _noblas._simd_obj is not None and _noblas.matmul is _noblas._matmul_simd_objects
    for x in (a.T.copy().T, b.T[:, :100], a[::-2, 3::3], b[::3].T):
        y = b[:x.shape[1], :40]
        want = _noblas.matmul(np.ascontiguousarray(x), y)
        assert np.array_equal(_noblas.matmul(x, y), want)
        out = np.empty(want.shape, np.float32)
        assert _noblas.matmul(x, y, out=out) is out and np.array_equal(out, want)
    # a Linear layer's forward adds its bias in the same kernel pass: the same values
    from gradkit.ops import linear as linear_op
    assert linear_op._matmul_bias is _noblas.matmul_bias is not None
    for x, w in ((a, b.T[:64]), (a[:, :20], b[:20, :11].T), (a[::2, ::3], b[:43, :70].T)):
        bias = rng(7).standard_normal(w.shape[0]).astype(np.float32)
        want = _noblas.matmul(x, w.T)
        want += bias
        assert np.array_equal(linear_op._linear_f(np, x, w, bias), want)
    x3 = rng(8).standard_normal((4, 16, 128)).astype(np.float32)
    want = _noblas.matmul(x3.reshape(64, 128), b[:, :65]).reshape(4, 16, 65) + b[0, :65]
    assert np.array_equal(linear_op._linear_f(np, x3, b[:, :65].T, b[0, :65]), want)
    sq = a[:, :64].copy()
    want = sq.astype(np.float64) @ b[:64, :64]
    assert _noblas.matmul(sq, b[:64, :64], out=sq) is sq
    close(sq, want, rtol=1e-4, atol=1e-4)
    # Adam updates each group's small parameters at once (gradkit/optim/_flat.py)
    from gradkit.optim import _flat
    from gradkit.optim.adam import Adam
    assert _flat.ENABLED and Adam._run is Adam._run_flat
    # and, in float32, in one WebAssembly SIMD call (the same values: test_adam_flat_update_...)
    assert _flat._SIMD_ADAM is not None and len(_flat._SIMD_ADAM) == 4


# ------------------------------------------------------------------------------------ autograd
@test
def test_backward_composite():
    a = rng(1).standard_normal((3, 4))
    b = rng(2).standard_normal((4,))
    x = gk.tensor(a, requires_grad=True)
    y = gk.tensor(b, requires_grad=True)
    loss = ((x * y).tanh().sum(1) ** 2).mean() + (x.exp() / (1 + y.abs())).sum()
    loss.backward()
    t = np.tanh(a * b)
    s = t.sum(1, keepdims=True)
    dx = 2 * s / 3 * (1 - t ** 2) * b + np.exp(a) / (1 + np.abs(b))
    dy = (2 * s / 3 * (1 - t ** 2) * a).sum(0) - (np.exp(a).sum(0) * np.sign(b)
                                                   / (1 + np.abs(b)) ** 2)
    want = (s[:, 0] ** 2).mean() + (np.exp(a) / (1 + np.abs(b))).sum()
    close(loss, want, rtol=1e-12)
    close(x.grad, dx, rtol=1e-10)
    close(y.grad, dy, rtol=1e-10)


@test
def test_higher_order():
    a = rng(3).uniform(0.5, 2.0, 5)
    x = gk.tensor(a, requires_grad=True)
    (g,) = gk.autograd.grad((x ** 3 * x.sin()).sum(), x, create_graph=True)
    close(g, 3 * a ** 2 * np.sin(a) + a ** 3 * np.cos(a), rtol=1e-12)
    (h,) = gk.autograd.grad(g.sum(), x)
    close(h, 6 * a * np.sin(a) + 6 * a ** 2 * np.cos(a) - a ** 3 * np.sin(a), rtol=1e-12)
    hess = gk.autograd.functional.hessian(lambda v: (v ** 2).prod(), gk.tensor(a[:3]))
    v = a[:3]
    p = (v ** 2).prod()
    want = 4 * p / np.outer(v, v)
    np.fill_diagonal(want, 2 * p / v ** 2)
    close(hess, want, rtol=1e-10)


@test
def test_gradcheck_conv_pool():
    g = gk.Generator().manual_seed(0)
    x = gk.randn(2, 3, 7, 7, dtype=gk.float64, generator=g, requires_grad=True)
    w = gk.randn(4, 3, 3, 3, dtype=gk.float64, generator=g, requires_grad=True)
    assert gradcheck(lambda x, w: F.max_pool2d(F.conv2d(x, w, padding=1, stride=2), 2), (x, w))
    assert gradgradcheck(lambda x, w: F.conv2d(x, w).tanh(), (x[:1, :, :5, :5].detach()
                                                           .requires_grad_(), w))


# ------------------------------------------------------------------------------------------- nn
@test
def test_linear_forward_backward():
    gk.manual_seed(0)
    lin = nn.Linear(5, 3)
    a = rng(4).standard_normal((6, 5)).astype(np.float32)
    out = lin(gk.tensor(a))
    W, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    close(out, a @ W.T + b, rtol=1e-5)
    (out ** 2).sum().backward()
    go = 2 * (a @ W.T + b)
    close(lin.weight.grad, go.T @ a, rtol=1e-4, atol=1e-5)
    close(lin.bias.grad, go.sum(0), rtol=1e-4, atol=1e-5)


def _conv2d_reference(x, w, b, stride, padding):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh = (h + 2 * padding - kh) // stride + 1
    ow = (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out + b[None, :, None, None]


@test
def test_conv2d_forward_backward():
    gk.manual_seed(1)
    conv = nn.Conv2d(3, 4, 3, stride=2, padding=1).double()
    a = rng(5).standard_normal((2, 3, 9, 8))
    x = gk.tensor(a, requires_grad=True)
    out = conv(x)
    W, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    close(out, _conv2d_reference(a, W, b, 2, 1), rtol=1e-10, atol=1e-12)
    out.sum().backward()
    # d(sum)/db = number of output positions per channel; weights by finite differences
    close(conv.bias.grad, np.full(4, out.shape[0] * out.shape[2] * out.shape[3]), rtol=1e-12)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
                     (x, conv.weight, conv.bias))


@test
def test_batchnorm_forward_backward():
    bn = nn.BatchNorm2d(3).double()
    a = rng(6).standard_normal((4, 3, 5, 5)) * 2 + 1
    out = bn(gk.tensor(a))
    mean = a.mean((0, 2, 3), keepdims=True)
    var = a.var((0, 2, 3), keepdims=True)
    close(out, (a - mean) / np.sqrt(var + 1e-5), rtol=1e-10, atol=1e-10)
    n = a.size / 3
    close(bn.running_mean, 0.1 * mean.ravel(), rtol=1e-12)
    close(bn.running_var, 0.9 + 0.1 * var.ravel() * n / (n - 1), rtol=1e-12)
    x = gk.tensor(a[:, :, :3, :3], requires_grad=True)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                     (x, bn.weight, bn.bias))
    bn.eval()
    close(bn(gk.tensor(a)), (a - bn.running_mean.numpy()[None, :, None, None])
          / np.sqrt(bn.running_var.numpy()[None, :, None, None] + 1e-5), rtol=1e-10)


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


@test
def test_lstm_forward_backward():
    gk.manual_seed(2)
    lstm = nn.LSTM(3, 4, batch_first=True).double()
    a = rng(7).standard_normal((2, 5, 3))
    out, (hn, cn) = lstm(gk.tensor(a))
    Wi, Wh = lstm.weight_ih_l0.detach().numpy(), lstm.weight_hh_l0.detach().numpy()
    bias = lstm.bias_ih_l0.detach().numpy() + lstm.bias_hh_l0.detach().numpy()
    h = np.zeros((2, 4))
    c = np.zeros((2, 4))
    outs = []
    for t in range(5):
        z = a[:, t] @ Wi.T + h @ Wh.T + bias
        i, f, g, o = np.split(z, 4, axis=1)  # PyTorch's gate order
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        outs.append(h)
    close(out, np.stack(outs, 1), rtol=1e-10, atol=1e-12)
    close(hn[0], h, rtol=1e-10, atol=1e-12)
    close(cn[0], c, rtol=1e-10, atol=1e-12)
    x = gk.tensor(a[:, :3], requires_grad=True)
    params = list(lstm.parameters())
    assert gradcheck(lambda x, *p: lstm(x)[0].sum() + lstm(x)[1][1].pow(2).sum(), (x, *params))


# ---------------------------------------------------------------------------------------- optim
def _adam_reference(p, grads, lr, betas, eps, weight_decay=0.0):
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        g = g + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        mhat = m / (1 - betas[0] ** t)
        vhat = v / (1 - betas[1] ** t)
        p = p - lr * mhat / (np.sqrt(vhat) + eps)
    return p


@test
def test_adam_steps():
    # a small parameter and one past the size the optimizer splits between threads natively
    for shape in [(7, 3), (600, 500)]:
        p0 = rng(8).standard_normal(shape)
        grads = [rng(9 + k).standard_normal(shape) for k in range(5)]
        p = nn.Parameter(gk.tensor(p0))
        opt = gk.optim.Adam([p], lr=0.01, betas=(0.8, 0.95), weight_decay=0.1)
        for g in grads:
            p.grad = gk.tensor(g)
            opt.step()
        close(p, _adam_reference(p0, grads, 0.01, (0.8, 0.95), 1e-8, 0.1), rtol=1e-10,
              atol=1e-12)


@test
def test_adam_flat_update_equals_per_parameter():
    from gradkit.optim import _runner
    from gradkit.optim.adam import Adam

    def run(runner, cls, **kw):
        gk.manual_seed(4)
        model = nn.Sequential(nn.Linear(6, 9), nn.Tanh(), nn.Linear(9, 3))
        opt = cls(model.parameters(), lr=0.02, **kw)
        opt._run = runner.__get__(opt)
        for k in range(5):
            for p in model.parameters():
                p.grad = gk.tensor(rng(20 + k).standard_normal(p.shape).astype(np.float32))
            opt.step()
        moments = [opt.state[p][n]._data for p in model.parameters()
                   for n in ("exp_avg", "exp_avg_sq")]
        return [p._data.copy() for p in model.parameters()] + moments, moments
    for cls, kw in ((gk.optim.Adam, {}), (gk.optim.AdamW, {"weight_decay": 0.1}),
                    (gk.optim.Adam, {"maximize": True}), (gk.optim.Adam, {"betas": (0.3, 0.99)})):
        got, moments = run(Adam._run_flat, cls, **kw)
        want, _ = run(_runner._KernelOptimizer._run, cls, **kw)
        assert all(m.base is moments[0].base is not None for m in moments[::2])
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)


# -------------------------------------------------------------------------------- serialization
@test
def test_save_load_round_trip():
    gk.manual_seed(3)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    opt = gk.optim.Adam(model.parameters(), lr=0.1)
    model(gk.randn(5, 4)).sum().backward()
    opt.step()
    folder = "/tmp/gradkit-ckpt"
    os.makedirs(folder, exist_ok=True)
    for fmt, name in [("safetensors", "ckpt.st"), ("torch", "ckpt.pt")]:
        path = os.path.join(folder, name)
        gk.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 4}, path,
                format=fmt)
        # a new file gets open()'s mode: Emscripten's os.umask() reports 0o777 and must not
        # leave an unreadable checkpoint
        with open(os.path.join(folder, "plain"), "wb"):
            pass
        assert (os.stat(path).st_mode & 0o777) == (os.stat(os.path.join(folder, "plain"))
                                                   .st_mode & 0o777), oct(os.stat(path).st_mode)
        back = gk.load(path)
        assert back["epoch"] == 4
        fresh = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        fresh.load_state_dict(back["model"])
        x = gk.randn(3, 4)
        close(fresh(x), model(x).detach().numpy(), rtol=0, atol=0)
        opt2 = gk.optim.Adam(fresh.parameters(), lr=0.1)
        opt2.load_state_dict(back["opt"])
        s1 = opt.state_dict()["state"][0]["exp_avg_sq"].numpy()
        s2 = opt2.state_dict()["state"][0]["exp_avg_sq"].numpy()
        np.testing.assert_array_equal(s1, s2)
        gk.save({"epoch": 5}, path, format=fmt)   # over an existing file
        assert gk.load(path)["epoch"] == 5
    assert sorted(os.listdir(folder)) == ["ckpt.pt", "ckpt.st", "plain"]


# ----------------------------------------------------------------------------------------- data
@test
def test_dataloader_workers_fall_back_with_one_warning():
    x = gk.tensor(rng(10).standard_normal((23, 3)))
    y = gk.arange(23)
    ds = TensorDataset(x, y)
    ref = DataLoader(ds, batch_size=4, shuffle=True, generator=gk.Generator().manual_seed(5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        want = [[b[1].tolist() for b in ref] for _ in range(2)]
    loader = DataLoader(ds, batch_size=4, shuffle=True, num_workers=2,
                        generator=gk.Generator().manual_seed(5))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = [[b[1].tolist() for b in loader] for _ in range(2)]
    msgs = [str(w.message) for w in caught]
    assert len(msgs) == 1 and "calling thread" in msgs[0], msgs
    assert caught[0].category is RuntimeWarning
    assert got == want
    assert sorted(sum(got[0], [])) == list(range(23))


# ------------------------------------------------------------------------------------- training
@test
def test_training_mlp_reaches_accuracy():
    """An MLP 20-64-64-4 on four Gaussian classes: >= 95% accuracy on held-out data."""
    r = rng(11)
    centers = r.standard_normal((4, 20)) * 1.2
    labels = r.integers(0, 4, 1200)
    feats = (centers[labels] + r.standard_normal((1200, 20))).astype(np.float32)
    xtr, ytr = gk.tensor(feats[:1000]), gk.tensor(labels[:1000])
    xte, yte = gk.tensor(feats[1000:]), gk.tensor(labels[1000:])
    gk.manual_seed(4)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 4))
    opt = gk.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(xtr, ytr), batch_size=64, shuffle=True,
                        generator=gk.Generator().manual_seed(6))
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    steps = 0
    first = None
    for _ in range(8):
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            first = loss.item() if first is None else first
            steps += 1
    dt = time.perf_counter() - t0
    model.eval()
    with gk.no_grad():
        acc = (model(xte).argmax(1) == yte).float().mean().item()
    print(f"    MLP: {steps} Adam steps in {dt:.2f} s ({steps / dt:.0f} steps/s), loss "
          f"{first:.3f} -> {loss.item():.3f}, held-out accuracy {acc:.3f}")
    assert loss.item() < first / 4
    assert acc >= 0.95, acc


# ---------------------------------------------------------------------------------------- runner
def _run():
    print(f"gradkit {gk.__version__} on Python {sys.version.split()[0]} ({sys.platform}), "
          f"NumPy {np.__version__}")
    passed = failed = 0
    for fn in TESTS:
        t0 = time.perf_counter()
        try:
            fn()
        except BaseException:  # noqa: BLE001 - reported, counted as a failure
            failed += 1
            print(f"FAILED {fn.__name__}")
            traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print(f"PASSED {fn.__name__} ({time.perf_counter() - t0:.2f} s)")
    print(f"{passed} passed, {failed} failed")
    return failed


FAILED = _run()
if sys.platform != "emscripten":  # natively, as a check of the suite itself
    sys.exit(1 if FAILED else 0)
FAILED  # the value run_in_pyodide.mjs receives
