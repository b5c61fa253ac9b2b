"""Linear algebra of empty inputs against PyTorch: the shape and dtype of every result, in the
dtypes PyTorch lets through when there is nothing to compute (float16/bfloat16 for most
kernels; any dtype for eigh, lu and cond), and the errors it keeps for the others."""

import warnings

import pytest

import gradkit

torch = pytest.importorskip("torch")

DTYPES = ["uint8", "int64", "bool", "float16", "bfloat16", "float32", "float64"]
SHAPES = [(0, 0), (2, 0, 0), (0, 3, 3)]


def _pivots(lib, x):
    return lib.zeros(tuple(x.shape[:-1]), dtype=lib.int32)


def _one_arg(name):
    return lambda L, x: getattr(L.linalg, name)(x)


CALLS = {
    **{n: _one_arg(n) for n in (
        "det", "slogdet", "inv", "inv_ex", "cholesky", "cholesky_ex", "eigh", "eigvalsh", "eig",
        "eigvals", "svd", "svdvals", "qr", "lu", "lu_factor", "lu_factor_ex", "cond", "pinv",
        "matrix_rank", "matrix_norm", "norm", "vector_norm", "matrix_exp", "ldl_factor",
        "ldl_factor_ex")},
    "matrix_power": lambda L, x: L.linalg.matrix_power(x, 2),
    "solve": lambda L, x: L.linalg.solve(x, x),
    "solve_ex": lambda L, x: L.linalg.solve_ex(x, x),
    "lstsq": lambda L, x: L.linalg.lstsq(x, x),
    "solve_triangular": lambda L, x: L.linalg.solve_triangular(x, x, upper=True),
    "householder_product": lambda L, x: L.linalg.householder_product(x, x[..., 0]),
    "matrix_norm_2": lambda L, x: L.linalg.matrix_norm(x, ord=2),
    "lu_solve": lambda L, x: L.linalg.lu_solve(x, _pivots(L, x), x),
    "torch.det": lambda L, x: L.det(x), "torch.svd": lambda L, x: L.svd(x),
    "torch.cholesky": lambda L, x: L.cholesky(x), "torch.matrix_exp": lambda L, x: L.matrix_exp(x),
    "Tensor.cholesky": lambda L, x: x.cholesky(), "torch.logdet": lambda L, x: L.logdet(x),
    "torch.inverse": lambda L, x: L.inverse(x), "torch.pinverse": lambda L, x: L.pinverse(x),
    "torch.lu_unpack": lambda L, x: L.lu_unpack(x, _pivots(L, x)),
}


def _describe(r):
    if isinstance(r, tuple):
        return tuple(_describe(x) for x in r)
    return tuple(r.shape), str(r.dtype).split(".")[-1]


def _run(lib, name, shape, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _describe(CALLS[name](lib, lib.zeros(shape, dtype=getattr(lib, dtype))))
        except (RuntimeError, NotImplementedError, TypeError, IndexError, ValueError) as e:
            return type(e)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(CALLS))
def test_empty_input_as_pytorch(name, shape, dtype):
    want = _run(torch, name, shape, dtype)
    assert _run(gradkit, name, shape, dtype) == want


@pytest.mark.parametrize("name", ["det", "cholesky", "svdvals"])
def test_empty_low_precision_result_keeps_its_graph(name):
    x = gradkit.zeros((2, 0, 0), dtype=gradkit.float16, requires_grad=True)
    r = getattr(gradkit.linalg, name)(x)
    assert r.dtype == gradkit.float16 and r.requires_grad
    r.sum().backward()
    assert x.grad is not None and tuple(x.grad.shape) == (2, 0, 0)


def test_non_empty_low_precision_still_refused():
    with pytest.raises(NotImplementedError, match="Half"):
        gradkit.linalg.det(gradkit.zeros((2, 2), dtype=gradkit.float16))
    with pytest.raises(NotImplementedError):
        torch.linalg.det(torch.zeros((2, 2), dtype=torch.float16))
