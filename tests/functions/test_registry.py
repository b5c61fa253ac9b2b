"""Every op of ``gradkit.functions.REGISTRY`` against PyTorch, from the sample table.

For each sample (``samples.py``): the function face against ``torch.<name>`` (values in
float64, shape, dtype; tuples element-wise), the method face against ``torch.Tensor.<name>``,
and for differentiable ops the gradient of a random projection against central differences and
against torch, and second order. Then the generated faces: in-place, ``out=``, aliases and
``gradkit.special``. An op without a sample (or a reasoned exemption) fails ``test_coverage``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from oracle import check_grad, check_second_order, dtype_name

import gradkit as gk
from gradkit.functions import REGISTRY

from .samples import EXEMPT, SAMPLES

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning",
                                        "ignore::RuntimeWarning")

try:  # only to choose the parameters; every test that needs torch takes the fixture
    import torch as _torch
except ImportError:
    _torch = None

RTOL = 1e-9


# ------------------------------------------------------------------ building the calls
class _Leaf:
    """The position of a differentiable tensor in a sample's arguments."""

    def __init__(self, i):
        self.i = i


def _tensor(lib, a, grad=False):
    if lib is gk:
        return gk.tensor(a.copy(), requires_grad=grad)
    return lib.tensor(a.copy(), requires_grad=grad)


def _convert(lib, sample, grad):
    """``(template_args, kwargs, leaves)``: arrays as tensors of ``lib``; float arrays that take a
    gradient are ``_Leaf`` slots filled from ``leaves``."""
    leaves = []

    def conv(a, pos):
        if isinstance(a, np.ndarray):
            if grad and a.dtype.kind == "f" and pos not in sample.nograd:
                leaves.append(_tensor(lib, a, True))
                return _Leaf(len(leaves) - 1)
            return _tensor(lib, a)
        if isinstance(a, list) and a and isinstance(a[0], np.ndarray):
            return [conv(x, pos) for x in a]
        return a

    args = [conv(a, i) for i, a in enumerate(sample.args)]
    kwargs = {k: conv(v, k) for k, v in sample.kwargs.items()}
    return args, kwargs, leaves


def _fill(lib, sample, args, kwargs, xs):
    def f(a):
        if isinstance(a, _Leaf):
            return xs[a.i]
        if isinstance(a, list):
            return [f(b) for b in a]
        return a

    args = [f(a) for a in args]
    kwargs = {k: f(v) for k, v in kwargs.items()}
    if sample.pre is not None:
        args = list(sample.pre(lib, *args))
    return args, kwargs


def _special_only(name):
    """An op PyTorch has only in ``torch.special`` (declared with neither face)."""
    d = REGISTRY[name]
    return not d.function and not d.method


def _torch_face(torch, sample):
    if sample.torch is not None:
        return sample.torch(torch)
    if _special_only(sample.name):
        return getattr(torch.special, sample.name)
    if not REGISTRY[sample.name].function:  # method-only ops (view, expand, repeat, ...)
        return getattr(torch.Tensor, sample.name)
    return getattr(torch, sample.name)


def _gk_face(sample):
    if _special_only(sample.name):
        return getattr(gk.special, sample.name)
    if not REGISTRY[sample.name].function:
        return getattr(gk.Tensor, sample.name)
    return getattr(gk, sample.name)


def _run(lib, face, sample, grad=False):
    """Call ``face`` on the sample's arguments in ``lib``: ``(result, leaves, call)`` where
    ``call(*xs)`` recomputes the result from other leaves."""
    args, kwargs, leaves = _convert(lib, sample, grad)

    def call(*xs):
        a, k = _fill(lib, sample, args, kwargs, xs)
        out = face(*a, **k)
        return out if sample.post is None else sample.post(lib, out)

    return call(*leaves), leaves, call


# ------------------------------------------------------------------ comparing results
def _assert_same(g, t, atol, where="result"):
    torch = _torch
    if isinstance(t, (tuple, list)):
        assert isinstance(g, (tuple, list)), f"{where}: {type(g).__name__}, torch a tuple"
        assert len(g) == len(t), f"{where}: {len(g)} results, torch {len(t)}"
        for i, (a, b) in enumerate(zip(g, t)):
            _assert_same(a, b, atol, f"{where}[{i}]")
        return
    if isinstance(t, torch.Tensor):
        assert isinstance(g, gk.Tensor), f"{where}: {type(g).__name__}, torch a Tensor"
        assert tuple(g.shape) == tuple(t.shape), f"{where}: shape {tuple(g.shape)} vs " \
                                                 f"{tuple(t.shape)}"
        assert dtype_name(g.dtype) == dtype_name(t.dtype), f"{where}: dtype {g.dtype} vs {t.dtype}"
        ga, ta = g.detach().numpy(), t.detach().numpy()
        if ta.dtype.kind in "fc":
            np.testing.assert_allclose(ga, ta, rtol=RTOL, atol=atol, equal_nan=True,
                                       err_msg=where)
        else:
            np.testing.assert_array_equal(ga, ta, err_msg=where)
        return
    assert type(g) is type(t), f"{where}: {type(g).__name__} vs {type(t).__name__}"
    assert g == t, f"{where}: {g!r} vs {t!r}"


