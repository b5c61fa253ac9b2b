"""The oracle helpers every op and layer test shares.

- ``t64``: a float64 test tensor from a seeded RNG;
- ``check_grad``: the analytical gradient of ``fn`` against central differences in float64,
  projected on a random direction (cheap, and exact enough to catch any wrong rule);
- ``check_second_order``: ``check_grad`` of the first-order gradient (built with create_graph);
- ``to_torch``, ``assert_close``, ``dtype_name``: moving values to PyTorch and comparing them;
- ``both``: run one function in gradkit and in PyTorch on the same arrays and compare values,
  dtypes and the gradients of a random projection;
- ``copy_weights_to_torch``, ``compare_layer``: the same for a layer and its PyTorch twin
  (outputs, input and parameter gradients).
"""

from __future__ import annotations

import warnings

import numpy as np

import gradkit as gk

__all__ = ["assert_close", "both", "check_grad", "check_second_order", "compare_layer",
           "copy_weights_to_torch", "dtype_name", "t64", "to_torch"]


# ------------------------------------------------------------------ inputs and values
def t64(rng, *shape, requires_grad=True, low=None, high=None):
    """A float64 tensor of standard-normal (or uniform [low, high)) values."""
    if low is not None:
        arr = rng.uniform(low, high, size=shape)
    else:
        arr = rng.standard_normal(shape)
    return gk.tensor(arr, dtype=gk.float64, requires_grad=requires_grad)


def to_torch(torch, x, requires_grad=None):
    """A torch tensor with the same values (and requires_grad) as gradkit tensor ``x``."""
    arr = x.detach().numpy().copy()
    t = torch.from_numpy(arr)
    rg = x.requires_grad if requires_grad is None else requires_grad
    return t.requires_grad_(rg) if rg else t


def _array(v):
    if isinstance(v, gk.Tensor):
        return v.detach().numpy()
    if hasattr(v, "detach"):
        return v.detach().cpu().numpy()
    return np.asarray(v)


def assert_close(a, b, atol=1e-5, rtol=1e-5):
    """Compare gradkit/torch/numpy values."""
    np.testing.assert_allclose(_array(a), _array(b), atol=atol, rtol=rtol)


def dtype_name(d):
    """``float64`` for ``gk.float64``, ``torch.float64`` and ``np.float64`` alike."""
    return str(d).replace("torch.", "").replace("gradkit.", "")


# ------------------------------------------------------------------ finite differences
def check_grad(fn, inputs, *, eps=1e-6, atol=1e-6, rtol=1e-5, seed=0, create_graph=False):
    """Assert d<u, fn(inputs)>/d inputs matches central differences along random directions.

    ``fn`` maps a list of float64 tensors to one tensor. Each input that requires grad is
    checked along its own random direction v: (f(x + eps v) - f(x - eps v)) / 2 eps . u
    against <grad, v>.
    """
    rng = np.random.default_rng(seed)
    out = fn(*inputs)
    u = rng.standard_normal(out.shape)
    targets = [x for x in inputs if isinstance(x, gk.Tensor) and x.requires_grad]
    grads = gk.autograd.grad(out, targets, gk.tensor(u, dtype=out.dtype), allow_unused=True,
                             create_graph=create_graph)
    for x, g in zip(targets, grads):
        v = rng.standard_normal(x.shape)
        orig = x.detach().numpy().copy()
        with gk.no_grad():
            x.data.copy_(gk.tensor(orig + eps * v))
            plus = fn(*inputs).numpy().copy()  # a view would change with x
            x.data.copy_(gk.tensor(orig - eps * v))
            minus = fn(*inputs).numpy().copy()
            x.data.copy_(gk.tensor(orig))
        numeric = float(((plus - minus) / (2 * eps) * u).sum())
        analytic = 0.0 if g is None else float((g.detach().numpy() * v).sum())
        assert abs(numeric - analytic) <= atol + rtol * abs(numeric), (
            f"gradient mismatch: numeric {numeric!r} vs analytic {analytic!r}")
    return grads


def check_second_order(fn, inputs, seed=1):
    """check_grad of the first-order gradient <u, d fn / d inputs> (computed with create_graph),
    as a function of the inputs and of the output gradient u (as PyTorch's gradgradcheck): the
    gradient of a linear op does not depend on its inputs but does on u, so every op has a
    second order to check."""
    rng = np.random.default_rng(seed)
    out = fn(*inputs)
    u = gk.tensor(rng.standard_normal(out.shape), dtype=out.dtype, requires_grad=True)
    w = [gk.tensor(rng.standard_normal(x.shape), dtype=x.dtype) for x in inputs]
    n = len(inputs)

    def first(*xs_u):
        xs, u = xs_u[:n], xs_u[n]
        outer = gk.is_grad_enabled()
        with gk.enable_grad():
            gs = gk.autograd.grad(fn(*xs), list(xs), u, create_graph=outer,
                                  materialize_grads=True)
        # a scalar mixing every gradient, so each second derivative is checked
        total = None
        for g, wi in zip(gs, w):
            term = (g * wi).sum() + (g * g).sum()
            total = term if total is None else total + term
        return total

    return check_grad(first, list(inputs) + [u])


