"""Every family against torch.distributions: log_prob, entropy, mean, mode, variance, stddev,
cdf, icdf, and their gradients with respect to the parameters, on several parameter sets."""

from __future__ import annotations

import numpy as np
import pytest
from _cases import CASES

import gradkit as gk
import gradkit.distributions as gd

torch = pytest.importorskip("torch")
td = torch.distributions

PROPS = ("mean", "mode", "variance", "stddev")
# torch's GeneralizedPareto fails in float64 ("Double did not match Float" from its
# isclose(concentration, tensor(0.0))): compared in float32 with float32 tolerances
F32_ONLY = {"GeneralizedPareto"}


def _rtol(family, rtol=1e-6):
    return 3e-5 if family in F32_ONLY else rtol


def build(family, kwargs):
    """The same distribution in gradkit and torch, with leaf parameters to differentiate."""
    gk_kw, t_kw, leaves = {}, {}, []
    np_dt = np.float32 if family in F32_ONLY else np.float64
    for name, v in kwargs.items():
        if isinstance(v, tuple):
            kind, val = v
            if kind == "int":
                gk_kw[name] = t_kw[name] = val
            elif kind == "float":
                gk_kw[name] = t_kw[name] = float(val)
            else:  # a tensor that is not differentiated
                gk_kw[name] = gk.tensor(val, dtype=gk.float64)
                t_kw[name] = torch.tensor(val, dtype=torch.float64)
        elif isinstance(v, float):
            gk_kw[name] = t_kw[name] = v
        else:
            g = gk.tensor(np.asarray(v, dtype=np_dt), requires_grad=True)
            t = torch.tensor(np.asarray(v, dtype=np_dt), requires_grad=True)
            gk_kw[name], t_kw[name] = g, t
            leaves.append((name, g, t))
    return getattr(gd, family)(**gk_kw), getattr(td, family)(**t_kw), leaves


def arr(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def compare(a, b, what, rtol=1e-7, atol=1e-9):
    np.testing.assert_allclose(arr(a), arr(b), rtol=rtol, atol=atol, err_msg=what)


def compare_grads(out_g, out_t, leaves, what, rtol=1e-6, atol=1e-8):
    """Gradients of a random projection of the output with respect to each parameter."""
    w = np.random.default_rng(7).standard_normal(tuple(out_t.shape))
    w = w.astype(out_t.detach().numpy().dtype)
    w_t = torch.tensor(w)
    g_leaves = [g for _, g, _ in leaves]
    t_leaves = [t for _, _, t in leaves]
    need = [t.requires_grad for t in t_leaves]
    t_out = (out_t * w_t).sum()
    if not t_out.requires_grad:
        return
    grads_t = torch.autograd.grad(t_out, t_leaves, allow_unused=True, retain_graph=True)
    grads_g = gk.autograd.grad((out_g * gk.tensor(w)).sum(), g_leaves, allow_unused=True,
                                retain_graph=True)
    for (name, _, _), gg, gt, n in zip(leaves, grads_g, grads_t, need):
        if not n or gt is None:
            continue
        assert gg is not None, f"{what}: no gradient for {name}"
        compare(gg, gt, f"{what}: gradient wrt {name}", rtol=rtol, atol=atol)


def values_for(t_dist, n=3):
    torch.manual_seed(0)
    with torch.no_grad():
        return t_dist.sample((n,))


@pytest.mark.parametrize("cid,family,kwargs", CASES, ids=[c[0] for c in CASES])
def test_log_prob_and_grad(cid, family, kwargs):
    g, t, leaves = build(family, kwargs)
    assert tuple(g.batch_shape) == tuple(t.batch_shape)
    assert tuple(g.event_shape) == tuple(t.event_shape)
    value = values_for(t)
    lp_t = t.log_prob(value)
    lp_g = g.log_prob(gk.tensor(value.numpy()))
    assert tuple(lp_g.shape) == tuple(lp_t.shape)
    compare(lp_g, lp_t, f"{cid} log_prob", rtol=_rtol(family), atol=_rtol(family, 1e-9))
    compare_grads(lp_g, lp_t, leaves, f"{cid} log_prob", rtol=_rtol(family),
                  atol=_rtol(family, 1e-8))


@pytest.mark.parametrize("cid,family,kwargs", CASES, ids=[c[0] for c in CASES])
def test_moments_entropy(cid, family, kwargs):
    g, t, leaves = build(family, kwargs)
    checked = 0  # noqa: F841
    for prop in PROPS + ("entropy",):
        try:
            ref = getattr(t, prop)() if prop == "entropy" else getattr(t, prop)
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                getattr(g, prop)() if prop == "entropy" else getattr(g, prop)
            continue
        got = getattr(g, prop)() if prop == "entropy" else getattr(g, prop)
        assert tuple(got.shape) == tuple(ref.shape), f"{cid} {prop} shape"
        compare(got, ref, f"{cid} {prop}", rtol=_rtol(family), atol=_rtol(family, 1e-9))
        if np.all(np.isfinite(arr(ref))):
            compare_grads(got, ref, leaves, f"{cid} {prop}", rtol=_rtol(family),
                          atol=_rtol(family, 1e-8))
        checked += 1


@pytest.mark.parametrize("cid,family,kwargs", CASES, ids=[c[0] for c in CASES])
def test_cdf_icdf(cid, family, kwargs):
    g, t, leaves = build(family, kwargs)
    value = values_for(t)
    try:
        ref = t.cdf(value)
    except NotImplementedError:
        ref = None
    if ref is not None:
        got = g.cdf(gk.tensor(value.numpy()))
        compare(got, ref, f"{cid} cdf", rtol=_rtol(family), atol=_rtol(family, 1e-9))
        if family not in ("Gamma", "Chi2", "InverseGamma"):  # torch: no d/d concentration
            compare_grads(got, ref, leaves, f"{cid} cdf", rtol=_rtol(family),
                          atol=_rtol(family, 1e-8))
    q = torch.tensor(np.random.default_rng(3).uniform(0.05, 0.95, (3,) + tuple(t.batch_shape)),
                     dtype=value.dtype if value.is_floating_point() else torch.float64)
    try:
        ref = t.icdf(q)
    except NotImplementedError:
        return
    got = g.icdf(gk.tensor(q.numpy()))
    compare(got, ref, f"{cid} icdf", rtol=_rtol(family), atol=_rtol(family, 1e-9))
    compare_grads(got, ref, leaves, f"{cid} icdf", rtol=_rtol(family), atol=_rtol(family, 1e-8))


@pytest.mark.parametrize("cid,family,kwargs", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 3)])
def test_sample_shapes(cid, family, kwargs, sample_shape):
    g, t, _ = build(family, kwargs)
    gk.manual_seed(0)
    s = g.sample(sample_shape)
    ref = t.sample(sample_shape)
    assert tuple(s.shape) == tuple(ref.shape)
    assert str(s.dtype).replace("gradkit.", "torch.") == str(ref.dtype)
    assert bool(g.support.check(s).all()) if not gd.constraints.is_dependent(g.support) \
        else True
    if t.has_rsample:
        assert g.has_rsample
        r = g.rsample(sample_shape)
        assert tuple(r.shape) == tuple(ref.shape)
        assert r.requires_grad == t.rsample(sample_shape).requires_grad