def _floats(out):
    """The floating tensors of a result (values of a (values, indices) pair, every factor)."""
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    return [o for o in outs if dtype_name(o.dtype).startswith(("float", "bfloat"))]


def _flat(lib, out):
    """One tensor of every floating output, for the gradient checks."""
    fl = _floats(out)
    if len(fl) == 1 and not isinstance(out, (tuple, list)):
        return fl[0]
    return lib.cat([o.reshape(-1) for o in fl])


def _mark(sample, check, values):
    reason = sample.xfail.get(check)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(*values, id=sample.id, marks=marks)


def _params(check, keep):
    return [_mark(s, check, (s,)) for s in SAMPLES if keep(s)]


def _differentiable(s):
    return REGISTRY[s.name].differentiable and s.grad


# ------------------------------------------------------------------ coverage
def test_coverage():
    """Every registered op has a sample or a reasoned exemption: adding an op without one fails."""
    sampled = {s.name for s in SAMPLES}
    missing = sorted(set(REGISTRY) - sampled - set(EXEMPT))
    assert not missing, f"ops without a sample in tests/functions/samples.py: {missing}"
    unknown = sorted((sampled | set(EXEMPT)) - set(REGISTRY))
    assert not unknown, f"samples or exemptions of ops that are not registered: {unknown}"
    assert not sampled & set(EXEMPT), "an op is both sampled and exempt"
    assert all(reason.strip() for reason in EXEMPT.values())


def test_every_differentiable_op_has_a_gradient_sample():
    no_grad = sorted({s.name for s in SAMPLES if REGISTRY[s.name].differentiable}
                     - {s.name for s in SAMPLES if _differentiable(s)})
    assert not no_grad, f"differentiable ops whose samples all skip gradients: {no_grad}"


# ------------------------------------------------------------------ values
@pytest.mark.parametrize("sample", _params("forward", lambda s: True))
def test_forward_matches_torch(torch, sample):
    g, _, _ = _run(gk, _gk_face(sample), sample)
    t, _, _ = _run(torch, _torch_face(torch, sample), sample)
    _assert_same(g, t, sample.atol)


def _has_method(s):
    d = REGISTRY[s.name]
    return (d.method and d.function and s.method and isinstance(s.args[0], np.ndarray)
            and (_torch is None or hasattr(_torch.Tensor, s.name)))


@pytest.mark.parametrize("sample", _params("method", _has_method))
def test_method_matches_torch(torch, sample):
    def method(lib):
        return lambda self, *a, **k: getattr(self, sample.name)(*a, **k)

    g, _, _ = _run(gk, method(gk), sample)
    t, _, _ = _run(torch, method(torch), sample)
    _assert_same(g, t, sample.atol, "method")


# ------------------------------------------------------------------ gradients
@pytest.mark.parametrize("sample", _params("grad", _differentiable))
def test_gradient_matches_finite_differences(sample):
    _, leaves, call = _run(gk, _gk_face(sample), sample, grad=True)
    assert leaves, "a gradient sample needs a float input"
    check_grad(lambda *xs: _flat(gk, call(*xs)), leaves, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("sample", _params("grad_torch", _differentiable))
def test_gradient_matches_torch(torch, sample):
    g, gl, _ = _run(gk, _gk_face(sample), sample, grad=True)
    t, tl, _ = _run(torch, _torch_face(torch, sample), sample, grad=True)
    g, t = _flat(gk, g), _flat(torch, t)
    u = np.random.default_rng(1).standard_normal(tuple(g.shape))
    ggrads = gk.autograd.grad(g, gl, gk.tensor(u), allow_unused=True)
    tgrads = torch.autograd.grad(t, tl, torch.tensor(u), allow_unused=True)
    for i, (a, b) in enumerate(zip(ggrads, tgrads)):
        a = np.zeros(gl[i].shape) if a is None else a.numpy()
        b = np.zeros(tuple(tl[i].shape)) if b is None else b.resolve_neg().numpy()
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=max(sample.atol, 1e-10),
                                   err_msg=f"gradient of input {i}")


