"""gradkit/functions/products.py: tensordot, cdist, kron against PyTorch (values, dtypes,
gradients, empty inputs), central differences, second order, errors."""

import itertools

import numpy as np
import pytest
from oracle import both, check_grad, check_second_order, t64

import gradkit as gk

R = np.random.default_rng(0)

def test_tensordot(torch):
    a, b = R.standard_normal((2, 3, 4)), R.standard_normal((3, 4, 5))
    both(torch, lambda m, x, y: m.tensordot(x, y), a, b)
    both(torch, lambda m, x, y: m.tensordot(x, y, dims=([1, 2], [0, 1])), a, b)
    both(torch, lambda m, x, y: m.tensordot(x, y, dims=([-2], [0])), a, b)
    both(torch, lambda m, x, y: m.tensordot(x, y, dims=0), a[0, 0], b[0, 0])
    both(torch, lambda m, x, y: m.tensordot(x, y, dims=([0, 1], [1, 0])), a[0], a[0].T)
    x, y = t64(R, 2, 3), t64(R, 3, 2)
    check_grad(lambda p, q: gk.tensordot(p, q, 1), [x, y])
    check_second_order(lambda p, q: gk.tensordot(p, q, ([0, 1], [1, 0])), [x, y])

@pytest.mark.parametrize("sa,sb,dims", [((3, 0), (0, 2), 1), ((0, 3), (3, 0), 1),
                                        ((2, 0), (0,), 1), ((0, 4), (4,), 1),
                                        ((2, 0, 3), (0, 3, 4), 2), ((3,), (0, 2), 0),
                                        ((), (2, 0), 0)])
def test_tensordot_empty(torch, sa, sb, dims):
    # an empty contracted or free dimension: zeros of the right shape (was a reshape error
    # for an empty contraction)
    both(torch, lambda m, x, y: m.tensordot(x, y, dims), R.standard_normal(sa),
         R.standard_normal(sb))


# name, fn, inputs
CDIST = [
    ("p2", lambda m, a, b: m.cdist(a, b), (4, 3), (5, 3)),
    ("p2_batch", lambda m, a, b: m.cdist(a, b), (2, 4, 3), (2, 5, 3)),
    ("p2_bcast", lambda m, a, b: m.cdist(a, b), (2, 1, 4, 3), (3, 5, 3)),
    ("p2_mm", lambda m, a, b: m.cdist(a, b), (30, 3), (6, 3)),
    ("p2_mm_forced", lambda m, a, b: m.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
     (4, 3), (5, 3)),
    ("p2_no_mm", lambda m, a, b: m.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist"),
     (30, 3), (6, 3)),
    ("p1", lambda m, a, b: m.cdist(a, b, p=1), (4, 3), (5, 3)),
    ("p3", lambda m, a, b: m.cdist(a, b, p=3), (2, 4, 3), (5, 3)),
    ("p0_5", lambda m, a, b: m.cdist(a, b, p=0.5), (4, 3), (5, 3)),
    ("pinf", lambda m, a, b: m.cdist(a, b, p=float("inf")), (4, 3), (5, 3)),
    ("p0", lambda m, a, b: m.cdist(a, b, p=0), (4, 3), (5, 3)),
]

@pytest.mark.parametrize("name,fn,sa,sb", CDIST, ids=[c[0] for c in CDIST])
def test_cdist(torch, name, fn, sa, sb):
    a, b = R.standard_normal(sa), R.standard_normal(sb)
    both(torch, fn, a, b, atol=1e-8)
    ga, gb = gk.tensor(a, requires_grad=True), gk.tensor(b, requires_grad=True)
    check_grad(lambda x, y: fn(gk, x, y), [ga, gb])
    if name in ("p2", "p2_mm", "p3"):
        check_second_order(lambda x, y: fn(gk, x, y), [ga, gb])

def test_cdist_float32_and_empty(torch):
    a = R.standard_normal((3, 4)).astype(np.float32)
    b = R.standard_normal((2, 4)).astype(np.float32)
    both(torch, lambda m, x, y: m.cdist(x, y), a, b, atol=1e-5)
    both(torch, lambda m, x, y: m.cdist(x, y), a[:0], b, grad=False)
    both(torch, lambda m, x, y: m.cdist(x, y, p=1), a[:, :0], b[:, :0], grad=False)

