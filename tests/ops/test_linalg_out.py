"""``out=`` on every gradkit.linalg function that has it in PyTorch: the written values, the
returned object, the dtype each function takes for out, the resize warning, and the refusal of
an out= call on a graph that requires grad -- each against PyTorch."""

import warnings

import numpy as np
import pytest

import gradkit

torch = pytest.importorskip("torch")

_R = np.random.default_rng(0)
_A = _R.standard_normal((3, 3)).astype(np.float32)
_S = (_A @ _A.T + 3 * np.eye(3)).astype(np.float32)
_B = _R.standard_normal((3, 2)).astype(np.float32)
_V = _R.standard_normal(3).astype(np.float32)

# name -> (positional arrays, keyword arguments)
CALLS = {
    "cholesky": ((_S,), {}), "cholesky_ex": ((_S,), {}), "cond": ((_A,), {}),
    "cross": ((_V, _V[::-1].copy()), {}), "det": ((_A,), {}), "eig": ((_A,), {}),
    "eigh": ((_S,), {}), "eigvals": ((_A,), {}), "eigvalsh": ((_S,), {}),
    "householder_product": ((_A, _V[:2].copy()), {}), "inv": ((_A,), {}), "inv_ex": ((_A,), {}),
    "lstsq": ((_A, _B), {}), "lu": ((_A,), {}), "lu_factor": ((_A,), {}),
    "lu_factor_ex": ((_A,), {}), "matmul": ((_A, _B), {}), "matrix_norm": ((_A,), {}),
    "matrix_power": ((_A, 2), {}), "matrix_rank": ((_A,), {}), "multi_dot": (([_A, _B],), {}),
    "norm": ((_A,), {}), "pinv": ((_A,), {}), "qr": ((_A,), {}), "slogdet": ((_A,), {}),
    "solve": ((_A, _B), {}), "solve_ex": ((_A, _B), {}),
    "solve_triangular": ((_A, _B), {"upper": True}), "svd": ((_A,), {}), "svdvals": ((_A,), {}),
    "tensorinv": ((_R.standard_normal((4, 2, 2)).astype(np.float32),), {"ind": 1}),
    "tensorsolve": ((_A, _V), {}), "vecdot": ((_V, _V), {}), "vector_norm": ((_V,), {}),
}


def _args(lib, args):
    def one(a):
        if isinstance(a, np.ndarray):
            return lib.tensor(a)
        if isinstance(a, list):
            return [one(x) for x in a]
        return a
    return [one(a) for a in args]


def _first(args):
    return args[0][0] if isinstance(args[0], list) else args[0]


def _call(lib, name, out, grad=False):
    args, kwargs = CALLS[name]
    args = _args(lib, args)
    if grad:
        _first(args).requires_grad_(True)
    return getattr(lib.linalg, name)(*args, **kwargs, out=out)


def _plain(lib, name):
    args, kwargs = CALLS[name]
    return getattr(lib.linalg, name)(*_args(lib, args), **kwargs)


def _outs(lib, like, dtype=None, shape=(0,)):
    if isinstance(like, tuple):
        return tuple(_outs(lib, x, dtype if x.dtype.is_floating_point or x.dtype.is_complex
                           else None, shape) for x in like)
    return lib.zeros(shape, dtype=dtype or getattr(lib, str(like.dtype).split(".")[-1]))


def _flat(r):
    return list(r) if isinstance(r, tuple) else [r]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_out_holds_the_result_and_is_returned(name):
    want = _plain(torch, name)
    out = _outs(gradkit, want)
    got = _call(gradkit, name, out)
    for o, g in zip(_flat(out), _flat(got)):
        assert o is g
    assert type(got).__name__ == type(_call(torch, name, _outs(torch, want))).__name__
    for o, w in zip(_flat(out), _flat(_plain(gradkit, name))):
        assert o.dtype == w.dtype and tuple(o.shape) == tuple(w.shape)
        np.testing.assert_allclose(o.numpy(), w.numpy(), rtol=1e-6, atol=1e-6)
    for o, w in zip(_flat(out), _flat(want)):
        assert tuple(o.shape) == tuple(w.shape) and str(o.dtype) == str(w.dtype).replace(
            "torch", "gradkit")


