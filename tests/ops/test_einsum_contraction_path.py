"""einsum of two large operands goes through BLAS (NumPy's ``optimize=True``) forward and
backward, and still equals PyTorch's; small products and BLAS-less NumPy keep einsum's loops."""

import numpy as np
import pytest

import gradkit as gk
from gradkit import _noblas
from gradkit.ops import einsum as L

BIG = [("bnm,bmk->bnk", (6, 24, 40), (6, 40, 16)),  # bmm-shaped, as in attention scores
       ("bhqd,bhkd->bhqk", (2, 3, 16, 32), (2, 3, 16, 32)),
       ("ij,jk->ik", (64, 64), (64, 64))]


def _operands(subs, shapes):
    return [np.empty(s, np.float32) for s in shapes], subs


@pytest.mark.parametrize("eq,sa,sb", BIG, ids=str)
def test_large_two_operand_contraction_takes_the_blas_path(eq, sa, sb):
    arrays, subs = _operands(eq.split("->")[0].split(","), [sa, sb])
    assert L._einsum_optimize(subs, arrays) is (not _noblas.ENABLED)


def test_small_products_keep_einsum_loops():
    arrays, subs = _operands(["ij", "jk"], [(3, 4), (4, 5)])
    assert L._einsum_optimize(subs, arrays) is False
    assert L._einsum_optimize(["ij"], [np.empty((300, 300))]) is False  # one operand: a trace
    assert L._einsum_optimize(["i", "i", "i"], [np.empty(3)] * 3) is True


def test_without_blas_two_operands_keep_einsum_loops(monkeypatch):
    monkeypatch.setattr(_noblas, "ENABLED", True)
    arrays, subs = _operands(["bnm", "bmk"], [(6, 24, 40), (6, 40, 16)])
    assert L._einsum_optimize(subs, arrays) is False


@pytest.mark.parametrize("eq,sa,sb", BIG, ids=str)
def test_large_contraction_matches_torch_with_gradients(eq, sa, sb):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal(sa).astype(np.float32)
    b_np = rng.standard_normal(sb).astype(np.float32)
    a, b = gk.tensor(a_np, requires_grad=True), gk.tensor(b_np, requires_grad=True)
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    out, tout = gk.einsum(eq, a, b), torch.einsum(eq, ta, tb)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    w = rng.standard_normal(tuple(out.shape)).astype(np.float32)
    (out * gk.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-5, atol=1e-4)


def test_large_contraction_second_order_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a_np = rng.standard_normal((4, 24, 40))
    b_np = rng.standard_normal((4, 40, 16))
    a, b = gk.tensor(a_np, requires_grad=True), gk.tensor(b_np, requires_grad=True)
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    (ga,) = gk.autograd.grad((gk.einsum("bnm,bmk->bnk", a, b) ** 2).sum(), a, create_graph=True)
    (tga,) = torch.autograd.grad((torch.einsum("bnm,bmk->bnk", ta, tb) ** 2).sum(), ta,
                                 create_graph=True)
    (gb,) = gk.autograd.grad(ga.sum(), b)
    (tgb,) = torch.autograd.grad(tga.sum(), tb)
    np.testing.assert_allclose(gb.numpy(), tgb.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("eq,shapes", [
    ("bhid,bhjd->bhij", [(2, 3, 40, 8), (2, 3, 40, 8)]),  # attention scores (BLAS path)
    ("bhij,bhjd->bhid", [(2, 3, 40, 40), (2, 3, 40, 8)]),
    ("bij,bjk->bki", [(2, 3, 4), (2, 4, 5)]),
    ("bij,bjk->bki", [(4, 50, 60), (4, 60, 70)]),
    ("bij,bkj->kib", [(2, 3, 4), (2, 5, 4)]),              # a permuted view in PyTorch
    ("bij,bjk->ikb", [(2, 30, 40), (2, 40, 50)]),
    ("abc,cd->dba", [(2, 3, 4), (4, 5)]),
])
def test_two_operand_result_has_torchs_strides(eq, shapes):
    # the layout decides where a later dropout draws each mask entry (memory order): vision
    # transformers written with einsum got other masks, and other losses, than under PyTorch
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    want = torch.einsum(eq, *[torch.tensor(a) for a in arrays])
    got = gk.einsum(eq, *[gk.tensor(a) for a in arrays])
    assert got.stride() == want.stride() and got.is_contiguous() == want.is_contiguous()
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    torch.manual_seed(0)
    gk.manual_seed(0)
    dropped_t = torch.nn.functional.dropout(want, 0.3).numpy()
    dropped_g = gk.nn.functional.dropout(got, 0.3).numpy()
    np.testing.assert_array_equal(dropped_t == 0, dropped_g == 0)
    np.testing.assert_allclose(dropped_g, dropped_t, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("eq,shapes", [
    ("ni,oij->noj", [(3, 3), (2, 3, 3)]), ("noj,nj->no", [(3, 2, 3), (3, 3)]),
    ("ij,jk->ik", [(4, 9), (9, 3)]), ("bij,bjk->bik", [(2, 3, 7), (2, 7, 2)]),
    ("ij->i", [(3, 17)]), ("i,i->", [(33,), (33,)])])
def test_float16_einsum_rounds_once(torch, eq, shapes):
    """A float16 einsum of one or two operands is PyTorch's: summed in float32, rounded once
    (NumPy's float16 einsum rounds along the way: bilinear's result was an ulp off)."""
    rng = np.random.default_rng(len(eq))
    arrays = [rng.standard_normal(s).astype(np.float16) for s in shapes]
    got = gk.einsum(eq, *[gk.tensor(a) for a in arrays]).float().numpy()
    want = torch.einsum(eq, *[torch.tensor(a) for a in arrays]).float().numpy()
    np.testing.assert_array_equal(got, want)