def test_cdist_zero_distance_gradient_is_zero():
    a = gk.tensor(R.standard_normal((30, 3)), requires_grad=True)
    d = gk.cdist(a, a)  # the matmul path: a zero diagonal
    d.sum().backward()
    assert np.isfinite(a.grad.numpy()).all()
    b = gk.tensor(R.standard_normal((3, 3)), requires_grad=True)
    gk.cdist(b, b).sum().backward()  # the direct path
    assert np.isfinite(b.grad.numpy()).all()

@pytest.mark.parametrize("sa,sb", [((2,), (3,)), ((2, 3), (2, 2)), ((2,), (2, 3)),
                                   ((2, 1, 3), (2, 2)), ((), (3,)), ((0, 2), (2, 2))])
def test_kron(torch, sa, sb):
    a, b = R.standard_normal(sa), R.standard_normal(sb)
    both(torch, lambda m, x, y: m.kron(x, y), a, b)
    both(torch, lambda m, x, y: x.kron(y), (a * 3).astype(np.int64), (b * 3).astype(np.int32),
         grad=False)
    if a.size:
        ga, gb = gk.tensor(a, requires_grad=True), gk.tensor(b, requires_grad=True)
        check_grad(lambda x, y: gk.kron(x, y), [ga, gb])
        check_second_order(lambda x, y: gk.kron(x, y), [ga, gb])