def _second(s):
    return _differentiable(s) and s.second is True


@pytest.mark.parametrize("sample", _params("second", _second))
def test_second_order_matches_finite_differences(sample):
    _, leaves, call = _run(gk, _gk_face(sample), sample, grad=True)
    check_second_order(lambda *xs: _flat(gk, call(*xs)), leaves)


def test_second_order_exemptions_give_a_reason():
    for s in SAMPLES:
        assert s.second is True or (isinstance(s.second, str) and s.second.strip()), s.id


# ------------------------------------------------------------------ faces
def _plain(s):
    """The sample's arguments as tensors without grad."""
    args, kwargs, _ = _convert(gk, s, False)
    return _fill(gk, s, args, kwargs, [])


def _first_per_op(keep):
    seen, out = set(), []
    for s in SAMPLES:
        if s.name not in seen and keep(s):
            seen.add(s.name)
            out.append(s)
    return out


def _inplace_ok(s):
    d = REGISTRY[s.name]
    if d.inplace is None or not isinstance(s.args[0], np.ndarray):
        return False
    res = gk.functions.public_functions().get(s.name, d.impl)(*_plain(s)[0], **_plain(s)[1])
    return tuple(res.shape) == s.args[0].shape  # in place needs the result's shape


@pytest.mark.parametrize("sample", _params("inplace", _inplace_ok))
def test_inplace_face(torch, sample):
    args, kwargs = _plain(sample)
    x = args[0]
    expected = getattr(gk, sample.name)(*args, **kwargs)
    y = x.clone()
    r = getattr(y, sample.name + "_")(*args[1:], **kwargs)
    assert r is y
    assert dtype_name(y.dtype) == dtype_name(x.dtype)
    np.testing.assert_allclose(y.numpy(), expected.numpy().astype(y.numpy().dtype), rtol=RTOL,
                               atol=sample.atol)
    if hasattr(torch.Tensor, sample.name + "_"):
        targs, tkw = _fill(torch, sample, *_convert(torch, sample, False)[:2], [])
        ty = targs[0].clone()
        getattr(ty, sample.name + "_")(*targs[1:], **tkw)
        _assert_same(y, ty, sample.atol, "in place")


def _inplace_grad_ok(s):
    return (_differentiable(s) and _inplace_ok(s) and s.args[0].dtype.kind == "f"
            and 0 not in s.nograd and _torch is not None
            and hasattr(_torch.Tensor, s.name + "_"))


def _inplace_gradients(lib, sample, u):
    """The gradients of ``sum(u * y)`` after ``y = x * 1; y.<op>_(...)``: the op's backward
    reads its input's values from before the write (``sin_``'s cosine, ``clamp_min_``'s mask)."""
    args, kwargs, leaves = _convert(lib, sample, True)
    args, kwargs = _fill(lib, sample, args, kwargs, leaves)
    y = args[0] * 1
    getattr(y, sample.name + "_")(*args[1:], **kwargs)
    loss = (y * lib.tensor(u)).sum()
    if loss.is_complex():
        loss = loss.real + loss.imag
    return lib.autograd.grad(loss, leaves, allow_unused=True), leaves


@pytest.mark.parametrize("sample", _params("inplace_grad", _inplace_grad_ok))
def test_inplace_face_gradient_matches_torch(torch, sample):
    u = np.random.default_rng(2).standard_normal(sample.args[0].shape)
    ggrads, gl = _inplace_gradients(gk, sample, u)
    try:
        tgrads, tl = _inplace_gradients(torch, sample, u)
    except NotImplementedError as e:  # (PyTorch has no derivative for asinh_, acosh_, atanh_)
        pytest.skip(f"PyTorch: {e}")
    for i, (a, b) in enumerate(zip(ggrads, tgrads)):
        a = np.zeros(gl[i].shape) if a is None else a.numpy()
        b = np.zeros(tuple(tl[i].shape)) if b is None else b.resolve_neg().numpy()
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=max(sample.atol, 1e-10),
                                   err_msg=f"gradient of input {i}")


def _public(lib, name):
    """The op's public function: ``lib.name``, or ``lib.special.name`` for an op declared
    only there (``xlog1py``, ``zeta``)."""
    return getattr(lib, name, None) or getattr(lib.special, name)


