"""Dtypes PyTorch's linear algebra takes where a check could refuse them, against torch:
lu_unpack of any LU_data dtype, dist of an integer beside a floating tensor, the vector and
matrix norms in float16/bfloat16 (accumulated in float32), kron(out=) of any layout, and
matrix_exp in float16 refused (torch's result there is nonsense), linalg.vander's integer
powers in int64 and its refusal of bool/float16/bfloat16."""

import warnings

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

R = np.random.default_rng(7)


def _outcome(fn, lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn(lib)
        except Exception as e:  # noqa: BLE001 (compared across the two libraries)
            return type(e)
    out = list(out) if isinstance(out, tuple) else [out]
    return [(str(o.dtype).split(".")[-1], o.detach().float().numpy()) for o in out]


def _same(fn):
    g, t = _outcome(fn, gk), _outcome(fn, torch)
    if isinstance(t, type):
        assert isinstance(g, type) and issubclass(g, t), (g, t)
        return
    assert not isinstance(g, type), f"gradkit raised {g.__name__} where torch did not"
    assert len(g) == len(t)
    for (gd, ga), (td, ta) in zip(g, t):
        assert gd == td and ga.shape == ta.shape
        # one unit in the last place of the dtype (float32 sums in another order)
        np.testing.assert_allclose(ga, ta, rtol=ULP.get(gd, 0), atol=0)


ULP = {"float64": 1e-15, "float32": 1.2e-7, "float16": 1e-3, "bfloat16": 8e-3}


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool", "uint8", "int8", "float16",
                                   "bfloat16", "float32"])
@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 5), (2, 3, 3)])
def test_lu_unpack_takes_every_dtype_as_torch(dtype, shape):
    a = R.integers(-2, 3, shape) * 1.5
    k = min(shape[-2:])
    piv = np.broadcast_to(np.array([2, 3, 3][:k], dtype=np.int32), shape[:-2] + (k,)).copy()
    _same(lambda m: m.lu_unpack(m.tensor(a).to(getattr(m, dtype)), m.tensor(piv)))
    _same(lambda m: m.lu_unpack(m.tensor(a).to(getattr(m, dtype)), m.tensor(piv),
                                unpack_pivots=False))


@pytest.mark.parametrize("pair", [("float64", "uint8"), ("int64", "float64"),
                                  ("int32", "float32"), ("float16", "int64"),
                                  ("int64", "int64"), ("bool", "float64"), ("bool", "bool"),
                                  ("float16", "float64")])
@pytest.mark.parametrize("p", [2, 1.5, 0, float("inf"), 3])
def test_dist_in_the_promoted_dtype_as_torch(pair, p):
    a, b = R.standard_normal((3, 4)) * 3, R.standard_normal((4,)) * 3
    _same(lambda m: m.dist(m.tensor(a).to(getattr(m, pair[0])),
                           m.tensor(b).to(getattr(m, pair[1])), p))


def test_dist_gradient_with_an_integer_operand_as_torch():
    a, b = R.standard_normal((3, 4)), R.integers(-3, 3, (3, 4))
    grads = []
    for lib in (gk, torch):
        x = lib.tensor(a, requires_grad=True)
        lib.dist(x, lib.tensor(b), 1.5).backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


NORMS = {
    "vector_norm": lambda m, x: m.linalg.vector_norm(x),
    "vector_norm_big": lambda m, x: m.linalg.vector_norm(x * 10),  # squares past float16's max
    "vector_norm_3.5_dim": lambda m, x: m.linalg.vector_norm(x, 3.5, dim=0, keepdim=True),
    "vector_norm_0": lambda m, x: m.linalg.vector_norm(x, 0),
    "vector_norm_-inf": lambda m, x: m.linalg.vector_norm(x, -float("inf"), dim=1),
    "matrix_norm_fro": lambda m, x: m.linalg.matrix_norm(x),
    "matrix_norm_1": lambda m, x: m.linalg.matrix_norm(x, 1),
    "matrix_norm_-1": lambda m, x: m.linalg.matrix_norm(x, -1, dim=(1, 0)),
    "matrix_norm_inf": lambda m, x: m.linalg.matrix_norm(x, float("inf"), keepdim=True),
    "matrix_norm_nuc": lambda m, x: m.linalg.matrix_norm(x, "nuc"),  # both raise
    "matrix_norm_2": lambda m, x: m.linalg.matrix_norm(x, 2),
    "linalg.norm": lambda m, x: m.linalg.norm(x),
    "linalg.norm_2": lambda m, x: m.linalg.norm(x, 2),
    "linalg.norm_dim": lambda m, x: m.linalg.norm(x, 3, dim=1),
    "frobenius_norm": lambda m, x: m.frobenius_norm(x, (0, 1)),
    "frobenius_norm_1": lambda m, x: m.frobenius_norm(x, 1, True),
    "nuclear_norm": lambda m, x: m.nuclear_norm(x),
}


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", list(NORMS))
def test_norms_in_low_precision_as_torch(name, dtype):
    a = R.standard_normal((3, 4)) * 100
    _same(lambda m: NORMS[name](m, m.tensor(a).to(getattr(m, dtype))))


