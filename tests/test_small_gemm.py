"""Row blocks for OpenBLAS's small-matrix kernels (gradkit/_small_gemm.py): which products are
split and how, that the blocks compute the same product, and the recurrent layers that use
them, against PyTorch, with the blocks forced on whatever BLAS runs the tests."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk
from gradkit import _small_gemm

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)


@pytest.fixture
def one_thread_skylakex(monkeypatch):
    """As on an AVX-512 core whose OpenBLAS runs one thread."""
    monkeypatch.setattr(_small_gemm, "_PROBE", [lambda: 1])


@pytest.mark.parametrize("m,k,n,rows", [
    (512, 128, 32, [176, 176, 160]),     # an LSTM's per-step product, H=128, batch 32
    (128, 512, 32, [48, 48, 32]),        # its backward's
    (1024, 64, 32, [352, 352, 320]),
    (400, 100, 30, [208, 192]),
])
def test_blocks_cover_the_rows_under_the_kernel_limit(one_thread_skylakex, m, k, n, rows):
    for dtype in (F32, F64):
        blocks = _small_gemm.row_blocks(m, k, n, dtype)
        assert [b - a for a, b in blocks] == rows
        assert blocks[0][0] == 0 and blocks[-1][1] == m
        assert all(a2 == b1 for (_, b1), (a2, _) in zip(blocks, blocks[1:]))
        assert all((b - a) * k * n <= 1_000_000 for a, b in blocks)


@pytest.mark.parametrize("m,k,n,dtype", [
    (244, 128, 32, F32),     # already within the limit
    (512, 128, 128, F32),    # wide result: packing pays (measured 1.2x slower in blocks)
    (512, 128, 32, np.dtype(np.int64)),
    (512, 128, 32, np.dtype(np.complex64)),
    (64, 100_000, 32, F32),  # a block would have under 16 rows
    (4096, 128, 32, F32),    # more than 16 blocks
])
def test_one_product_where_blocks_do_not_pay(one_thread_skylakex, m, k, n, dtype):
    assert _small_gemm.row_blocks(m, k, n, dtype) is None


def test_one_product_with_several_blas_threads_or_another_core(monkeypatch):
    monkeypatch.setattr(_small_gemm, "_PROBE", [lambda: 2])
    assert _small_gemm.row_blocks(512, 128, 32, F32) is None
    monkeypatch.setattr(_small_gemm, "_PROBE", [None])
    assert _small_gemm.row_blocks(512, 128, 32, F32) is None


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("GRADKIT_SMALL_GEMM", "0")
    assert _small_gemm._probe() is None


@pytest.mark.parametrize("dtype", [F32, F64])
def test_blocks_compute_the_product(one_thread_skylakex, dtype):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((512, 128)).astype(dtype)
    b = rng.standard_normal((128, 32)).astype(dtype)
    out = np.empty((512, 32), dtype)
    for start, stop in _small_gemm.row_blocks(512, 128, 32, dtype):
        np.matmul(a[start:stop], b, out=out[start:stop])
    tol = 1e-5 if dtype == F32 else 1e-12
    np.testing.assert_allclose(out, a.astype(np.float64) @ b.astype(np.float64), rtol=tol,
                               atol=tol)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_lstm_in_blocks_against_torch(one_thread_skylakex, bidirectional, with_state):
    """Hidden 128, batch 32: the per-step products (512, 128) @ (128, 32) forward and
    (128, 512) @ (512, 32) backward run in row blocks; 11 steps: the backward's gate
    multipliers come in chunks of 8 steps and 3."""
    torch = pytest.importorskip("torch")
    T, B, I, H = 11, 32, 8, 128
    D = 2 if bidirectional else 1
    m = gk.nn.LSTM(I, H, bidirectional=bidirectional)
    tm = torch.nn.LSTM(I, H, bidirectional=bidirectional)
    tm.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                        for k, v in m.state_dict().items()})
    rng = np.random.default_rng(1)
    x_np = rng.standard_normal((T, B, I)).astype(np.float32)
    st_np = [rng.standard_normal((D, B, H)).astype(np.float32) for _ in range(2)]
    x, tx = gk.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    st = [gk.tensor(s, requires_grad=True) for s in st_np]
    tst = [torch.tensor(s, requires_grad=True) for s in st_np]
    out, (h, c) = m(x, tuple(st) if with_state else None)
    tout, (th, tc) = tm(tx, tuple(tst) if with_state else None)
    w = [rng.standard_normal(tuple(o.shape)).astype(np.float32) for o in (out, h, c)]
    loss = sum((o * gk.tensor(wi)).sum() for o, wi in zip((out, h, c), w))
    tloss = sum((o * torch.from_numpy(wi)).sum() for o, wi in zip((tout, th, tc), w))
    loss.backward()
    tloss.backward()
    for a, b in [(out, tout), (h, th), (c, tc), (x.grad, tx.grad)] + (
            list(zip([s.grad for s in st], [s.grad for s in tst])) if with_state else []):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=3e-5, rtol=1e-4)
    tparams = dict(tm.named_parameters())
    for name, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), atol=3e-5,
                                   rtol=1e-4, err_msg=name)