@pytest.mark.parametrize("cid,family,kwargs", CASES, ids=[c[0] for c in CASES])
def test_expand(cid, family, kwargs):
    g, t, _ = build(family, kwargs)
    new_batch = (2,) + tuple(t.batch_shape)
    ge, te = g.expand(new_batch), t.expand(new_batch)
    assert type(ge) is type(g)
    assert tuple(ge.batch_shape) == tuple(te.batch_shape)
    assert tuple(ge.event_shape) == tuple(te.event_shape)
    value = values_for(te, 1)
    compare(ge.log_prob(gk.tensor(value.numpy())), te.log_prob(value), f"{cid} expand",
            rtol=_rtol(family), atol=_rtol(family, 1e-9))


def build32(family, kwargs):
    gk_kw, t_kw = {}, {}
    for name, v in kwargs.items():
        if isinstance(v, tuple):
            kind, val = v
            if kind in ("int", "float"):
                gk_kw[name] = t_kw[name] = val
            else:
                gk_kw[name] = gk.tensor(np.float32(val))
                t_kw[name] = torch.tensor(np.float32(val))
        elif isinstance(v, float):
            gk_kw[name] = t_kw[name] = v
        else:
            gk_kw[name] = gk.tensor(np.asarray(v, dtype=np.float32))
            t_kw[name] = torch.tensor(np.asarray(v, dtype=np.float32))
    return getattr(gd, family)(**gk_kw), getattr(td, family)(**t_kw)


@pytest.mark.parametrize("cid,family,kwargs", CASES, ids=[c[0] for c in CASES])
def test_float32_dtypes(cid, family, kwargs):
    """float32 parameters give float32 results (never a float64 from a Python float)."""
    g, t = build32(family, kwargs)
    value = values_for(t)
    lp_t = t.log_prob(value)
    lp_g = g.log_prob(gk.tensor(value.numpy()))
    assert str(lp_g.dtype) == str(lp_t.dtype).replace("torch.", "gradkit.")
    compare(lp_g, lp_t, f"{cid} float32 log_prob", rtol=2e-4, atol=1e-4)
    gk.manual_seed(0)
    s, ref = g.sample((2,)), t.sample((2,))
    assert str(s.dtype) == str(ref.dtype).replace("torch.", "gradkit.")
    try:
        e_t = t.entropy()
    except NotImplementedError:
        return
    e_g = g.entropy()
    assert str(e_g.dtype) == str(e_t.dtype).replace("torch.", "gradkit.")


@pytest.mark.parametrize("cid", ["normal-broadcast", "gamma", "beta", "studentt", "dirichlet",
                                 "binomial-logits", "vonmises", "lowrank-mvn", "mvn-tril"])
def test_second_order_gradients(cid):
    """Hessian-vector products of log_prob with respect to the parameters (lgamma -> digamma ->
    trigamma, solves and Cholesky factors twice differentiated)."""
    family, kwargs = {c[0]: c[1:] for c in CASES}[cid]
    g, t, leaves = build(family, kwargs)
    value = values_for(t)
    lp_g = g.log_prob(gk.tensor(value.numpy())).sum()
    lp_t = t.log_prob(value).sum()
    g_leaves = [x for _, x, _ in leaves]
    t_leaves = [x for _, _, x in leaves]
    gg = gk.autograd.grad(lp_g, g_leaves, create_graph=True)
    tg = torch.autograd.grad(lp_t, t_leaves, create_graph=True)
    rng = np.random.default_rng(1)
    vs = [rng.standard_normal(tuple(x.shape)) for x in t_leaves]
    hv_g = gk.autograd.grad(sum((a * gk.tensor(v)).sum() for a, v in zip(gg, vs)), g_leaves)
    hv_t = torch.autograd.grad(sum((a * torch.tensor(v)).sum() for a, v in zip(tg, vs)),
                               t_leaves)
    for (name, _, _), a, b in zip(leaves, hv_g, hv_t):
        compare(a, b, f"{cid} Hessian-vector wrt {name}", rtol=1e-6, atol=1e-8)