# each exception type is PyTorch's for the same call (checked too)
@pytest.mark.parametrize("call,exc,pattern", [
    (lambda m: m.tensordot(m.zeros(3, 4), m.zeros(3, 4), 3), RuntimeError,
     r"tensordot\(\).*dims must be in \[0, 2\]"),
    (lambda m: m.tensordot(m.zeros(3, 4), m.zeros(3, 4), ([0], [1])), RuntimeError,
     r"tensordot\(\).*same size"),
    (lambda m: m.tensordot(m.zeros(3, 4), m.zeros(3, 4), ([0], [0, 1])), RuntimeError,
     r"tensordot\(\).*same length"),
    (lambda m: m.tensordot(m.zeros(3, 4), m.zeros(3, 4), "ab"), RuntimeError,
     r"tensordot\(\).*'ab'"),
    (lambda m: m.tensordot(m.zeros(2, 0, 4), m.zeros(3, 4, 5, dtype=m.int32)), RuntimeError,
     r"tensordot\(\).*same dtype"),
    (lambda m: m.cdist(m.zeros(3, 2), m.zeros(3, 4)), RuntimeError,
     r"cdist\(\).*same number of columns.*\(3, 2\).*\(3, 4\)"),
    (lambda m: m.cdist(m.zeros(3), m.zeros(3, 3)), RuntimeError, r"cdist\(\).*2D"),
    (lambda m: m.cdist(m.zeros(3, 2), m.zeros(3, 2), p=-1.0), RuntimeError,
     r"cdist\(\).*non-negative.*-1"),
    (lambda m: m.cdist(m.zeros(3, 2), m.zeros(3, 2), p=float("nan")), RuntimeError,
     r"cdist\(\).*non-negative.*nan"),
    (lambda m: m.cdist(m.zeros(3, 2, dtype=m.int64), m.zeros(3, 2)), RuntimeError,
     r"cdist\(\).*floating.*int64"),
    (lambda m: m.cdist(m.zeros(3, 2, dtype=m.float64), m.zeros(3, 2)), RuntimeError,
     r"cdist\(\).*one dtype"),
    (lambda m: m.cdist(m.zeros(3, 2, dtype=m.float16), m.zeros(3, 2, dtype=m.float16)),
     NotImplementedError, r"cdist\(\).*Half"),
    (lambda m: m.cdist(m.zeros(2, 3, 2), m.zeros(3, 3, 2)), RuntimeError,
     r"cdist\(\).*batch.*broadcast"),
    (lambda m: m.cdist(m.zeros(3, 2), m.zeros(3, 2), compute_mode="fast"), ValueError,
     r"cdist\(\).*compute_mode.*'fast'"),
    (lambda m: m.mv(m.tensor(1.0), m.zeros(4)), IndexError, r"mv\(\).*no dimensions"),
    (lambda m: m.mv(m.zeros(3, 4, dtype=m.bool), m.zeros(4, dtype=m.bool)),
     NotImplementedError, r"mv\(\).*Bool"),
    (lambda m: m.addmv(m.tensor(1.0), m.zeros(3, 4), m.zeros(5)), IndexError,
     r"addmv\(\).*no dimensions"),
    (lambda m: m.addbmm(m.zeros(3, 2), m.tensor(1.0), m.zeros(5, 4, 2)), IndexError,
     r"addbmm\(\).*batch1.*3-D"),
    (lambda m: m.baddbmm(m.zeros(5, 3, 2), m.zeros(5, 3, 4), m.zeros(4)), IndexError,
     r"baddbmm\(\).*batch2.*3-D"),
    (lambda m: m.bmm(m.zeros(2, 3, 4, dtype=m.bool), m.zeros(2, 4, 2)), NotImplementedError,
     r"bmm.*Bool"),
    (lambda m: m.matmul(m.zeros(2, 1, 3, 4, dtype=m.bool), m.zeros(3, 4, 2)),
     NotImplementedError, r"matmul.*Bool"),
    (lambda m: m.matmul(m.zeros(3, 4, dtype=m.bool), m.zeros(4, 2, dtype=m.bool)),
     NotImplementedError, r"matmul.*Bool"),
    (lambda m: m.dot(m.zeros(4, dtype=m.bool), m.zeros(4, dtype=m.bool)), NotImplementedError,
     r"dot.*Bool"),
    (lambda m: m.einsum("bij,bjk->bik", m.zeros(2, 3, 4), m.zeros(2, 4, 2, dtype=m.float16)),
     RuntimeError, r"einsum\(\).*one dtype"),
    (lambda m: m.einsum("bij,bjk->bik", m.zeros(2, 3, 4, dtype=m.bool),
                        m.zeros(2, 4, 2, dtype=m.bool)), NotImplementedError, r"einsum.*Bool"),
    (lambda m: m.einsum("bij,bjk->bik", m.tensor(1.0), m.zeros(2, 4, 2)), RuntimeError,
     r"einsum\(\).*'bij'"),
    (lambda m: m.mm(m.zeros(3, 4), m.zeros(4, 2), out=m.empty(0, dtype=m.float64)),
     RuntimeError, r"mm\(\).*expected out to have dtype"),
    # an empty list of operands (arg fuzzer seeds 29 and 31: gradkit's RuntimeError)
    (lambda m: m.einsum("ij->ji", []), ValueError, r"einsum\(\).*at least one operand"),
    (lambda m: m.einsum("ij->ji", ()), ValueError, r"einsum\(\).*at least one operand"),
])
def test_errors(torch, call, exc, pattern):
    with pytest.raises(exc, match=pattern) as got:
        call(gk)
    with pytest.raises(Exception) as want:
        call(torch)
    assert isinstance(got.value, type(want.value)) and isinstance(want.value, exc), (
        got.value, want.value)


# ------------------------------------------------------------------ found by the fuzzer
def test_products_refuse_mixed_dtypes_as_torch():
    torch = pytest.importorskip("torch")
    for m in (torch,):
        with pytest.raises(RuntimeError):
            m.ones(2, 2, dtype=m.int32) @ m.ones(2, 2, dtype=m.float32)
    with pytest.raises(RuntimeError, match="matmul.*same dtype"):
        gk.ones(2, 2, dtype=gk.int32) @ gk.ones(2, 2, dtype=gk.float32)
    with pytest.raises(RuntimeError, match="dot.*same dtype"):
        gk.dot(gk.ones(2, dtype=gk.int32), gk.ones(2, dtype=gk.int64))


def test_integer_dot_keeps_the_dtype_as_torch():
    torch = pytest.importorskip("torch")
    for f in (lambda m, a, b: a @ b, lambda m, a, b: m.dot(a, b), lambda m, a, b: m.vdot(a, b)):
        t = f(torch, torch.tensor([5, 6], dtype=torch.int32), torch.tensor([1, 2],
                                                                          dtype=torch.int32))
        g = f(gk, gk.tensor([5, 6], dtype=gk.int32), gk.tensor([1, 2], dtype=gk.int32))
        assert str(g.dtype) == "gradkit.int32" and str(t.dtype) == "torch.int32"
        assert int(g) == int(t)


