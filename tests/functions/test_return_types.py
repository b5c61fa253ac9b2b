"""Named results read as PyTorch's ``torch.return_types``: class name, fields and printing."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

M = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0], [1.0, 2.0, 7.0]])
SPD = M @ M.T + 3 * np.eye(3)

CALLS = {
    "max": lambda L, t: L.max(t, 1), "min": lambda L, t: t.min(0),
    "sort": lambda L, t: t.sort(), "topk": lambda L, t: t.topk(2),
    "kthvalue": lambda L, t: t.kthvalue(2), "median": lambda L, t: t.median(1),
    "nanmedian": lambda L, t: t.nanmedian(1), "mode": lambda L, t: t.mode(1),
    "cummax": lambda L, t: t.cummax(1), "cummin": lambda L, t: L.cummin(t, 0),
    "aminmax": lambda L, t: t.aminmax(dim=1),
    "histogram": lambda L, t: L.histogram(t, bins=3),
    "slogdet": lambda L, t: L.slogdet(t), "linalg_slogdet": lambda L, t: L.linalg.slogdet(t),
    "linalg_eigh": lambda L, t: L.linalg.eigh(t), "linalg_svd": lambda L, t: L.linalg.svd(t),
    "linalg_qr": lambda L, t: L.linalg.qr(t),
    "linalg_lu_factor": lambda L, t: L.linalg.lu_factor(t),
    "linalg_cholesky_ex": lambda L, t: L.linalg.cholesky_ex(t),
    "linalg_inv_ex": lambda L, t: L.linalg.inv_ex(t), "geqrf": lambda L, t: L.geqrf(t),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_named_results_are_pytorchs(name):
    ours = CALLS[name](gk, gk.tensor(SPD if "linalg" in name or "det" in name else M))
    theirs = CALLS[name](torch, torch.tensor(SPD if "linalg" in name or "det" in name else M))
    assert type(ours).__name__ == type(theirs).__name__ == name
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    fields = [f for f in dir(theirs) if not f.startswith("_") and f not in dir(tuple)
              and f not in ("n_fields", "n_sequence_fields", "n_unnamed_fields")]
    assert sorted(ours._fields) == sorted(fields)
    for f in ours._fields:
        a, b = getattr(ours, f).numpy(), getattr(theirs, f).numpy()
        if name in ("linalg_eigh", "linalg_svd"):  # vectors are defined up to sign
            a, b = np.abs(a), np.abs(b)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_prints_as_pytorch():
    ours = gk.tensor([[3.0, 1.0], [0.0, 5.0]]).max(1)
    theirs = torch.tensor([[3.0, 1.0], [0.0, 5.0]]).max(1)
    assert repr(ours) == repr(theirs).replace("torch.", "gradkit.")
    assert str(ours) == repr(ours)
    assert repr(ours).startswith("gradkit.return_types.max(\nvalues=tensor([3., 5.]),\n")


@pytest.mark.parametrize("name, call", [
    ("max", lambda L, x, out: L.max(x, 1, out=out)),
    ("min", lambda L, x, out: L.min(x, 0, out=out)),
    ("sort", lambda L, x, out: L.sort(x, out=out)),
    ("topk", lambda L, x, out: L.topk(x, 1, out=out)),
])
def test_the_out_form_returns_the_out_named_tuple(name, call):
    # PyTorch: torch.max(x, 1, out=(v, i)) is a torch.return_types.max_out, printed as one
    got, want = None, None
    for L in (gk, torch):
        x = L.tensor(M)
        out = (L.empty(0, dtype=L.float64), L.empty(0, dtype=L.int64))
        res = call(L, x, out)
        assert res[0] is out[0] and res[1] is out[1]
        if L is gk:
            got = (type(res).__name__, repr(res).replace("gradkit.", "torch."))
        else:
            want = (type(res).__name__, repr(res))
    assert got == want and got[0] == name + "_out"
