"""Every registry op called with complex inputs: it matches torch, or raises a clear error (no
raw NumPy error, no silently different answer). Each sample's float arrays become complex
(real part the sample's values, imaginary part fresh normals)."""

import numpy as np
import pytest

import gradkit as gk
from gradkit.functions import REGISTRY

from .samples import SAMPLES

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(7)


def _complexify(a):
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return np.asarray(a + 1j * _rng.standard_normal(a.shape))
    if isinstance(a, list) and a and isinstance(a[0], np.ndarray):
        return [_complexify(x) for x in a]
    return a


def _conv(lib, a):
    if isinstance(a, np.ndarray):
        return lib.tensor(a.copy())
    if isinstance(a, list) and a and isinstance(a[0], np.ndarray):
        return [_conv(lib, x) for x in a]
    return a


def _faces(sample):
    d = REGISTRY[sample.name]
    if not d.function and not d.method:
        return getattr(gk.special, sample.name), getattr(torch.special, sample.name, None)
    if not d.function:
        return getattr(gk.Tensor, sample.name), getattr(torch.Tensor, sample.name, None)
    return getattr(gk, sample.name), (sample.torch(torch) if sample.torch is not None
                                       else getattr(torch, sample.name, None))


# Samples that do not pass yet (each a gap: an op that accepts complex input where PyTorch refuses
# it, gives a different dtype/value, or refuses with an error that does not say "complex").
# Strict xfail: fixing one fails the test until it is removed from this list.
KNOWN = {
    "threshold": "nn.functional.threshold raises NumPy's ValueError on complex input",
    "adaptive_avg_pool1d": "accepts complex input where PyTorch refuses it",
}


def _cases():
    out = []
    for s in SAMPLES:
        if s.pre is not None or s.post is not None:
            continue
        args = [_complexify(a) for a in s.args]
        if not any(isinstance(a, np.ndarray) and a.dtype.kind == "c" or isinstance(a, list)
                   and a and isinstance(a[0], np.ndarray) and a[0].dtype.kind == "c"
                   for a in args):
            continue
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN[s.id])] if s.id in KNOWN else []
        out.append(pytest.param(s, args, id=s.id, marks=marks))
    return out


def _np(t):
    return t.detach().resolve_conj().resolve_neg().numpy() if hasattr(t, "resolve_conj") \
        else t.detach().numpy()


def _same(g, t):
    if isinstance(t, (tuple, list)):
        assert len(g) == len(t)
        for a, b in zip(g, t):
            _same(a, b)
        return
    if isinstance(t, torch.Tensor):
        assert isinstance(g, gk.Tensor)
        assert tuple(g.shape) == tuple(t.shape)
        assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (g.dtype, t.dtype)
        np.testing.assert_allclose(_np(g), _np(t), rtol=1e-7, atol=1e-9, equal_nan=True)
        return
    assert g == t or (g != g and t != t), (g, t)


RAW = ("numpy", "ufunc", "ndarray", "ComplexWarning", "casting", "could not be", "object has no",
       "unsupported operand", "cannot", "'complex'")


@pytest.mark.parametrize("sample,args", _cases())
def test_complex_inputs_match_torch_or_raise_clearly(sample, args):
    gface, tface = _faces(sample)
    try:
        t = tface(*[_conv(torch, a) for a in args], **{k: _conv(torch, v) for k, v in
                                                        sample.kwargs.items()})
        t_err = None
    except Exception as e:  # noqa: BLE001 (any refusal of torch's)
        t, t_err = None, e
    try:
        g = gface(*[_conv(gk, a) for a in args], **{k: _conv(gk, v) for k, v in
                                                     sample.kwargs.items()})
        g_err = None
    except Exception as e:  # noqa: BLE001
        g, g_err = None, e
    if g_err is None:
        assert t_err is None, f"gradkit accepted complex input that torch refuses: {t_err!r}"
        _same(g, t)
        return
    # gradkit refused: a clear error of PyTorch's family, never a raw NumPy/Python one
    assert isinstance(g_err, (RuntimeError, TypeError, ValueError, IndexError)), repr(g_err)
    if t_err is not None:
        assert isinstance(g_err, type(t_err)) or isinstance(t_err, type(g_err)) or \
            isinstance(g_err, RuntimeError) and isinstance(t_err, RuntimeError), \
            (g_err, t_err)
    else:
        msg = str(g_err)
        assert "complex" in msg.lower(), f"unclear refusal: {msg}"
        assert not any(r in msg for r in RAW[:5]) or "not supported" in msg, msg


def _leaves(lib, args):
    """Arguments as tensors; complex arrays require grad (the leaves)."""
    leaves = []

    def conv(a):
        if isinstance(a, np.ndarray):
            t = lib.tensor(a.copy())
            if a.dtype.kind == "c":
                t.requires_grad_(True)
                leaves.append(t)
            return t
        if isinstance(a, list) and a and isinstance(a[0], np.ndarray):
            return [conv(x) for x in a]
        return a
    return [conv(a) for a in args], leaves


def _outputs(out):
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    return [o for o in outs if hasattr(o, "dtype") and (o.dtype.is_complex or
                                                        o.dtype.is_floating_point)]


def _grad_cases():
    # (a sample whose gradient check is an expected failure against torch is a torch bug there)
    return [p for p in _cases() if p.id not in KNOWN and REGISTRY[p.values[0].name].differentiable
            and p.values[0].grad and not any("grad" in k for k in p.values[0].xfail)]


@pytest.mark.parametrize("sample,args", _grad_cases())
def test_complex_gradients_match_torch(sample, args):
    """Where gradkit and torch both compute an op on complex inputs, the gradients of a real
    loss (PyTorch's convention: dL/dRe z + i dL/dIm z) agree."""
    gface, tface = _faces(sample)
    results = []
    for lib, face in ((torch, tface), (gk, gface)):
        a, leaves = _leaves(lib, args)
        try:
            out = face(*a, **{k: _conv(lib, v) for k, v in sample.kwargs.items()})
        except Exception:  # noqa: BLE001 (refusals are judged by the test above)
            return
        outs = [o for o in _outputs(out) if o.requires_grad]
        if not outs or not leaves:
            return
        rng = np.random.default_rng(11)
        loss = 0
        for o in outs:
            w = rng.standard_normal(tuple(o.shape))
            if o.is_complex():
                w = w + 1j * rng.standard_normal(tuple(o.shape))
                loss = loss + (o * lib.tensor(np.conj(w))).real.sum()
            else:
                loss = loss + (o * lib.tensor(w)).sum()
        try:
            grads = lib.autograd.grad(loss, leaves, allow_unused=True)
        except Exception:  # noqa: BLE001
            if lib is torch:  # torch's own autograd refuses (as_strided of an overlapping view)
                return
            raise
        results.append([None if g is None else _np(g) for g in grads])
    for gt, gg in zip(*results):
        if gt is None or gg is None:
            assert gt is None or not np.any(gt), "gradkit gave no gradient where torch did"
            continue
        np.testing.assert_allclose(gg, gt, rtol=1e-6, atol=1e-8)