@pytest.mark.parametrize("name", ["addmm", "addmv", "addbmm", "baddbmm", "addr"])
def test_zero_alpha_with_nan_operands_as_torch(torch, name):
    """addmm/addmv/addbmm skip the product when alpha is 0 (a NaN in it does not show);
    baddbmm and addr compute it, as PyTorch's kernels."""
    def run(L):
        x = L.ones(3, 2, dtype=L.float64)
        b1 = L.ones(5, 3, 4, dtype=L.float64)
        b1[0, 0, 0] = float("nan")
        b2 = L.ones(5, 4, 2, dtype=L.float64)
        args = {"addmm": (x, b1[0], b2[0]), "addmv": (x[:, 0], b1[0], b2[0, :, 0]),
                "addbmm": (x, b1, b2), "baddbmm": (x, b1, b2),
                "addr": (x, b1[0, :, 0], b2[0, 0])}[name]
        return getattr(L, name)(*args, beta=0.5, alpha=0.0).tolist()
    np.testing.assert_array_equal(np.array(run(gk)), np.array(run(torch)))


@pytest.mark.parametrize("shape", [(3, 0), (0, 3), (2, 0, 3)])
def test_lu_of_empty_matrices_as_torch(torch, shape):
    for fn in ("lu", "lu_factor_ex"):
        want = getattr(torch.linalg, fn)(torch.ones(*shape, dtype=torch.float64))
        got = getattr(gk.linalg, fn)(gk.ones(*shape, dtype=gk.float64))
        assert [tuple(t.shape) for t in got] == [tuple(t.shape) for t in want]


@pytest.mark.parametrize("alpha", [float("inf"), float("-inf"), float("nan")])
@pytest.mark.parametrize("name", ["addmm", "addmv", "addbmm", "baddbmm"])
def test_non_finite_alpha_spreads_as_torch(torch, name, alpha):
    # addmm/addbmm put alpha into each term of the sum (mixed infinities: NaN), addmv and
    # baddbmm scale the sum: the NaN/inf pattern is torch's in each case
    r = np.random.default_rng(3)
    shapes = {"addmm": [(3, 2), (3, 4), (4, 2)], "addmv": [(3,), (3, 4), (4,)],
              "addbmm": [(3, 2), (5, 3, 4), (5, 4, 2)], "baddbmm": [(5, 3, 2), (5, 3, 4),
                                                                   (5, 4, 2)]}[name]
    xs = [r.standard_normal(s) for s in shapes]
    with np.errstate(all="ignore"):
        g = getattr(gk, name)(*[gk.tensor(x) for x in xs], beta=0.5, alpha=alpha).numpy()
    t = getattr(torch, name)(*[torch.tensor(x) for x in xs], beta=0.5, alpha=alpha).numpy()
    np.testing.assert_array_equal(g, t)


def test_einsum_sublist_form_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    cases = [lambda m, x, y: m.einsum(x, [0, 1], y, [1, 2], [0, 2]),
             lambda m, x, y: m.einsum(x, [0, 1], x, [0, 1], [1]),
             lambda m, x, y: m.einsum(x, [0, 1]),
             lambda m, x, y: m.einsum(x, [Ellipsis, 1], [1]),
             lambda m, x, y: m.einsum(y, [26, 51], [51, 26])]
    for case in cases:
        ours = case(gk, gk.tensor(a), gk.tensor(b))
        theirs = case(torch, torch.tensor(a), torch.tensor(b))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    for mod in (gk, torch):
        with pytest.raises(ValueError, match="valid range"):
            mod.einsum(mod.ones(2, 2), [0, 60])
    x = gk.tensor(a, requires_grad=True)
    gk.einsum(x, [0, 1], gk.tensor(b), [1, 2], [0, 2]).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(b.sum(1), (2, 3)), rtol=1e-12)