@pytest.mark.parametrize("dtype", ["float64", "complex64", "int64"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_out_dtype_rule_as_pytorch(name, dtype):
    want = _plain(torch, name)
    try:
        _call(torch, name, _outs(torch, want, getattr(torch, dtype)))
        expected = None
    except Exception as e:  # noqa: BLE001 (the type is compared)
        expected = type(e)
    if expected is None:
        got = _call(gradkit, name, _outs(gradkit, want, getattr(gradkit, dtype)))
        ref = _call(torch, name, _outs(torch, want, getattr(torch, dtype)))
        for g, r in zip(_flat(got), _flat(ref)):
            assert str(g.dtype).split(".")[-1] == str(r.dtype).split(".")[-1]
    else:
        with pytest.raises(expected):
            _call(gradkit, name, _outs(gradkit, want, getattr(gradkit, dtype)))


@pytest.mark.parametrize("name", ["inv", "svd", "vector_norm", "lstsq"])
def test_wrong_shaped_out_is_resized_with_a_warning(name):
    want = _plain(torch, name)
    out = _outs(gradkit, want, shape=(5,))
    with pytest.warns(UserWarning, match="resized"):
        _call(gradkit, name, out)
    for o, w in zip(_flat(out), _flat(want)):
        assert tuple(o.shape) == tuple(w.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _call(gradkit, name, _outs(gradkit, want))  # an empty out: no warning


@pytest.mark.parametrize("name", sorted(CALLS))
def test_out_on_a_graph_that_requires_grad_as_pytorch(name):
    """Refused by the kernels with an out= form; a recorded copy in the composite ones."""
    want = _plain(torch, name)
    try:
        ref = _flat(_call(torch, name, _outs(torch, want), grad=True))
    except RuntimeError as e:
        assert "automatic differentiation" in str(e)
        with pytest.raises(RuntimeError, match="automatic differentiation"):
            _call(gradkit, name, _outs(gradkit, want), grad=True)
        with gradkit.no_grad():
            _call(gradkit, name, _outs(gradkit, want), grad=True)
        return
    got = _flat(_call(gradkit, name, _outs(gradkit, want), grad=True))
    assert [g.requires_grad for g in got] == [r.requires_grad for r in ref]
    if ref[0].requires_grad:
        args = _args(gradkit, CALLS[name][0])
        _first(args).requires_grad_(True)
        out = _outs(gradkit, want)
        getattr(gradkit.linalg, name)(*args, **CALLS[name][1], out=out).abs().sum().backward()
        assert _first(args).grad is not None


@pytest.mark.parametrize("name", ["matrix_exp", "vander", "diagonal"])
def test_no_out_where_pytorch_has_none(name):
    x = torch.randn(3, 3)
    with pytest.raises(TypeError):
        getattr(torch.linalg, name)(x, out=torch.empty(0))
    with pytest.raises(TypeError):
        getattr(gradkit.linalg, name)(gradkit.randn(3, 3), out=gradkit.empty(0))


@pytest.mark.parametrize("n", list(range(-9, 10)) + [16, 17, -32])
def test_matrix_power_out_dtype_rule_by_power_as_torch(n):
    # PyTorch copies n = 0, 1 and powers of two above 2 into out (a float32 out of a float64
    # result is taken) but writes the others with matmul/inv's out= (the result's dtype only);
    # gradkit asked for the result's dtype for every n (op fuzzer's linalg out= cases, seed 33)
    outcome = {}
    for m in (torch, gradkit):
        x = m.eye(3, dtype=m.float64) * 2
        out = m.empty(0)
        try:
            m.linalg.matrix_power(x, n, out=out)
            outcome[m] = ("ok", out.tolist())
        except RuntimeError:
            outcome[m] = ("RuntimeError",)
    assert outcome[gradkit] == outcome[torch]
