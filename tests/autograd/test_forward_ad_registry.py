"""Forward-mode AD (``gradkit.autograd.forward_ad``) gives torch's tangents for every op.

For every differentiable sample of the op registry (``tests/functions/samples``): the inputs
that take a gradient become dual tensors with random tangents, and the tangent of every floating
output (``unpack_dual``) is torch's Jacobian-vector product, with torch's ``requires_grad``
(False: no input requires grad) and the same primal values. Ops torch has no forward AD formula
for are checked against gradkit's own reverse mode instead (J t from the vjp of each unit
cotangent).
"""

from __future__ import annotations

import numpy as np
import pytest
from functions.samples import SAMPLES
from functions.test_registry import _differentiable, _flat, _floats, _gk_face, _run, _torch_face

import gradkit as gk

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning",
                                        "ignore::RuntimeWarning")


# sample id -> why torch's forward AD is not the oracle there: gradkit's tangent is checked against
# J v from reverse mode instead (torch's own reverse mode gives that same J v for each of these)
TORCH_FORWARD_DIFFERS = {
    "cholesky_inverse": "torch's forward formula disagrees with its own backward (its reverse-mode "
                        "J v is gradkit's tangent)",
    "triangular_solve": "torch's forward formula reads the whole tangent of A where the function "
                        "(and torch's backward) reads one triangle",
    "triangular_solve-1": "as triangular_solve",
    "scatter_reduce-3": "torch's tangent of reduce='prod' is undefined (None)",
    "norm_except_dim-2": "torch raises setting the tangent of its 0-d result ('different size')",
}


def _tangents(lib, face, sample, vs):
    """``(primals, tangents)`` of the floating outputs of the sample with dual inputs."""
    fw = lib.autograd.forward_ad
    _, leaves, call = _run(lib, face, sample, grad=True)
    with fw.dual_level():
        duals = [fw.make_dual(x.detach(), lib.tensor(v, dtype=x.dtype))
                 for x, v in zip(leaves, vs)]
        outs = _floats(call(*duals))
        unpacked = [fw.unpack_dual(o) for o in outs]
        return [u.primal for u in unpacked], [u.tangent for u in unpacked]


def _jvp_by_reverse(sample, vs):
    """J v from gradkit's reverse mode: one vjp per output element."""
    _, leaves, call = _run(gk, _gk_face(sample), sample, grad=True)
    outs = _floats(call(*leaves))
    res = []
    for o in outs:
        flat = o.reshape(-1)
        jv = np.zeros(flat.shape[0])
        for k in range(flat.shape[0]):
            gs = gk.autograd.grad(flat[k], leaves, allow_unused=True, retain_graph=True)
            jv[k] = sum(float((g.double() * gk.tensor(v).double()).sum())
                        for g, v in zip(gs, vs) if g is not None)
        res.append(jv.reshape(tuple(o.shape)))
    return res


@pytest.mark.parametrize("sample", [
    pytest.param(s, id=s.id) for s in SAMPLES
    if _differentiable(s) and "grad_torch" not in s.xfail and "grad" not in s.xfail])