def test_vector_norm_float16_gradient_as_torch():
    a = R.standard_normal((3, 4))
    grads = []
    for lib in (gk, torch):
        x = lib.tensor(a).half().requires_grad_(True)
        lib.linalg.vector_norm(x, 3).backward()
        grads.append((str(x.grad.dtype).split(".")[-1], x.grad.float().numpy()))
    assert grads[0][0] == grads[1][0] == "float16"
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=2e-3, atol=1e-4)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_matrix_exp_in_low_precision_raises(dtype):
    # torch's float16 matrix_exp is nonsense (exp(eye(2)) = -20896 on the diagonal): gradkit
    # refuses it (tests/fuzz/fuzzer.py ALLOW) and asks for float32
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bad = torch.matrix_exp(torch.eye(2).to(getattr(torch, dtype))).float()
    assert not np.allclose(bad.numpy(), np.exp(1) * np.eye(2), rtol=0.1)
    with pytest.raises(RuntimeError, match=r"Low precision dtypes not supported.*\.float\(\)"):
        gk.matrix_exp(gk.eye(2).to(getattr(gk, dtype)))


@pytest.mark.parametrize("la,lb", [("t", "c"), ("c", "t"), ("t", "t")])
def test_kron_out_takes_every_layout_as_torch(la, lb):
    # kron's out= variant multiplies into views of out, so no input is viewed
    a, b = R.standard_normal((2, 3)), R.standard_normal((3, 2))
    res = []
    for lib in (gk, torch):
        x = lib.tensor(np.ascontiguousarray(a.T)).t() if la == "t" else lib.tensor(a)
        y = lib.tensor(np.ascontiguousarray(b.T)).t() if lb == "t" else lib.tensor(b)
        out = lib.empty(0, dtype=lib.float64)
        lib.kron(x, y, out=out)
        res.append(out.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-12)
    np.testing.assert_allclose(res[0], np.kron(a, b), rtol=1e-12)
    with pytest.raises(RuntimeError, match="view size"):  # without out=: as torch
        x = gk.tensor(np.ascontiguousarray(a.T)).t()
        gk.kron(x, gk.tensor(b))


@pytest.mark.parametrize("dtype", ["int32", "uint8", "int8", "int16", "int64", "bool",
                                   "float16", "bfloat16", "float32"])
@pytest.mark.parametrize("n", [None, 1, 4])
def test_vander_dtypes_as_torch(dtype, n):
    # integer powers are int64 whatever the integer dtype; bool and the low-precision floats
    # are refused before N is checked
    x = np.array([1, -2, 1, 3])
    _same(lambda m: m.linalg.vander(m.tensor(x).to(getattr(m, dtype)), N=n))
    _same(lambda m: m.linalg.vander(m.tensor(2).to(getattr(m, dtype))))
    _same(lambda m: m.linalg.vander(m.tensor(2).to(getattr(m, dtype)), N=n))  # 0-d: (1, N)


@pytest.mark.parametrize("pair", [("float32", "float64"), ("float64", "float32"),
                                  ("float32", "int64"), ("float64", "bool"),
                                  ("float64", "float16"), ("int32", "float64"),
                                  ("float16", "float32")])
@pytest.mark.parametrize("left", [True, False])
def test_solve_triangular_solves_in_the_dtype_of_a_as_torch(pair, left):
    # PyTorch casts B to A's dtype (no promotion): float32 A and float64 B give float32
    # (a dyadic system: the solution is exact in every dtype and summation order)
    a = np.triu(R.integers(-2, 3, (3, 3))) * 1.0 + np.diag([2.0, 4.0, 2.0])
    b = R.integers(0, 2, (3, 2)) * 1.0
    b = b if left else b.T.copy()
    _same(lambda m: m.linalg.solve_triangular(m.tensor(a).to(getattr(m, pair[0])),
                                              m.tensor(b).to(getattr(m, pair[1])),
                                              upper=True, left=left))


@pytest.mark.parametrize("face", ["linalg.vander", "vander"])
def test_vander_of_more_columns_than_memory_holds_raises_runtime_error(face):
    # PyTorch's allocator refuses at once; gradkit looped over N products (linalg.vander) until
    # the process ran out of memory, or leaked NumPy's MemoryError (vander)
    def call(m):
        fn = m.linalg.vander if face == "linalg.vander" else m.vander
        return fn(m.ones(3), N=2 ** 40)

    _same(call)


def test_vander_gradients_through_zeros_as_torch():
    x = np.array([2.0, 0.0, -1.5])
    grads = []
    for m in (gk, torch):
        t = m.tensor(x, requires_grad=True)
        (m.linalg.vander(t, N=5) * m.arange(15.0).reshape(3, 5)).sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-15)


_NORM_DTYPES = ["int64", "bool", "float16", "bfloat16", "float32", "float64", "complex64",
                "complex128"]


@pytest.mark.parametrize("fn", [
    lambda L, x, d: L.linalg.vector_norm(x, dtype=d),
    lambda L, x, d: L.linalg.matrix_norm(x, dtype=d),
    lambda L, x, d: L.linalg.matrix_norm(x, 1, dtype=d),
    lambda L, x, d: L.linalg.norm(x, dtype=d),
    lambda L, x, d: L.norm(x, dtype=d), lambda L, x, d: x.norm(1, dim=1, dtype=d),
])
@pytest.mark.parametrize("src", ["float16", "float32", "float64", "complex128"])
def test_a_norms_dtype_must_widen_the_input_as_torch(fn, src):
    # dtype= is floating or complex, complex exactly for a complex input, and no narrower
    # than the input (float64 into float32 is PyTorch's RuntimeError; gradkit converted; arg
    # fuzzer seed 33)
    a = R.standard_normal((2, 3))
    for dst in _NORM_DTYPES:
        _same(lambda L, d=dst: fn(L, L.tensor(a, dtype=getattr(L, src)), getattr(L, d)))
