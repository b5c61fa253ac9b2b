"""Matrix products: matmul in every form, mm, bmm, outer, dot, einsum; errors name both shapes."""

import numpy as np
import pytest
from oracle import assert_close, check_grad, check_second_order, t64, to_torch

import gradkit as gk

MATMUL_SHAPES = [
    ((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)), ((3,), (5, 3, 2)),
    ((5, 2, 3), (3,)), ((0, 3), (3, 2)), ((2, 0), (0, 3)), ((1, 2, 3), (7, 1, 3, 2)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=str)
def test_matmul_forward_grad(rng, sa, sb):
    a, b = t64(rng, *sa), t64(rng, *sb)
    out = a @ b
    np.testing.assert_allclose(out.detach().numpy(), a.detach().numpy() @ b.detach().numpy(),
                               rtol=1e-12, atol=1e-12)
    ga, gb = check_grad(lambda a, b: gk.matmul(a, b), [a, b])
    assert ga.shape == a.shape and gb.shape == b.shape


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES[:10], ids=str)
def test_matmul_second_order(rng, sa, sb):
    check_second_order(lambda a, b: (a @ b) ** 2, [t64(rng, *sa), t64(rng, *sb)])


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=str)
def test_matmul_vs_torch(torch, rng, sa, sb):
    a = gk.tensor(rng.standard_normal(sa).astype(np.float32), requires_grad=True)
    b = gk.tensor(rng.standard_normal(sb).astype(np.float32), requires_grad=True)
    ta, tb = to_torch(torch, a), to_torch(torch, b)
    out, tout = a @ b, ta @ tb
    assert tuple(out.shape) == tuple(tout.shape)
    assert out.dtype == gk.float32
    assert_close(out, tout, rtol=1e-5)
    g = rng.standard_normal(tuple(tout.shape)).astype(np.float32)
    out.backward(gk.tensor(g))
    tout.backward(torch.from_numpy(g))
    assert_close(a.grad, ta.grad, rtol=1e-4)
    assert_close(b.grad, tb.grad, rtol=1e-4)


def test_matmul_noncontiguous(rng):
    a = t64(rng, 3, 2, requires_grad=False).t().detach().requires_grad_()
    b = t64(rng, 4, 3, requires_grad=False)[:, ::1].t().detach().requires_grad_()
    check_grad(lambda a, b: a @ b, [a, b])
    c = t64(rng, 4, 6, requires_grad=False)[:, ::2].detach().requires_grad_()
    check_grad(lambda c: c.t() @ c, [c])


def test_mm_bmm_outer_dot(torch, rng):
    a, b = t64(rng, 2, 3), t64(rng, 3, 4)
    check_grad(gk.mm, [a, b])
    assert_close(a.mm(b), to_torch(torch, a).mm(to_torch(torch, b)))
    x, y = t64(rng, 5, 2, 3), t64(rng, 5, 3, 4)
    check_grad(gk.bmm, [x, y])
    assert_close(x.bmm(y), torch.bmm(to_torch(torch, x), to_torch(torch, y)))
    u, v = t64(rng, 3), t64(rng, 4)
    check_grad(gk.outer, [u, v])
    assert_close(gk.outer(u, v), torch.outer(to_torch(torch, u), to_torch(torch, v)))
    w = t64(rng, 3)
    check_grad(gk.dot, [u, w])
    check_second_order(lambda u, w: gk.dot(u * u, w), [u, w])
    assert_close(u.dot(w), torch.dot(to_torch(torch, u), to_torch(torch, w)))


EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),               # implicit output
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 4)]),
    ("...ij,jk", [(5, 2, 3), (3, 4)]),          # implicit output with ellipsis
    ("ii->", [(3, 3)]),                          # trace
    ("ii->i", [(3, 3)]),                         # diagonal
    ("ii", [(3, 3)]),                            # implicit trace
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),                         # operand-only summed index
    ("ij,k->jk", [(2, 3), (4,)]),                # summed index present only in one operand
    ("i,i->", [(3,), (3,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij->ji", [(2, 3)]),
    ("bik,bjk->bij", [(2, 3, 4), (2, 2, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("iij->j", [(3, 3, 2)]),
    ("ab...,b->a...", [(2, 3, 4, 5), (3,)]),
    ("i...->...", [(2, 3, 4)]),
    ("ij, jk -> ik", [(2, 3), (3, 4)]),          # spaces
]


@pytest.mark.parametrize("eq,shapes", EINSUMS, ids=[e[0] for e in EINSUMS])
def test_einsum(torch, rng, eq, shapes):
    ops = [t64(rng, *s) for s in shapes]
    out = gk.einsum(eq, *ops)
    ref = np.einsum(eq.replace(" ", ""), *[o.detach().numpy() for o in ops])
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-12, atol=1e-12)
    check_grad(lambda *xs: gk.einsum(eq, *xs), ops)
    check_second_order(lambda *xs: gk.einsum(eq, *xs) ** 2, ops)
    tops = [to_torch(torch, o) for o in ops]
    tout = torch.einsum(eq, *tops)
    assert tuple(out.shape) == tuple(tout.shape)
    assert_close(out, tout, rtol=1e-10)
    g = rng.standard_normal(tuple(tout.shape))
    grads = gk.autograd.grad(out, ops, gk.tensor(g))
    tgrads = torch.autograd.grad(tout, tops, torch.from_numpy(g))
    for x, tx in zip(grads, tgrads):
        assert_close(x, tx, rtol=1e-10)


def test_einsum_list_operands(rng):
    a, b = t64(rng, 2, 3), t64(rng, 3)
    assert_close(gk.einsum("ij,j->i", [a, b]), a @ b)


def test_matmul_errors_name_both_shapes():
    with pytest.raises(RuntimeError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        gk.ones(2, 3) @ gk.ones(4, 5)
    with pytest.raises(RuntimeError, match=r"matmul.*\(3,\).*\(4,\)"):
        gk.ones(3) @ gk.ones(4)
    with pytest.raises(RuntimeError, match=r"matmul.*batch.*\(2, 2, 3\).*\(4, 3, 5\)"):
        gk.ones(2, 2, 3) @ gk.ones(4, 3, 5)
    with pytest.raises(RuntimeError, match=r"matmul.*at least 1D.*\(\).*\(3,\)"):
        gk.matmul(gk.tensor(1.0), gk.ones(3))
    with pytest.raises(RuntimeError, match=r"mm.*2-D.*\(3,\)"):
        gk.mm(gk.ones(3), gk.ones(3, 2))
    with pytest.raises(RuntimeError, match=r"mm.*2x3 and 4x5"):
        gk.mm(gk.ones(2, 3), gk.ones(4, 5))
    with pytest.raises(RuntimeError, match=r"bmm.*3-D"):
        gk.bmm(gk.ones(2, 3), gk.ones(3, 2))
    with pytest.raises(RuntimeError, match=r"bmm.*batch.*\(2, 2, 3\).*\(3, 3, 2\)"):
        gk.bmm(gk.ones(2, 2, 3), gk.ones(3, 3, 2))
    with pytest.raises(RuntimeError, match=r"einsum.*2 operands.*1"):
        gk.einsum("ij,jk->ik", gk.ones(2, 2))
    with pytest.raises(RuntimeError, match=r"einsum.*'ij'.*\(3,\)"):
        gk.einsum("ij->i", gk.ones(3))
    with pytest.raises(RuntimeError, match=r"einsum.*subscript 'i'.*sizes 2 and 3"):
        gk.einsum("ii->i", gk.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"einsum.*subscript 'j'.*sizes 3 and 2.*\(2, 3\)"):
        gk.einsum("ij,jk", gk.ones(2, 3), gk.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"einsum.*output subscript 'j'.*no input"):
        gk.einsum("i->j", gk.ones(3))


def test_matmul_dtypes_like_torch(torch):
    a = gk.ones(2, 3, dtype=gk.float64)
    b = gk.ones(3, 2)
    with pytest.raises(RuntimeError, match="same dtype"):  # torch: "expected m1 and m2 to ..."
        a @ b
    with pytest.raises(RuntimeError):
        torch.ones(2, 3, dtype=torch.float64) @ torch.ones(3, 2)
    ti = torch.ones(2, 3, dtype=torch.int64)
    assert str((gk.ones(2, 3, dtype=gk.int64) @ gk.ones(3, 2, dtype=gk.int64)).dtype) == \
        str((ti @ ti.t()).dtype).replace("torch.", "gradkit.")