def test_forward_ad_tangent_matches_torch(torch, sample):
    _, leaves, _ = _run(gk, _gk_face(sample), sample, grad=True)
    rng = np.random.default_rng(3)
    vs = [rng.standard_normal(tuple(x.shape)) for x in leaves]
    gp, gt = _tangents(gk, _gk_face(sample), sample, vs)
    try:
        if sample.id in TORCH_FORWARD_DIFFERS:
            raise NotImplementedError("forward AD: " + TORCH_FORWARD_DIFFERS[sample.id])
        tp, tt = _tangents(torch, _torch_face(torch, sample), sample, vs)
    except (NotImplementedError, RuntimeError) as e:
        if "forward AD" not in str(e) and "not implemented" not in str(e).lower():
            raise
        want = _jvp_by_reverse(sample, vs)
        assert len(gt) == len(want)
        for a, b in zip(gt, want):
            assert a is not None
            np.testing.assert_allclose(a.numpy(), b, rtol=1e-6, atol=max(sample.atol, 1e-8))
        return
    assert len(gt) == len(tt)
    for i, (a, b, pa, pb) in enumerate(zip(gt, tt, gp, tp)):
        np.testing.assert_allclose(pa.detach().numpy(), pb.detach().numpy(), rtol=1e-6,
                                   atol=max(sample.atol, 1e-8), err_msg=f"primal {i}")
        if b is not None and b._is_zerotensor():  # torch's symbolic zeros (slogdet's sign)
            assert a is None or not a.numpy().any(), f"tangent {i}: torch's is zero"
            continue
        assert (a is None) == (b is None), f"tangent {i}: {a is None} vs torch {b is None}"
        if b is None:
            continue
        assert tuple(a.shape) == tuple(b.shape), f"tangent {i} shape"
        assert a.requires_grad == b.requires_grad, f"tangent {i} requires_grad"
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-6,
                                   atol=max(sample.atol, 1e-8), err_msg=f"tangent {i}")


def _hvp(lib, face, sample, vs, u):
    """Forward over reverse: the tangents of the gradients of ``<out, u>`` taken (with
    create_graph) inside a dual level whose inputs carry ``vs``."""
    fw = lib.autograd.forward_ad
    _, leaves, call = _run(lib, face, sample, grad=True)
    with fw.dual_level():
        duals = [fw.make_dual(x, lib.tensor(v, dtype=x.dtype)) for x, v in zip(leaves, vs)]
        out = _flat(lib, call(*duals))
        gs = lib.autograd.grad(out, leaves, lib.tensor(u, dtype=out.dtype), create_graph=True,
                               allow_unused=True)
        return [None if g is None else fw.unpack_dual(g).tangent for g in gs]


@pytest.mark.parametrize("sample", [
    pytest.param(s, id=s.id) for s in SAMPLES
    if _differentiable(s) and "grad_torch" not in s.xfail and "grad" not in s.xfail
    and "second" not in s.xfail])
def test_forward_over_reverse_matches_torch(torch, sample):
    _, leaves, _ = _run(gk, _gk_face(sample), sample, grad=True)
    rng = np.random.default_rng(4)
    vs = [rng.standard_normal(tuple(x.shape)) for x in leaves]
    g_out, _, _ = _run(gk, _gk_face(sample), sample)
    u = rng.standard_normal(tuple(_flat(gk, g_out).shape))
    if sample.id in TORCH_FORWARD_DIFFERS:  # H v by reverse over reverse (H is symmetric)
        _, leaves, call = _run(gk, _gk_face(sample), sample, grad=True)
        out = _flat(gk, call(*leaves))
        gs = gk.autograd.grad(out, leaves, gk.tensor(u, dtype=out.dtype), create_graph=True,
                              allow_unused=True)
        total = sum((g * gk.tensor(v, dtype=g.dtype)).sum() for g, v in zip(gs, vs)
                    if g is not None and g.requires_grad)
        want = gk.autograd.grad(total, leaves, allow_unused=True)
        want = [None if w is None else gk.tensor(w.numpy()) for w in want]
    else:
        try:
            want = _hvp(torch, _torch_face(torch, sample), sample, vs, u)
        except (NotImplementedError, RuntimeError) as e:  # torch has no such formula here
            if "forward AD" not in str(e) and "not implemented" not in str(e).lower():
                raise
            pytest.skip(f"torch: {str(e)[:80]}")
    got = _hvp(gk, _gk_face(sample), sample, vs, u)
    for i, (a, b) in enumerate(zip(got, want)):
        if b is not None and hasattr(b, "_is_zerotensor") and b._is_zerotensor():
            b = None
        b = None if b is None else b.detach().numpy()
        a = None if a is None else a.detach().numpy()
        if b is None:
            assert a is None or not a.any(), f"tangent of gradient {i}: torch's is zero"
            continue
        a = np.zeros_like(b) if a is None else a
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=max(sample.atol, 1e-8),
                                   err_msg=f"tangent of gradient {i}")