OUT_DTYPES = ["float32", "float64", "float16", "int64", "uint8", "bool", "complex64"]
OUT_CALLS = {
    # a 0-d factor: inner is PyTorch's mul, whose out= casts (canCast)
    "inner_0d_other": lambda m, a: m.inner(a, m.tensor(2.0, dtype=m.float64), out=_OUT[0]),
    "inner_0d_input": lambda m, a: m.inner(m.tensor(2.0, dtype=m.float64), a, out=_OUT[0]),
    "inner_0d_ints": lambda m, a: m.inner(a.long(), m.tensor(3), out=_OUT[0]),
    "inner_matrices": lambda m, a: m.inner(a, a, out=_OUT[0]),
    # one matrix: chain_matmul copies it into out= (any dtype); two: out has the result's
    "chain_matmul_one": lambda m, a: m.chain_matmul(a, out=_OUT[0]),
    "chain_matmul_one_int": lambda m, a: m.chain_matmul(a.long(), out=_OUT[0]),
    "chain_matmul_two": lambda m, a: m.chain_matmul(a, a.T, out=_OUT[0]),
    # angle is a unary float op: its out= casts
    "angle_real": lambda m, a: m.angle(a, out=_OUT[0]),
    "angle_int": lambda m, a: m.angle(a.long(), out=_OUT[0]),
    "angle_complex": lambda m, a: m.angle(a.to(m.complex128), out=_OUT[0]),
}
_OUT = [None]


@pytest.mark.parametrize("out_dtype", OUT_DTYPES)
@pytest.mark.parametrize("name", sorted(OUT_CALLS))
def test_out_dtype_follows_the_kernel_torch_runs(torch, name, out_dtype):
    """Whether an out= of another dtype is cast into or refused follows the kernel PyTorch
    runs for the call (a product: the result's dtype; a product by a 0-d tensor or a copy:
    the cast rule)."""
    a = np.array([[-1.5, 2.0, 0.0], [3.0, -0.5, 4.0]])
    results = []
    for m in (torch, gk):
        _OUT[0] = m.empty(0, dtype=getattr(m, out_dtype))
        try:
            r = OUT_CALLS[name](m, m.tensor(a))
        except RuntimeError as e:
            results.append(("raises", str(e)))
            continue
        assert r is _OUT[0]
        results.append(("ok", r.to(m.complex128).numpy() if out_dtype == "complex64"
                        else r.double().numpy()))
    (tk, tv), (gk_kind, gv) = results
    assert gk_kind == tk, (name, out_dtype, tv, gv)
    if tk == "ok":
        np.testing.assert_allclose(gv, tv, rtol=1e-3)
    else:
        assert name.split("_")[0] in gv


@pytest.mark.parametrize("fn", ["matmul", "bmm"])
@pytest.mark.parametrize("dtypes", [("float64", "uint8"), ("bool", "bool"), ("uint8", "float32"),
                                    ("bool", "float32")])
@pytest.mark.parametrize("sa, sb", [
    ((3, 4), (4, 0)), ((4,), (4,)), ((0,), (0,)), ((3, 0), (0,)), ((4,), (2, 4, 0)),
    ((4,), (2, 4, 5)), ((3, 4), (2, 4, 0)), ((3, 4), (0, 4, 5)), ((2, 3, 4), (2, 4, 0)),
    ((2, 3, 4), (1, 4, 0)), ((0, 3, 4), (2, 4, 5)), ((2, 0, 4), (2, 4, 5)),
    ((2, 3, 0), (2, 0, 5)), ((2, 3, 4), (2, 0, 5)), ((2, 3, 0), (0, 5)), ((2, 3, 4), (4, 0))])
def test_empty_products_of_mixed_or_bool_dtypes_as_torch(torch, fn, dtypes, sa, sb):
    """PyTorch's bmm (matmul's, for a batched other) returns an empty result, or zeros for an
    empty contraction, in other's dtype before its kernel checks Bool or the dtypes; its mm and
    mv before Bool only; dot never. Shapes are checked before Bool."""
    results = []
    for m in (torch, gk):
        try:
            r = getattr(m, fn)(m.zeros(sa, dtype=getattr(m, dtypes[0])),
                               m.zeros(sb, dtype=getattr(m, dtypes[1])))
        except (RuntimeError, NotImplementedError) as e:
            results.append(type(e))
            continue
        results.append((tuple(r.shape), str(r.dtype).split(".")[1], r.double().abs().sum().item()))
    assert results[1] == results[0]


