"""The layout of each result of a factorization with several (qr, eigh, svd, slogdet, eig,
lu_factor, lstsq, ldl_factor, geqrf, ...), against PyTorch: each is its own tensor, a matrix
column-major per batch entry, a vector or number contiguous (gradkit's packed buffer is not
seen), batched too; the grad_fn reads as the factorization's and gradients flow as before."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

R = np.random.default_rng(5)


def _operands(lib, batch):
    a = R.standard_normal(batch + (4, 4)) + 4 * np.eye(4)
    spd = a @ np.swapaxes(a, -1, -2) + 4 * np.eye(4)
    rect = R.standard_normal(batch + (4, 3))
    wide = R.standard_normal(batch + (3, 4))
    rhs = R.standard_normal(batch + (4, 2))
    return tuple(lib.tensor(x) for x in (a, spd, rect, wide, rhs))


CASES = {
    "qr": lambda L, a, s, r, w, b: L.linalg.qr(a),
    "qr_rect": lambda L, a, s, r, w, b: L.linalg.qr(r),
    "qr_complete": lambda L, a, s, r, w, b: L.linalg.qr(r, mode="complete"),
    "qr_r": lambda L, a, s, r, w, b: L.linalg.qr(r, mode="r"),
    "eigh": lambda L, a, s, r, w, b: L.linalg.eigh(s),
    "svd": lambda L, a, s, r, w, b: L.linalg.svd(a),
    "svd_reduced": lambda L, a, s, r, w, b: L.linalg.svd(r, full_matrices=False),
    "svd_wide_full": lambda L, a, s, r, w, b: L.linalg.svd(w),
    "torch_svd": lambda L, a, s, r, w, b: L.svd(r),
    "slogdet": lambda L, a, s, r, w, b: L.linalg.slogdet(a),
    "eig": lambda L, a, s, r, w, b: L.linalg.eig(a),
    "eigvals": lambda L, a, s, r, w, b: (L.linalg.eigvals(a),),
    "lu_factor": lambda L, a, s, r, w, b: L.linalg.lu_factor(a),
    "lu_factor_ex": lambda L, a, s, r, w, b: L.linalg.lu_factor_ex(a),
    "lu": lambda L, a, s, r, w, b: L.linalg.lu(a),
    "lstsq": lambda L, a, s, r, w, b: L.linalg.lstsq(a, b),
    "ldl_factor": lambda L, a, s, r, w, b: L.linalg.ldl_factor(s),
    "ldl_factor_ex": lambda L, a, s, r, w, b: L.linalg.ldl_factor_ex(s),
    "cholesky_ex": lambda L, a, s, r, w, b: L.linalg.cholesky_ex(s),
    "inv_ex": lambda L, a, s, r, w, b: L.linalg.inv_ex(a),
    "geqrf": lambda L, a, s, r, w, b: L.geqrf(a),
}


def _layouts(lib, name, batch):
    out = CASES[name](lib, *_operands(lib, batch))
    return [(tuple(t.shape), t.stride(), t.is_contiguous()) for t in out]


@pytest.mark.parametrize("batch", [(), (2, 3)], ids=["single", "batched"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_results_laid_out_as_torch(name, batch):
    assert _layouts(gk, name, batch) == _layouts(torch, name, batch)


def test_results_own_their_storage_and_keep_gradients():
    a = gk.tensor(R.standard_normal((2, 4, 3)), requires_grad=True)
    q, r = gk.linalg.qr(a)
    assert type(q.grad_fn).__name__ == type(r.grad_fn).__name__ == "LinalgQrBackward0"
    assert not q._is_view() and q.data_ptr() != r.data_ptr()
    (q.sum() + r.sum()).backward()
    ta = torch.tensor(a.detach().numpy(), requires_grad=True)
    tq, tr = torch.linalg.qr(ta)
    (tq.sum() + tr.sum()).backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-10)
