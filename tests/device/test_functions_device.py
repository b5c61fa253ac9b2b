"""Shape, indexing, scatter, scan, binary/unary, order-statistics, set/search and distance
functions on the device: same values and gradients as on the CPU, results stay on the device.
A real GPU through CuPy when present, else the CPU stand-in (gradkit/_fake_cuda.py), which
refuses to mix device and host arrays where CuPy would."""

import numpy as np
import pytest

import gradkit as gk

_g = np.random.default_rng(5)
DATA = {
    "a": _g.standard_normal((3, 4)).astype(np.float32),
    "b": _g.standard_normal((3, 4)).astype(np.float32),
    "p": _g.uniform(0.5, 2.0, (3, 4)).astype(np.float32),
    "B": _g.standard_normal((2, 3, 4)).astype(np.float32),
    "v": np.sort(_g.standard_normal(5)).astype(np.float32),
    "i": np.array([[0, 2, 1, 0], [2, 0, 1, 2]]),
    "k": np.array([1, 0, 3, 1, 1]),
}


def _nan(a):
    return gk.where(a > 1.0, float("nan"), a)


CASES = {
    "roll-tile": (lambda a: (a.roll(1, 0), gk.roll(a, (1, -1), (0, 1)), a.roll(3), a.tile((2,)),
                             gk.tile(a, (2, 1, 1))), "a"),
    "repeat_interleave": (lambda a, k: (a.repeat_interleave(2, 0), a.repeat_interleave(2),
                                        a.repeat_interleave(k[:4] % 3, 1),
                                        gk.repeat_interleave(k)), "ak"),
    "movedim-diagonal": (lambda B, a: (B.movedim(0, -1), gk.moveaxis(B, (0, 1), (1, 0)),
                                       B.diagonal(1, 1, 2), a.diagonal(-1), a.trace()), "Ba"),
    "meshgrid": (lambda v, a: gk.meshgrid(v, a[0], indexing="xy"), "va"),
    "nonzero": (lambda a: (gk.nonzero(a > 0), (a > 0).nonzero(as_tuple=True), gk.argwhere(a)),
                "a"),
    "scatter": (lambda a, i, b: (a.scatter(0, i, b), gk.scatter(a, 1, i, 2.0),
                                 (a * 1.0).scatter_(0, i, b)), "aib"),
    "scatter_reduce": (lambda a, i, b: tuple(gk.scatter_reduce(a, 0, i, b, r, include_self=s)
                                             for r in ("sum", "prod", "mean", "amax", "amin")
                                             for s in (True, False)), "aib"),
    "take-tensordot": (lambda a, i, B: (gk.take_along_dim(a, i, 0), a.take_along_dim(i[:1]),
                                        gk.tensordot(B, a, ([1, 2], [0, 1]))), "aiB"),
    "cumprod-diff": (lambda a: (a.cumprod(1), gk.cumprod(a * (a > 0), 0), a.diff(),
                                gk.diff(a, 2, 0, prepend=a[:1])), "a"),
    "binary": (lambda a, b, p: (gk.atan2(a, b), gk.hypot(a, b), gk.logaddexp(a, b),
                                gk.logaddexp2(a, b), gk.xlogy(a, p), gk.xlogy(2.0, p)), "abp"),
    "unary": (lambda a: (gk.sinc(a), gk.nan_to_num(gk.log(a)), gk.nansum(_nan(a)),
                         gk.nanmean(_nan(a), 1)), "a"),
    "order-stats": (lambda a: (a.median(), *a.median(1), *a.kthvalue(2, 0), a.quantile(0.3),
                               gk.quantile(a, gk.tensor([0.2, 0.9], device=a.device), 1),
                               *a.cummax(1), *a.cummin(0), a.logcumsumexp(1)), "a"),
    "sets-search": (lambda k, v, a: (gk.unique(k, return_inverse=True, return_counts=True),
                                     gk.bincount(k), gk.bincount(k, v), gk.searchsorted(v, a),
                                     gk.bucketize(a, v, right=True)), "kva"),
    "cdist-rot-kron": (lambda a, b, B: (gk.cdist(a, b), gk.cdist(a, b, p=1), gk.cdist(B, a),
                                        gk.rot90(a), a.rot90(3, (1, 0)), gk.kron(a, b[:2, :2])),
                       "abB"),
}


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in _flat(o)]
    return [out]


def _run(fn, names, device):
    ins = [gk.tensor(DATA[n], device=device, requires_grad=DATA[n].dtype.kind == "f")
           for n in names]
    with np.errstate(all="ignore"):
        outs = _flat(fn(*ins))
        loss = None
        for k, o in enumerate(outs):
            if o.requires_grad:
                w = gk.tensor(np.linspace(-1, 1, max(o.numel(), 1), dtype=np.float32)
                              .reshape(tuple(o.shape)) * (k + 1), device=device)
                term = gk.nansum(o * w)
                loss = term if loss is None else loss + term
        if loss is not None:
            loss.backward()
    return outs, [t.grad for t in ins]


@pytest.mark.parametrize("name", list(CASES))
def test_matches_cpu(cuda, name):
    fn, names = CASES[name]
    outs_c, grads_c = _run(fn, names, "cpu")
    outs_d, grads_d = _run(fn, names, cuda)
    assert len(outs_c) == len(outs_d)
    for k, (c, d) in enumerate(zip(outs_c, outs_d)):
        assert d.is_cuda, f"{name}: output {k} left the device"
        assert d.dtype == c.dtype and tuple(d.shape) == tuple(c.shape), f"{name}: output {k}"
        np.testing.assert_allclose(d.detach().cpu().numpy(), c.detach().numpy(), rtol=2e-4,
                                   atol=2e-5, err_msg=f"{name}: output {k}")
    for k, (c, d) in enumerate(zip(grads_c, grads_d)):
        assert (c is None) == (d is None), f"{name}: gradient {k}"
        if c is not None:
            assert d.is_cuda, f"{name}: gradient {k} left the device"
            np.testing.assert_allclose(d.cpu().numpy(), c.numpy(), rtol=2e-4, atol=2e-5,
                                       err_msg=f"{name}: gradient of input {k}")