@pytest.mark.parametrize("eq, shapes", [
    ("bij,bjk->bik", ((2, 3, 4), (2, 4, 0))), ("bij,bjk->bik", ((2, 3, 0), (2, 0, 2))),
    ("bij,bjk->bik", ((2, 3, 4), (2, 4, 2))), ("ij,j->i", ((3, 0), (0,))),
    ("i,i->", ((0,), (0,))), ("ij,ij->i", ((3, 0), (3, 0))), ("ij,ij->ij", ((3, 0), (3, 0))),
    ("ij,jk->ikj", ((3, 0), (0, 2))),
    # a dimension summed out of one operand first leaves its bmm operand non-empty
    ("ijl,jk->ik", ((3, 2, 0), (2, 2))), ("ij,jkl->ik", ((3, 2), (2, 2, 0))),
    # three operands: contracted left to right, each pair as above
    ("ij,jk,kl->il", ((3, 0), (0, 2), (2, 2))), ("ij,jk,kl->il", ((3, 2), (2, 0), (0, 2))),
])
@pytest.mark.parametrize("dtypes", [("float64", "bool", "int64"), ("bool", "float32", "float64"),
                                    ("float16", "float32", "int64"), ("bool", "bool", "bool")])
def test_einsum_of_an_empty_pair_of_mixed_dtypes_as_torch(torch, eq, shapes, dtypes):
    """PyTorch's einsum contracts a pair with bmm, which returns the zeros of the second
    operand's dtype for an empty operand before it checks the dtypes (or Bool); gradkit refused
    the mixed dtypes (fuzzer seed 51 case 1829)."""
    results = []
    for m in (torch, gk):
        try:
            r = m.einsum(eq, *[m.zeros(s, dtype=getattr(m, d)) for s, d in zip(shapes, dtypes)])
        except (RuntimeError, NotImplementedError) as e:
            results.append(type(e))
            continue
        results.append((tuple(r.shape), str(r.dtype).split(".")[1], r.double().abs().sum().item()))
    assert results[1] == results[0]


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int32", "int64"])
@pytest.mark.parametrize("eq, shapes", [
    ("ij->i", ((2, 3),)), ("ij->", ((2, 3),)), ("ii", ((3, 3),)), ("ii->i", ((3, 3),)),
    ("ij,ik->i", ((2, 3), (2, 4))), ("iij,jk->ik", ((2, 2, 3), (3, 4))),
    ("ij,jk->ik", ((2, 3), (3, 4))), ("i,i->", ((3,), (3,))),
    ("ijl,jk->ik", ((3, 2, 2), (2, 2))), ("ijl,jk->ik", ((3, 2, 0), (2, 2))),
])
def test_einsum_sums_of_integral_operands_are_int64_as_torch(torch, eq, shapes, dtype):
    """PyTorch's einsum sums a subscript only one operand has with sum (int64 for bool and
    integral operands) before the pair's bmm, which then sees the int64 operand; gradkit kept
    the operand's dtype (found next to fuzzer seed 51 case 1829)."""
    results = []
    for m in (torch, gk):
        ops = [m.arange(int(np.prod(s))).reshape(s).remainder(3).to(getattr(m, dtype))
               for s in shapes]
        try:
            r = m.einsum(eq, *ops)
        except (RuntimeError, NotImplementedError) as e:
            results.append(type(e))
            continue
        results.append((tuple(r.shape), str(r.dtype).split(".")[1], r.double().numpy().tolist()))
    assert results[1] == results[0]


@pytest.mark.parametrize("a, b", [((2, 0, 4), (2, 5, 4)), ((2, 3, 4), (2, 0, 4)),
                                  ((2, 3, 0), (2, 5, 0)), ((0, 3, 4), (0, 5, 4))])