@pytest.mark.parametrize("sample", _params("out", lambda s: REGISTRY[s.name].out))
def test_out_face(torch, sample):
    args, kwargs = _plain(sample)
    face = _public(gk, sample.name)
    expected = face(*args, **kwargs)
    if sample.torch is None and sample.post is None:  # torch's out= form of the same call
        targs, tkw = _fill(torch, sample, *_convert(torch, sample, False)[:2], [])
        tres = _public(torch, sample.name)(*targs, **tkw)
        tout = (tuple(torch.empty(0, dtype=r.dtype) for r in tres)
                if isinstance(tres, tuple) else torch.empty(0, dtype=tres.dtype))
        try:
            _public(torch, sample.name)(*targs, **tkw, out=tout)
        except TypeError:  # no out= form for these arguments (sum without dim): gradkit neither
            out = gk.zeros(0, dtype=expected.dtype) if not isinstance(expected, tuple) else \
                tuple(gk.zeros(0, dtype=e.dtype) for e in expected)
            with pytest.raises(TypeError):
                face(*args, **kwargs, out=out)
            return
    if isinstance(expected, tuple):
        out = tuple(gk.zeros(tuple(e.shape), dtype=e.dtype) for e in expected)
        r = face(*args, **kwargs, out=out)
        assert all(a is b for a, b in zip(r, out))
    else:
        out = gk.zeros(tuple(expected.shape), dtype=expected.dtype)
        r = face(*args, **kwargs, out=out)
        assert r is out
    _assert_same_gk(r, expected)
    # an empty out is resized, as in PyTorch
    if not isinstance(expected, tuple):
        empty = gk.zeros(0, dtype=expected.dtype)
        assert face(*args, **kwargs, out=empty) is empty
        _assert_same_gk(empty, expected)


def _assert_same_gk(a, b):
    if isinstance(b, tuple):
        for x, y in zip(a, b):
            _assert_same_gk(x, y)
        return
    assert tuple(a.shape) == tuple(b.shape) and a.dtype == b.dtype
    np.testing.assert_array_equal(a.numpy(), b.numpy())


_ALIASES = [(s, alias) for s in _first_per_op(lambda s: REGISTRY[s.name].aliases)
            for alias in REGISTRY[s.name].aliases if not alias.startswith("special:")]
_SPECIAL = [(s, alias.split(":", 1)[1]) for s in _first_per_op(lambda s: True)
            for alias in REGISTRY[s.name].aliases if alias.startswith("special:")]


@pytest.mark.parametrize("sample,alias", [pytest.param(s, a, id=a) for s, a in _ALIASES])
def test_alias_faces(torch, sample, alias):
    d = REGISTRY[sample.name]
    args, kwargs = _plain(sample)
    expected = getattr(gk, sample.name)(*args, **kwargs)
    if d.function:
        _assert_same_gk(getattr(gk, alias)(*args, **kwargs), expected)
        t, _, _ = _run(torch, getattr(torch, alias), sample)
        _assert_same(getattr(gk, alias)(*args, **kwargs), t, sample.atol, alias)
    if d.method:
        _assert_same_gk(getattr(args[0], alias)(*args[1:], **kwargs), expected)
    if d.inplace is not None:
        assert hasattr(gk.Tensor, alias + "_"), f"Tensor.{alias}_ missing"


@pytest.mark.parametrize("sample,name", [pytest.param(s, n, id=n) for s, n in _SPECIAL])
def test_special_faces_match_torch_special(torch, sample, name):
    assert hasattr(torch.special, name), f"torch.special has no {name}"
    g, _, _ = _run(gk, getattr(gk.special, name), sample)
    t, _, _ = _run(torch, getattr(torch.special, name), sample)
    _assert_same(g, t, sample.atol, f"special.{name}")


def test_special_holds_exactly_the_declared_names():
    declared = {a.split(":", 1)[1] for d in REGISTRY.values() for a in d.aliases
                if a.startswith("special:")}
    assert set(gk.functions.special_functions()) == declared
    for name in declared:
        assert callable(getattr(gk.special, name))


def test_every_face_is_installed():
    for name, d in REGISTRY.items():
        plain = [name] + [a for a in d.aliases if not a.startswith("special:")]
        for n in plain:
            assert hasattr(gk, n) == d.function, f"gradkit.{n}"
            if d.method:
                assert hasattr(gk.Tensor, n), f"Tensor.{n}"
            if d.inplace is not None:
                assert hasattr(gk.Tensor, n + "_"), f"Tensor.{n}_"


def test_warnings_do_not_hide_failures(torch):
    # the module ignores torch's deprecation warnings (torch.cholesky, torch.qr, ...): make sure
    # the filter does not turn errors into passes
    with pytest.raises(AssertionError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _assert_same(gk.tensor([1.0]), torch.tensor([2.0]), 0.0)