# ------------------------------------------------------------------ PyTorch as the oracle
def both(torch, fn, *arrays, grad=True, seed=0, atol=1e-10):
    """Run ``fn(lib, *tensors)`` in gradkit and torch on the same arrays; compare the values,
    the dtype and (for float inputs when ``grad``) the gradients of a random projection."""
    gx = [gk.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    tx = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    go, to = fn(gk, *gx), fn(torch, *tx)
    gos = go if isinstance(go, tuple) else (go,)
    tos = to if isinstance(to, tuple) else (to,)
    assert len(gos) == len(tos)
    for g, t in zip(gos, tos):
        assert tuple(g.shape) == tuple(t.shape)
        assert dtype_name(g.dtype) == dtype_name(t.dtype), (g.dtype, t.dtype)
        assert_close(g, t, atol=atol)
    if grad and gos[0].requires_grad:  # of a (values, indices) pair: the values
        u = np.random.default_rng(seed).standard_normal(tuple(gos[0].shape))
        (gos[0] * gk.tensor(u)).sum().backward()
        (tos[0] * torch.tensor(u)).sum().backward()
        for a, b in zip(gx, tx):
            if b.grad is not None or a.grad is not None:
                assert_close(a.grad if a.grad is not None else np.zeros(a.shape),
                             b.grad if b.grad is not None else np.zeros(tuple(b.shape)),
                             atol=atol)
    return go


def copy_weights_to_torch(torch, g_mod, t_mod):
    """Load gradkit's state_dict into the torch module (so both hold the same weights)."""
    sd = {k: torch.from_numpy(np.array(v.numpy(), copy=True)) for k, v in
          g_mod.state_dict().items()}
    t_mod.load_state_dict(sd)


def compare_layer(torch, g_mod, t_mod, inputs, *, grad_inputs=None, atol=1e-5, rtol=1e-5,
                  seed=0, train=True):
    """Run both modules on ``inputs`` (NumPy arrays); compare outputs, input gradients and
    parameter gradients. Integer arrays are passed without grad."""
    copy_weights_to_torch(torch, g_mod, t_mod)
    g_mod.train(train)
    t_mod.train(train)
    if grad_inputs is None:
        grad_inputs = [a.dtype.kind == "f" for a in inputs]
    g_in = [gk.tensor(a, requires_grad=r) for a, r in zip(inputs, grad_inputs)]
    t_in = [torch.from_numpy(np.array(a, copy=True)).requires_grad_(r)
            for a, r in zip(inputs, grad_inputs)]
    out_g = g_mod(*g_in)
    out_t = t_mod(*t_in)
    # assert_allclose broadcasts a 0-d or size-1 side: compare the shapes first
    assert tuple(out_g.shape) == tuple(out_t.shape), (tuple(out_g.shape), tuple(out_t.shape))
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), atol=atol,
                               rtol=rtol, err_msg="forward output")
    u = np.random.default_rng(seed).standard_normal(tuple(out_g.shape)).astype(
        out_g.detach().numpy().dtype)
    (out_g * gk.tensor(u)).sum().backward()
    (out_t * torch.from_numpy(u)).sum().backward()
    for i, (a, b) in enumerate(zip(g_in, t_in)):
        if a.requires_grad:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol, rtol=rtol,
                                       err_msg=f"gradient of input {i}")
    t_params = dict(t_mod.named_parameters())
    for name, p in g_mod.named_parameters():
        tp = t_params[name]
        if tp.grad is None:
            assert p.grad is None or float(p.grad.abs().sum()) == 0.0, name
            continue
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=atol, rtol=rtol,
                                   err_msg=f"gradient of parameter {name}")
    return out_g, out_t


def run_quietly(lib, fn):
    """``(fn(lib), None)``, or ``(None, the exception)`` it raises; warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(lib), None
        except Exception as e:  # noqa: BLE001 - compared with PyTorch's
            return None, e


def _outcome(lib, fn):
    """What ``fn(lib)`` gives: ("raises", type name) or (dtype, shape, values, requires_grad)."""
    try:
        r = fn(lib)
    except Exception as e:  # noqa: BLE001 - compared with PyTorch's
        kind = type(e).__name__
        return ("raises", "RuntimeError" if kind.endswith("LinAlgError") else kind)
    rs = r if isinstance(r, tuple) else (r,)
    return [(str(t.dtype).split(".")[-1], tuple(t.shape), np.asarray(t.detach().tolist()),
             t.requires_grad) for t in rs]


def same_as_torch(torch, fn):
    """``fn(torch)`` and ``fn(gradkit)`` agree: the same error type, or the same dtypes, shapes,
    requires_grad and values (signs of zeros and NaNs included)."""
    want, got = _outcome(torch, fn), _outcome(gk, fn)
    if want[0] == "raises" or got[0] == "raises":
        assert got == want
        return
    assert len(got) == len(want)
    for (gd, gs, gv, gr), (td, ts, tv, tr) in zip(got, want):
        assert (gd, gs, gr) == (td, ts, tr)
        z = tv == 0  # the sign of a zero too
        np.testing.assert_array_equal(np.signbit(gv[z]), np.signbit(tv[z]))
        np.testing.assert_allclose(gv, tv, rtol=1e-6, equal_nan=True)