@pytest.mark.parametrize("dtypes", [("float64", "float32"), ("float32", "float64")])
def test_cdist_of_an_empty_operand_of_another_dtype_as_torch(torch, a, b, dtypes):
    # PyTorch checks no dtype when an operand is empty (x1's dtype; gradkit raised; op fuzzer
    # seed 32), and refuses two dtypes otherwise
    for p in (1.0, 2.0):
        r = {m: m.cdist(m.zeros(a, dtype=getattr(m, dtypes[0])),
                        m.zeros(b, dtype=getattr(m, dtypes[1])), p=p) for m in (torch, gk)}
        assert tuple(r[gk].shape) == tuple(r[torch].shape)
        assert str(r[gk].dtype)[8:] == str(r[torch].dtype)[6:]
        np.testing.assert_array_equal(r[gk].numpy(), r[torch].numpy())
    with pytest.raises(RuntimeError):
        gk.cdist(gk.zeros(2, 3, 4, dtype=getattr(gk, dtypes[0])),
                 gk.zeros(2, 5, 4, dtype=getattr(gk, dtypes[1])))


@pytest.mark.parametrize("shapes,dt", [
    (((3, 1), (5, 3, 4), (5, 4, 0)), "uint8"), (((3, 1), (5, 3, 4), (5, 4, 0)), "float32"),
    (((3, 1), (5, 3, 0), (5, 0, 2)), "uint8"), (((3, 1), (5, 3, 0), (5, 0, 2)), "float32"),
    (((3, 1), (0, 3, 4), (0, 4, 2)), "uint8"), (((3, 1), (5, 3, 4), (5, 4, 2)), "uint8"),
])
def test_baddbmm_of_an_empty_product_takes_batch2s_dtype_as_torch(shapes, dt):
    # PyTorch leaves batch2's dtype unchecked for an empty product and gives the result in it
    # (input cast to it); gradkit refused the mixed dtypes
    torch = pytest.importorskip("torch")
    res = []
    for m in (torch, gk):
        x, a = m.full(shapes[0], 2.7, dtype=m.float64), m.ones(shapes[1], dtype=m.float64)
        b = m.ones(shapes[2], dtype=getattr(m, dt))
        try:
            r = m.baddbmm(x, a, b, beta=2)
        except RuntimeError:
            res.append(None)
            continue
        res.append((str(r.dtype).split(".")[-1], tuple(r.shape), r.numpy().tolist()))
    assert res[1] == res[0]


def _laid_out(m, shape, dtype, layout, grad):
    if layout == "strided":  # every other row of a twice-longer first dim
        t = m.zeros((shape[0] * 2,) + shape[1:], dtype=dtype)[::2]
    elif layout == "transposed":
        t = m.zeros(shape[:-2] + (shape[-1], shape[-2]), dtype=dtype).transpose(-1, -2)
    else:
        t = m.zeros(shape, dtype=dtype)
    return t.requires_grad_(grad) if grad else t


@pytest.mark.parametrize("dtypes", [("int32", "bool"), ("float32", "float64"), ("bool", "bool"),
                                    ("bool", "float32")])
def test_matmul_folds_a_batch_or_runs_bmm_as_torch(torch, dtypes):
    """PyTorch's matmul folds a batched operand against a matrix or vector into one mm/mv (their
    dtype check first) when the other operand requires a gradient or the batch is empty or laid
    out contiguously, and otherwise runs one bmm of both expanded (empty: zeros in other's
    dtype before any dtype check; Bool refused as "bmm"). gradkit folded every batched input
    (op fuzzer seed 41: a strided int32 batch @ an empty bool matrix raised)."""
    shapes = [((4, 4, 2), (2, 0)), ((2, 3, 4, 2), (2, 0)), ((4, 4, 2), (2, 3)), ((4, 4, 2), (2,)),
              ((2,), (3, 2, 4)), ((0,), (3, 0, 2)), ((4, 2), (3, 2, 0)), ((0, 2), (3, 2, 5))]
    layouts = ("contiguous", "strided", "transposed")
    for (sa, sb), la, lb, grad in itertools.product(shapes, layouts, layouts[::2],
                                                    (None, "input", "other")):
        if la == "transposed" and len(sa) < 2 or lb == "transposed" and len(sb) < 2:
            continue  # (a transposed layout needs two dims)
        if grad and "float" not in dtypes[grad == "other"]:
            continue  # (only a floating tensor requires a gradient)
        results = []
        for m in (torch, gk):
            a = _laid_out(m, sa, getattr(m, dtypes[0]), la, grad == "input")
            b = _laid_out(m, sb, getattr(m, dtypes[1]), lb, grad == "other")
            try:
                r = m.matmul(a, b)
            except NotImplementedError as e:  # the kernel named as PyTorch's
                results.append(("NotImplementedError", str(e).split('"')[1]))
                continue
            except RuntimeError:
                results.append("RuntimeError")
                continue
            results.append((tuple(r.shape), str(r.dtype).split(".")[1]))
        assert results[1] == results[0], (sa, la, sb, lb, grad)


@pytest.mark.parametrize("autocast", [False, True])
@pytest.mark.parametrize("eq, dtypes", [
    ("bnd,bne->bnde", ("float32", "bfloat16")),   # an outer product: torch.mul, promoted
    ("bnd,bne->bnde", ("float32", "float64")),
    ("bnd,bnd->bnd", ("float32", "int64")),
    ("bnd,bnd->bnd", ("bool", "float32")),
    ("bnd,bnd->bnd", ("bool", "bool")),
    ("bnd,bne->bde", ("float32", "bfloat16")),    # a contraction: bmm, one dtype (or autocast)
    ("bnd,bnd->bn", ("float32", "float64")),
    ("bnd,bnd->", ("float32", "int64")),
])
def test_einsum_promotes_products_with_nothing_summed(torch, eq, dtypes, autocast):
    """PyTorch's einsum multiplies operands that share no summed subscript (``torch.mul``,
    which promotes: the Performer's causal ``'...nd,...ne->...nde'`` of float32 keys and
    bfloat16 values under CPU autocast) and contracts the others with ``bmm``, which refuses
    mixed dtypes unless autocast cast them to bfloat16 first."""
    import contextlib

    rng = np.random.default_rng(3)
    data = [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 5 if "e" in eq else 4))]

    def run(m):
        ops = [m.tensor(d).to(getattr(m, dt)) for d, dt in zip(data, dtypes)]
        ctx = m.autocast("cpu", dtype=m.bfloat16) if autocast else contextlib.nullcontext()
        with ctx:
            return m.einsum(eq, *ops)

    try:
        want = run(torch)
    except RuntimeError:
        with pytest.raises(RuntimeError, match=r"einsum\(\).*one dtype"):
            run(gk)
        return
    got = run(gk)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(got.float().numpy(), want.float().numpy(), rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("eq, shapes, dtypes, autocast", [
    # the Performer's output step: a bmm (bfloat16 under autocast) times a float32 scale
    ("...de,...nd,...n->...ne", [(2, 4, 16, 8), (2, 4, 32, 16), (2, 4, 32)], "fff", True),
    ("...n,...nd,...de->...ne", [(2, 4, 32), (2, 4, 32, 16), (2, 4, 16, 8)], "fff", True),
    ("...de,...nd,...n->...ne", [(2, 4, 16, 8), (2, 4, 32, 16), (2, 4, 32)], "bbb", False),
    ("ii,ij,j->i", [(3, 3), (3, 5), (5,)], "bbb", False),
    ("...n,...nd,...de->...ne", [(2, 4, 32), (2, 4, 32, 16), (2, 4, 16, 8)], "dfd", False),
    ("ij,ij,j->ij", [(3, 4), (3, 4), (4,)], "fdf", False),
])
def test_einsum_of_three_operands_contracts_pairwise_as_torch(torch, eq, shapes, dtypes,
                                                             autocast):
    """Three or more operands are contracted left to right, each pair rounded to its dtype
    (and cast or promoted as that pair alone would be): results equal PyTorch's bit for bit
    in bfloat16 and under autocast, and carry its dtype."""
    import contextlib

    rng = np.random.default_rng(5)
    data = [rng.random(s) for s in shapes]
    names = {"f": "float32", "d": "float64", "b": "bfloat16"}

    def run(m):
        ops = [m.tensor(d, dtype=m.float64).to(getattr(m, names[c]))
               for d, c in zip(data, dtypes)]
        ctx = m.autocast("cpu", dtype=m.bfloat16) if autocast else contextlib.nullcontext()
        with ctx:
            return m.einsum(eq, *ops)

    got, want = run(gk), run(torch)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(got.double().numpy(), want.double().numpy(), rtol=1e-12,
                               atol=0)
