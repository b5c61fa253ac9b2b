"""scaled_dot_product_attention and MultiheadAttention against PyTorch, finite differences,
masks, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from oracle import check_grad

import gradkit as gk
from gradkit import nn
from gradkit.nn import functional as F


def _np(t):
    return t.detach().numpy()


def _pair(rng, shape, dtype=np.float32):
    a = rng.standard_normal(shape).astype(dtype)
    return gk.tensor(a, requires_grad=True), a


# --------------------------------------------------------------------------------------- SDPA
@pytest.mark.parametrize("mask_kind", [None, "causal", "bool", "float", "bool_broadcast"])
def test_sdpa_against_torch(torch, rng, mask_kind):
    B, H, L, S, E, Ev = 2, 3, 4, 5, 6, 7
    if mask_kind == "causal":
        S = L
    q, qa = _pair(rng, (B, H, L, E))
    k, ka = _pair(rng, (B, H, S, E))
    v, va = _pair(rng, (B, H, S, Ev))
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (qa, ka, va))
    kwargs, tkwargs = {}, {}
    if mask_kind == "causal":
        kwargs = tkwargs = {"is_causal": True}
    elif mask_kind == "bool":
        m = rng.random((B, H, L, S)) > 0.3
        m[..., 0] = True
        kwargs, tkwargs = {"attn_mask": gk.tensor(m)}, {"attn_mask": torch.tensor(m)}
    elif mask_kind == "bool_broadcast":
        m = rng.random((L, S)) > 0.5
        m[:, 1] = True
        kwargs, tkwargs = {"attn_mask": gk.tensor(m)}, {"attn_mask": torch.tensor(m)}
    elif mask_kind == "float":
        m = rng.standard_normal((L, S)).astype(np.float32)
        kwargs, tkwargs = {"attn_mask": gk.tensor(m)}, {"attn_mask": torch.tensor(m)}
    out = F.scaled_dot_product_attention(q, k, v, **kwargs)
    tout = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, **tkwargs)
    np.testing.assert_allclose(_np(out), tout.detach().numpy(), atol=1e-5, rtol=1e-5)
    w = rng.standard_normal(out.shape).astype(np.float32)
    (out * gk.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for a, b in ((q, tq), (k, tk), (v, tv)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-5, rtol=1e-4)


def test_sdpa_scale_and_gqa(torch, rng):
    q, qa = _pair(rng, (1, 4, 3, 8))
    k, ka = _pair(rng, (1, 2, 5, 8))
    v, va = _pair(rng, (1, 2, 5, 8))
    out = F.scaled_dot_product_attention(q, k, v, scale=0.3, enable_gqa=True)
    tout = torch.nn.functional.scaled_dot_product_attention(
        torch.tensor(qa), torch.tensor(ka), torch.tensor(va), scale=0.3, enable_gqa=True)
    np.testing.assert_allclose(_np(out), tout.numpy(), atol=1e-5, rtol=1e-5)


def test_sdpa_finite_differences(rng):
    q = gk.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    k = gk.tensor(rng.standard_normal((2, 5, 4)), requires_grad=True)
    v = gk.tensor(rng.standard_normal((2, 5, 3)), requires_grad=True)
    mask = gk.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    check_grad(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
               [q, k, v, mask])
    check_grad(lambda q, k, v: F.scaled_dot_product_attention(q, k[:, :3], v[:, :3],
                                                               is_causal=True), [q, k, v])


def test_sdpa_second_order(rng):
    q = gk.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    k = gk.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    v = gk.tensor(rng.standard_normal((5, 2)), requires_grad=True)

    def first(q, k, v):
        outer = gk.is_grad_enabled()  # check_grad's finite differences run under no_grad
        with gk.enable_grad():
            out = F.scaled_dot_product_attention(q, k, v)
            (gq,) = gk.autograd.grad((out ** 2).sum(), [q], create_graph=True)
        return gq if outer else gq.detach()

    check_grad(first, [q, k, v], atol=1e-5)


def test_sdpa_dropout_is_seeded():
    q = gk.randn(2, 3, 4)
    gk.manual_seed(3)
    a = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    gk.manual_seed(3)
    b = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    np.testing.assert_array_equal(_np(a), _np(b))


def test_sdpa_errors():
    q = gk.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match="same embedding size"):
        F.scaled_dot_product_attention(q, gk.randn(2, 3, 5), gk.randn(2, 3, 5))
    with pytest.raises(RuntimeError, match="is_causal"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=gk.ones(3, 3, dtype=gk.bool),
                                       is_causal=True)


# ---------------------------------------------------------------------------------------- MHA
def _mha_pair(torch, *args, **kwargs):
    m = nn.MultiheadAttention(*args, **kwargs)
    tm = torch.nn.MultiheadAttention(*args, **kwargs)
    sd = {k: torch.from_numpy(_np(v).copy()) for k, v in m.state_dict().items()}
    tm.load_state_dict(sd)
    m.eval()
    tm.eval()
    return m, tm


def _check_mha(torch, m, tm, q, k, v, rng, self_attn=False, **kw):
    tkw = {}
    for name, val in kw.items():
        tkw[name] = torch.from_numpy(val) if isinstance(val, np.ndarray) else val
        kw[name] = gk.tensor(val) if isinstance(val, np.ndarray) else val
    gq = gk.tensor(q, requires_grad=True)
    tq = torch.tensor(q, requires_grad=True)
    if self_attn:
        gk_, gv, tk_, tv = gq, gq, tq, tq
    else:
        gk_, gv = gk.tensor(k, requires_grad=True), gk.tensor(v, requires_grad=True)
        tk_, tv = torch.tensor(k, requires_grad=True), torch.tensor(v, requires_grad=True)
    out, w = m(gq, gk_, gv, **kw)
    tout, tw = tm(tq, tk_, tv, **tkw)
    np.testing.assert_allclose(_np(out), tout.detach().numpy(), atol=2e-5, rtol=1e-4)
    if tw is None:
        assert w is None
    else:
        np.testing.assert_allclose(_np(w), tw.detach().numpy(), atol=2e-5, rtol=1e-4)
    g = rng.standard_normal(out.shape).astype(np.float32)
    (out * gk.tensor(g)).sum().backward()
    (tout * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(gq.grad.numpy(), tq.grad.numpy(), atol=3e-5, rtol=1e-4)
    if not self_attn:
        np.testing.assert_allclose(gk_.grad.numpy(), tk_.grad.numpy(), atol=3e-5, rtol=1e-4)
        np.testing.assert_allclose(gv.grad.numpy(), tv.grad.numpy(), atol=3e-5, rtol=1e-4)
    tp = dict(tm.named_parameters())
    for n, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[n].grad.numpy(), atol=3e-5, rtol=1e-4,
                                   err_msg=n)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_against_torch(torch, rng, batch_first, need_weights, average):
    E, H, L, S, N = 8, 2, 4, 5, 3
    m, tm = _mha_pair(torch, E, H, batch_first=batch_first)
    qs = (N, L, E) if batch_first else (L, N, E)
    ks = (N, S, E) if batch_first else (S, N, E)
    q = rng.standard_normal(qs).astype(np.float32)
    k = rng.standard_normal(ks).astype(np.float32)
    v = rng.standard_normal(ks).astype(np.float32)
    _check_mha(torch, m, tm, q, k, v, rng, need_weights=need_weights,
               average_attn_weights=average)


def test_mha_self_attention_masks(torch, rng):
    E, H, L, N = 8, 4, 5, 2
    m, tm = _mha_pair(torch, E, H, batch_first=True)
    x = rng.standard_normal((N, L, E)).astype(np.float32)
    causal = np.triu(np.ones((L, L), dtype=bool), 1)
    kpm = np.zeros((N, L), dtype=bool)
    kpm[0, -2:] = True
    _check_mha(torch, m, tm, x, x, x, rng, self_attn=True, attn_mask=causal,
               key_padding_mask=kpm)
    fmask = rng.standard_normal((N * H, L, L)).astype(np.float32)
    fkpm = rng.standard_normal((N, L)).astype(np.float32)
    _check_mha(torch, m, tm, x, x, x, rng, self_attn=True, attn_mask=fmask,
               key_padding_mask=fkpm, average_attn_weights=False)


def test_mha_kdim_vdim_bias_kv_zero_attn(torch, rng):
    E, H, L, S, N = 6, 3, 4, 3, 2
    m, tm = _mha_pair(torch, E, H, kdim=5, vdim=7, add_bias_kv=True, add_zero_attn=True)
    assert "q_proj_weight" in dict(m.named_parameters())
    q = rng.standard_normal((L, N, E)).astype(np.float32)
    k = rng.standard_normal((S, N, 5)).astype(np.float32)
    v = rng.standard_normal((S, N, 7)).astype(np.float32)
    kpm = np.zeros((N, S), dtype=bool)
    kpm[1, 0] = True
    _check_mha(torch, m, tm, q, k, v, rng, key_padding_mask=kpm,
               attn_mask=np.triu(np.ones((L, S), dtype=bool), 1))


def test_mha_no_bias_unbatched(torch, rng):
    m, tm = _mha_pair(torch, 4, 2, bias=False)
    q = rng.standard_normal((3, 4)).astype(np.float32)
    k = rng.standard_normal((5, 4)).astype(np.float32)
    v = rng.standard_normal((5, 4)).astype(np.float32)
    _check_mha(torch, m, tm, q, k, v, rng)
    _check_mha(torch, m, tm, q, k, v, rng, average_attn_weights=False)


def test_mha_parameter_names_and_init():
    m = nn.MultiheadAttention(8, 2)
    assert [n for n, _ in m.named_parameters()] == [
        "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert np.all(_np(m.in_proj_bias) == 0) and np.all(_np(m.out_proj.bias) == 0)
    assert np.abs(_np(m.in_proj_weight)).max() <= np.sqrt(6 / (8 + 24))


def test_mha_finite_differences(rng):
    m = nn.MultiheadAttention(4, 2, add_bias_kv=True).double()
    m.eval()
    x = gk.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    mask = np.triu(np.ones((3, 3), dtype=bool), 1)

    def fn(x, *ps):
        out, w = m(x, x, x, attn_mask=gk.tensor(np.pad(mask, ((0, 0), (0, 0)))))
        return gk.cat([out.reshape(-1), w.reshape(-1)])

    check_grad(fn, [x] + list(m.parameters()))


def test_mha_dropout_train_vs_eval():
    m = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = gk.randn(4, 2, 8)
    a, _ = m(x, x, x)
    b, _ = m(x, x, x)
    assert not np.allclose(_np(a), _np(b))
    m.eval()
    c, _ = m(x, x, x)
    d, _ = m(x, x, x)
    np.testing.assert_array_equal(_np(c), _np(d))


def test_mha_errors(torch):
    # PyTorch asserts the head count divides the width: AssertionError, in the layer and in F
    with pytest.raises(AssertionError, match="divisible"):
        torch.nn.MultiheadAttention(10, 3)
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(AssertionError, match="divisible"):
        F.multi_head_attention_forward(gk.randn(2, 1, 10), gk.randn(2, 1, 10), gk.randn(2, 1, 10),
                                       10, 3, gk.randn(30, 10), None, None, None, False, 0.0,
                                       gk.randn(10, 10), None)
    m = nn.MultiheadAttention(8, 2)
    x = gk.randn(4, 2, 8)
    with pytest.raises(AssertionError, match="embed_dim=8.*\\(4, 2, 6\\)"):  # (as PyTorch)
        m(gk.randn(4, 2, 6), x, x)
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \(3, 3\).*\(4, 4\)"):
        m(x, x, x, attn_mask=gk.zeros(3, 3))
    with pytest.raises(RuntimeError, match="key_padding_mask"):
        m(x, x, x, key_padding_mask=gk.zeros(2, 3, dtype=gk.bool))
    with pytest.raises(RuntimeError, match="is_causal"):
        m(x, x, x, is_causal=True)


@pytest.mark.parametrize("kind", ["bool", "float"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sdpa_fully_masked_row_is_zero_as_torch(torch, kind, dtype):
    # PyTorch's SDPA (a "safe" softmax) gives 0 output and 0 gradients for a query whose keys are
    # all masked out, and finite gradients elsewhere; gradkit gave nan everywhere in k/v grads.
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal(s).astype(dtype) for s in ((2, 3, 4, 5), (2, 3, 6, 5),
                                                              (2, 3, 6, 7)))
    if kind == "bool":
        m = np.ones((4, 6), dtype=bool)
        m[1] = False
    else:
        m = np.zeros((4, 6), dtype=dtype)
        m[1] = -np.inf
    w = rng.standard_normal((2, 3, 4, 7)).astype(dtype)
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    to = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.tensor(m))
    (to * torch.tensor(w)).sum().backward()
    gq, gk_, gv = (gk.tensor(a, requires_grad=True) for a in (q, k, v))
    go = F.scaled_dot_product_attention(gq, gk_, gv, attn_mask=gk.tensor(m))
    (go * gk.tensor(w)).sum().backward()
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(_np(go), to.detach().numpy(), rtol=tol, atol=tol)
    for g, t in ((gq, tq), (gk_, tk), (gv, tv)):
        np.testing.assert_allclose(_np(g.grad), t.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("need_weights", [False, True])
@pytest.mark.parametrize("train", [False, True])
def test_mha_fully_padded_batch_element_as_torch(torch, need_weights, train):
    # torch: need_weights=False runs SDPA, so a batch element whose keys are all padded gives the
    # output projection's bias (0 attention); need_weights=True runs softmax and gives nan.
    rng = np.random.default_rng(1)
    E, H, L, S, N = 8, 2, 4, 5, 3
    t = torch.nn.MultiheadAttention(E, H, dtype=torch.float64).train(train)
    g = nn.MultiheadAttention(E, H, dtype=gk.float64).train(train)
    g.load_state_dict({k: gk.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x, kk, vv = rng.standard_normal((L, N, E)), rng.standard_normal((S, N, E)), \
        rng.standard_normal((S, N, E))
    kpm = np.zeros((N, S), dtype=bool)
    kpm[1] = True
    kpm[0, 2] = True
    to, tw = t(*(torch.tensor(a) for a in (x, kk, vv)), key_padding_mask=torch.tensor(kpm),
               need_weights=need_weights)
    gi = [gk.tensor(a, requires_grad=True) for a in (x, kk, vv)]
    go, gw = g(*gi, key_padding_mask=gk.tensor(kpm), need_weights=need_weights)
    np.testing.assert_allclose(_np(go), to.detach().numpy(), rtol=1e-10, atol=1e-12)
    if need_weights:
        np.testing.assert_allclose(_np(gw), tw.detach().numpy(), rtol=1e-10, atol=1e-12)
    else:
        assert gw is None and tw is None
        go.sum().backward()
        assert all(np.isfinite(_np(a.grad)).all() for a in gi)
        assert np.isfinite(_np(g.in_proj_weight.grad)).all()


def test_sdpa_dropout_one_gives_zeros_as_torch(torch):
    # dropout_p=1 drops every weight: torch returns zeros; gradkit divided by 1 - p = 0 (nan)
    rng = np.random.default_rng(2)
    q = rng.standard_normal((1, 2, 3, 4))
    to = torch.nn.functional.scaled_dot_product_attention(*(torch.tensor(q),) * 3, dropout_p=1.0)
    gq = gk.tensor(q, requires_grad=True)
    go = F.scaled_dot_product_attention(gq, gq, gq, dropout_p=1.0)
    np.testing.assert_array_equal(_np(go), to.numpy())
    go.sum().backward()
    np.testing.assert_array_equal(_np(gq.grad), np.zeros_like(q))


def test_mha_dropout_one_gives_zero_attention_as_torch(torch):
    rng = np.random.default_rng(3)
    t = torch.nn.MultiheadAttention(4, 2, dropout=1.0, dtype=torch.float64).train()
    g = nn.MultiheadAttention(4, 2, dropout=1.0, dtype=gk.float64).train()
    g.load_state_dict({k: gk.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = rng.standard_normal((3, 2, 4))
    to, tw = t(*(torch.tensor(x),) * 3)
    go, gw = g(*(gk.tensor(x),) * 3)
    np.testing.assert_allclose(_np(go), to.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(_np(gw), tw.detach().numpy())


def test_mha_returned_weights_are_after_dropout_as_torch(torch):
    # torch returns the attention weights after dropout (the ones multiplied into V): each entry
    # is 0 or the eval-mode weight / (1 - p); gradkit returned the weights before dropout.
    rng = np.random.default_rng(4)
    g = nn.MultiheadAttention(8, 2, dropout=0.5, dtype=gk.float64)
    x = gk.tensor(rng.standard_normal((6, 3, 8)))
    g.eval()
    _, w_eval = g(x, x, x, average_attn_weights=False)
    g.train()
    gk.manual_seed(0)
    out, w = g(x, x, x, average_attn_weights=False)
    w, w_eval = _np(w), _np(w_eval)
    dropped = w == 0
    assert dropped.any() and not dropped.all()
    np.testing.assert_allclose(w[~dropped], 2 * w_eval[~dropped], rtol=1e-12)
    # and they are the weights the output was computed from
    v = x._data @ _np(g.in_proj_weight)[16:].T + _np(g.in_proj_bias)[16:]
    v = v.reshape(6, 3, 2, 4).transpose(1, 2, 0, 3)  # (N, H, S, hd)
    o = (w @ v).transpose(2, 0, 1, 3).reshape(6, 3, 8)
    o = o @ _np(g.out_proj.weight).T + _np(g.out_proj.bias)
    np.testing.assert_allclose(_np(out), o, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("qdt,mdt,ok", [(np.float32, np.float64, False),
                                         (np.float64, np.int64, False),
                                         (np.float32, np.int32, False),
                                         (np.float64, np.float32, True),
                                         (np.float32, np.float32, True)])
def test_sdpa_float_mask_dtype_as_torch(torch, qdt, mdt, ok):
    # torch refuses a non-bool mask that is neither float32 nor the query's dtype; gradkit added
    # it (a float64 mask turned float32 attention into float64, an int mask was added as is)
    rng = np.random.default_rng(5)
    q = rng.standard_normal((1, 2, 3, 4)).astype(qdt)
    m = np.zeros((3, 3), dtype=mdt)
    tq = torch.tensor(q)
    if ok:
        to = torch.nn.functional.scaled_dot_product_attention(tq, tq, tq,
                                                              attn_mask=torch.tensor(m))
        go = F.scaled_dot_product_attention(*(gk.tensor(q),) * 3, attn_mask=gk.tensor(m))
        assert go.dtype == np.dtype(qdt) and str(to.dtype).endswith(np.dtype(qdt).name)
        return
    with pytest.raises(RuntimeError):
        torch.nn.functional.scaled_dot_product_attention(tq, tq, tq, attn_mask=torch.tensor(m))
    with pytest.raises(RuntimeError, match="attn_mask dtype"):
        F.scaled_dot_product_attention(*(gk.tensor(q),) * 3, attn_mask=gk.tensor(m))


_MASK_DTYPES = (None, "float16", "float32", "float64", "bool")


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("qdt", ["float32", "float64"])
def test_mha_merged_mask_dtype_as_torch(torch, qdt, need_weights):
    # PyTorch judges the mask that reaches its kernel (attn_mask + key_padding_mask, promoted):
    # the query's dtype for baddbmm (need_weights=True), float32 or the query's for SDPA;
    # gradkit cast a float key_padding_mask to the query's dtype and refused any other
    # attn_mask dtype (a float16 mask on float64 queries ran; a float32 attn_mask beside a
    # float16 key_padding_mask on float32 queries was refused)
    import warnings

    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 6)).astype(qdt)
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(6, 2, batch_first=True).to(getattr(torch, qdt)).eval()
    gm = nn.MultiheadAttention(6, 2, batch_first=True).to(getattr(gk, qdt)).eval()
    gm.load_state_dict({k: gk.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    for am in _MASK_DTYPES:
        for kp in _MASK_DTYPES:
            outs = []
            for lib, mod in ((torch, tm), (gk, gm)):
                kw = {}
                if am is not None:
                    kw["attn_mask"] = lib.tensor(np.triu(np.ones((3, 3)), 1).astype(am))
                if kp is not None:
                    kw["key_padding_mask"] = lib.tensor(np.array([0, 0, 1]).astype(kp))
                xt = lib.tensor(x)
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        outs.append(mod(xt, xt, xt, need_weights=need_weights, **kw)[0])
                except RuntimeError:
                    outs.append(None)
            t, g = outs
            assert (t is None) == (g is None), (am, kp)
            if t is not None:
                assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
                np.testing.assert_allclose(_np(g), t.detach().numpy(), rtol=1e-5, atol=1e-5,
                                           err_msg=str((am, kp)))


@pytest.mark.parametrize("layout", ["contiguous", "q_transposed", "v_transposed"])
@pytest.mark.parametrize("shapes", [((1, 1, 2, 2),) * 3, ((1, 1, 2, 2), (1, 1, 2, 2), (1, 1, 2, 3)),
                                    ((1, 2, 2),) * 3, ((2, 1, 2, 2), (1, 1, 2, 2), (1, 1, 2, 2)),
                                    ((1, 2, 2, 2), (1, 1, 2, 2), (1, 1, 2, 2))])
@pytest.mark.parametrize("dtype", ["float64", "float16"])
def test_sdpa_nan_query_zero_only_on_torchs_flash_kernel(torch, shapes, layout, dtype):
    # PyTorch's flash kernel (4-D operands of one batch, head count and head size, unit last
    # strides) gives a query of NaN scores 0; its math path (any other call) leaves NaN there;
    # gradkit gave 0 everywhere
    rng = np.random.default_rng(0)
    arrs = [rng.standard_normal(s) for s in shapes]
    arrs[0][(0,) * (arrs[0].ndim - 2) + (0, 0)] = np.nan
    outs = []
    for lib in (torch, gk):
        ts = [lib.tensor(a) for a in arrs]
        for i, name in ((0, "q_transposed"), (2, "v_transposed")):
            if layout == name:
                ts[i] = lib.tensor(np.ascontiguousarray(np.swapaxes(arrs[i], -1, -2))) \
                    .transpose(-1, -2)
        ts = [t.to(getattr(lib, dtype)) for t in ts]
        outs.append(lib.nn.functional.scaled_dot_product_attention(*ts).float().numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("masked", [False, True])
def test_sdpa_nan_query_gradients_as_torchs_flash_kernel(torch, masked):
    # PyTorch's flash backward recomputes a NaN-score row's weights as NaN: that query's
    # gradient and every key's and value's are NaN; gradkit gave the row zero gradients
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal(s) for s in ((1, 1, 3, 2), (1, 1, 4, 2), (1, 1, 4, 2)))
    q[0, 0, 0, 0] = -np.inf if masked else np.nan
    grads = []
    for lib in (torch, gk):
        ts = [lib.tensor(a, requires_grad=True) for a in (q, k, v)]
        mask = None
        if masked:
            mask = lib.zeros(1, 1, 3, 4, dtype=lib.float64)
            mask[..., 0] = -np.inf
        lib.nn.functional.scaled_dot_product_attention(*ts, attn_mask=mask).sum().backward()
        grads.append([t.grad.numpy() for t in ts])
    for g, t in zip(grads[1], grads[0]):
        np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mask", ["bool", "bool_all", "float_inf", "float_zero"])
@pytest.mark.parametrize("nan_in", ["query", "key"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_sdpa_nan_score_with_a_mask_as_torchs_flash_kernel(torch, mask, nan_in, dtype):
    # with a mask, PyTorch's flash kernel adds it to the scores before a maximum that keeps
    # NaN: a query with a NaN score is NaN throughout, values and gradients (gradkit gave the
    # unmasked kernel's 0 there)
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal(s) for s in ((2, 2, 1, 3), (2, 2, 3, 3), (2, 2, 3, 3)))
    (q if nan_in == "query" else k)[0, 1, 0, 2] = np.nan
    m = {"bool": np.array([[True, False, True]]), "bool_all": np.ones((1, 3), bool),
         "float_inf": np.array([[0.0, -np.inf, 0.0]]), "float_zero": np.zeros((1, 3))}[mask]
    res = []
    for lib in (torch, gk):
        dt = getattr(lib, dtype)
        ts = [lib.tensor(a).to(dt).requires_grad_() for a in (q, k, v)]
        mm = lib.tensor(m) if m.dtype == bool else lib.tensor(m).to(dt)
        out = lib.nn.functional.scaled_dot_product_attention(*ts, attn_mask=mm)
        out.float().sum().backward()
        res.append([out.detach().float().numpy()] + [t.grad.float().numpy() for t in ts])
    tol = 2e-3 if dtype == "float16" else 1e-6
    for g, t in zip(res[1], res[0]):
        np.testing.assert_allclose(g, t, rtol=tol, atol=tol)


def test_multihead_attention_repr_as_torch(torch):
    """No extra_repr; out_proj is a NonDynamicallyQuantizableLinear, as PyTorch's."""
    for kw in ({}, {"dropout": 0.1, "batch_first": True, "bias": False}):
        assert repr(nn.MultiheadAttention(8, 2, **kw)) == repr(torch.nn.MultiheadAttention(8, 2,
                                                                                       **kw))
    out_proj = nn.MultiheadAttention(4, 2).out_proj
    assert isinstance(out_proj, nn.Linear) and type(out_proj).__name__ == \
        "NonDynamicallyQuantizableLinear"


def test_multihead_attention_importable_from_modules_activation(torch):
    # PyTorch defines it in torch.nn.modules.activation; transformer code imports it from there
    from torch.nn.modules.activation import MultiheadAttention as TorchMHA

    from gradkit.nn.modules.activation import MultiheadAttention

    assert MultiheadAttention is gk.nn.MultiheadAttention
    assert TorchMHA is torch.nn.MultiheadAttention


def test_mha_of_no_keys_is_zeros_as_torch():
    """A memory of length 0 (a TransformerDecoderLayer's cross-attention): the fused path gives
    zeros as PyTorch's (it failed inside NumPy's max of an empty axis); gradients too."""
    torch = pytest.importorskip("torch")

    def run(L):
        L.manual_seed(0)
        m = L.nn.MultiheadAttention(4, 1)
        for p in m.parameters():
            p.data.copy_(L.arange(p.numel(), dtype=p.dtype).reshape(p.shape) * 0.1)
        q = L.ones(3, 2, 4, requires_grad=True)
        out, _ = m(q, L.ones(0, 2, 4), L.ones(0, 2, 4), need_weights=False)
        out.sum().backward()
        return out.detach().numpy(), q.grad.numpy()

    for a, b in zip(run(gk), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_sdpa_row_of_nan_scores_is_zero_as_torchs_flash_kernel(torch):
    """A query whose scores are all NaN (a NaN query, or +-inf products) gets a zero output as
    in PyTorch's flash kernel, whose running maximum passes NaN by (gradkit gave NaN); a row
    with a NaN among finite scores stays NaN in both."""
    q = np.array([[[[np.nan, 1.0], [1.0, 2.0]]]])
    k = np.array([[[[1.0, 1.0], [2.0, np.nan]]]])
    v = np.arange(4.0).reshape(1, 1, 2, 2)
    g = gk.nn.functional.scaled_dot_product_attention(*map(gk.tensor, (q, k, v))).numpy()
    t = torch.nn.functional.scaled_dot_product_attention(*map(torch.tensor, (q, k, v))).numpy()
    np.testing.assert_array_equal(g, t)


@pytest.mark.parametrize("args", [(8.0, 2), (8, 2, 0.0, True, False, False, 4.0),
                                  (8, 2, 0.0, True, False, False, None, 6.0)])
def test_multihead_attention_float_sizes_type_error_as_torch(args):
    # a float embed_dim / kdim / vdim (a width computed with /) was a bare "'float' object
    # cannot be interpreted as an integer"; PyTorch raises a TypeError too, from torch.empty
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        torch.nn.MultiheadAttention(*args)
    with pytest.raises(TypeError, match="MultiheadAttention: .*dim must be an int, got float"):
        gk.nn.MultiheadAttention(*args)


@pytest.mark.parametrize("need_weights", [False, True])
@pytest.mark.parametrize("batched", [True, False])
def test_mha_forward_out_projection_to_another_width(torch, rng, need_weights, batched):
    # CLIP's attention pooling: separate q/k/v weights, and an output projection from E=8 to 5
    # channels; the output is (L, N, 5), not reshaped to E (which raised before)
    L, S, N, E, H, Eo = 1, 6, 3, 8, 2, 5
    shapes = {"q": (L, N, E), "kv": (S, N, E), "wq": (E, E), "wk": (E, E), "wv": (E, E),
              "bias": (3 * E,), "wo": (Eo, E), "bo": (Eo,)}
    arrays = {k: rng.standard_normal(s if batched or k not in ("q", "kv") else s[:1] + s[2:])
              .astype(np.float32) for k, s in shapes.items()}

    def run(lib, F_):
        t = {k: lib.tensor(a, requires_grad=True) for k, a in arrays.items()}
        out, w = F_.multi_head_attention_forward(
            t["q"], t["kv"], t["kv"], E, H, None, t["bias"], None, None, False, 0.0, t["wo"],
            t["bo"], training=True, need_weights=need_weights, use_separate_proj_weight=True,
            q_proj_weight=t["wq"], k_proj_weight=t["wk"], v_proj_weight=t["wv"])
        (out.sin().sum() + (w.sum() if w is not None else 0)).backward()
        return out, w, t

    out, w, t = run(gk, F)
    tout, tw, tt = run(torch, torch.nn.functional)
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(_np(out), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    if need_weights:
        np.testing.assert_allclose(_np(w), tw.detach().numpy(), rtol=1e-5, atol=1e-6)
    for k in arrays:  # (float32 sums of terms up to ~10: an absolute error to the gradient's
        # scale; an AMD EPYC's MKL put one small entry of q's gradient 1.8e-5 from gradkit's)
        want = tt[k].grad.numpy()
        np.testing.assert_allclose(t[k].grad.numpy(), want, rtol=1e-4,
                                   atol=1e-5 * max(1.0, float(np.abs(want).max())), err_msg=k)


@pytest.mark.parametrize("q_shape,kv_shape", [((0, 2, 1, 4), (2, 2, 3, 4)),
                                              ((3, 2, 1, 4), (2, 2, 3, 4)),
                                              ((2, 4, 1, 4), (1, 2, 3, 4)),
                                              ((4, 1, 4), (2, 3, 4)),
                                              ((1, 2, 1, 4), (2, 2, 3, 4)),
                                              ((1, 4), (3, 4)), ((2, 1, 4), (3, 4))])
@pytest.mark.parametrize("enable_gqa", [False, True])
def test_sdpa_batch_dims_that_do_not_broadcast_raise_as_torch(torch, q_shape, kv_shape,
                                                              enable_gqa):
    # batch dims of query and key/value that do not broadcast failed inside NumPy's matmul
    # (a raw ValueError), an empty query's with enable_gqa returned a result, and enable_gqa
    # on inputs with no heads dimension was accepted
    def run(L):
        try:
            return tuple(L.nn.functional.scaled_dot_product_attention(
                L.zeros(q_shape), L.zeros(kv_shape), L.zeros(kv_shape),
                enable_gqa=enable_gqa).shape)
        except Exception as e:  # noqa: BLE001 - compared by type
            return type(e)
    t, g = run(torch), run(gk)
    assert g == t or isinstance(t, type) and isinstance(g, type) and issubclass(g, t), (g, t)


@pytest.mark.parametrize("vshape", [(2, 2, 4), (2, 4)])
def test_mha_mismatched_masks_warn_before_shape_checks(torch, vshape):
    """MultiheadAttention with a bool key_padding_mask and a float attn_mask warns (PyTorch's
    deprecation warning) once, before its shape checks: an invalid value still warns before
    the error (gradkit warned only inside the functional, after them)."""
    import warnings

    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((3, 2, 4), (2, 2, 4), vshape, (3, 2))]

    def run(lib):
        m = lib.nn.MultiheadAttention(4, 1).double()
        q, k, v, am = (lib.tensor(a) for a in arrays)
        kpm = lib.tensor([[False, True], [True, False]])
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            try:
                m(q, k, v, key_padding_mask=kpm, attn_mask=am)
                raised = None
            except Exception:  # (PyTorch: AssertionError; gradkit: RuntimeError)
                raised = "raises"
        texts = [str(w.message) for w in seen if "mismatched" in str(w.message)]
        return raised, [t.split(" (")[0] for t in texts]
    assert run(gk) == run(torch)


@pytest.mark.parametrize("qs,ks,vs", [((1, 3, 0), (1, 4, 0), (1, 4, 2)), ((3, 0), (4, 0), (4, 2)),
                                      ((2, 1, 3, 0), (2, 1, 4, 0), (2, 1, 4, 3)),
                                      ((1, 3, 2), (1, 0, 2), (1, 0, 2)),
                                      ((1, 0, 2), (1, 4, 2), (1, 4, 2))])
@pytest.mark.parametrize("mask", [None, "causal", "bool", "float"])
def test_sdpa_zero_embedding_attends_uniformly(torch, qs, ks, vs, mask):
    """Queries and keys of embedding size 0 give zero scores, so PyTorch's output is the
    (masked) uniform average of the values, and the values' gradient that average's; gradkit
    returned zeros, as for an empty output."""
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in (qs, ks, vs)]
    L, S = qs[-2], ks[-2]
    m = rng.random((L, S)) < 0.6
    m[:, :1] = True

    def run(lib):
        q, k, v = (lib.tensor(a, requires_grad=True) for a in arrays)
        kw = {"is_causal": True} if mask == "causal" else {} if mask is None else {
            "attn_mask": lib.tensor(m) if mask == "bool" else lib.tensor(np.where(m, 0.0, -2.0))}
        out = lib.nn.functional.scaled_dot_product_attention(q, k, v, **kw)
        (gv,) = lib.autograd.grad((out * out).sum(), v) if out.numel() else (lib.zeros_like(v),)
        return out.detach().numpy(), gv.numpy()
    for g, w in zip(run(gk), run(torch)):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("gqa", [False, True])
@pytest.mark.parametrize("ks,vs", [((1, 1, 4, 1), (1, 1, 0, 2)), ((1, 2, 4, 1), (1, 2, 0, 2)),
                                   ((1, 1, 4, 1), (1, 1, 3, 2))])
def test_sdpa_empty_value_before_sequence_check(torch, gqa, ks, vs):
    """An empty value takes PyTorch's shortcut to zeros before the key/value sequence-length
    check (gradkit raised that check's RuntimeError); a non-empty one still fails it."""
    def run(lib):
        try:
            out = lib.nn.functional.scaled_dot_product_attention(
                lib.ones(1, 2, 3, 1), lib.ones(ks), lib.ones(vs), enable_gqa=gqa)
        except RuntimeError:
            return "RuntimeError"
        return tuple(out.shape), out.abs().sum().item()
    assert run(gk) == run(torch)


@pytest.mark.parametrize("qs,ks,vs", [
    ((1, 3, 1, 4), (0, 1, 3, 4), (1, 1, 3, 4)),  # an empty key's batch broadcasts
    ((0, 4, 2, 3), (1, 2, 5, 3), (1, 2, 5, 3)),
    ((4, 2, 3), (0, 2, 5, 3), (2, 5, 3)),  # and dims the query lacks
    ((1, 4, 2, 3), (0, 2, 5, 3), (2, 1, 2, 5, 3)),
    ((1, 4, 2, 3), (2, 2, 5, 3), (0, 2, 5, 3)),  # an empty value: the query's dims, unchecked
    ((2, 4, 2, 3), (0, 2, 0, 3), (2, 2, 0, 3)),
    ((0, 4, 2, 3), (1, 3, 5, 3), (1, 3, 5, 3)),  # heads that do not group: RuntimeError
    ((2, 4, 2, 3), (3, 2, 5, 3), (0, 2, 5, 3)),
])
def test_sdpa_grouped_heads_empty_operand_shape_as_torch(torch, qs, ks, vs):
    """With enable_gqa, an empty query or key (value not empty) takes PyTorch's math path:
    the dims before the heads broadcast into the output (gradkit kept the query's, a batch of
    1 where PyTorch gives 0) and ungroupable heads raise; an empty value's shortcut gives
    zeros of the query's dims without checking the others."""
    def run(lib):
        try:
            out = lib.nn.functional.scaled_dot_product_attention(
                lib.ones(qs), lib.ones(ks), lib.ones(vs), enable_gqa=True)
        except RuntimeError:
            return "RuntimeError"
        return tuple(out.shape), out.abs().sum().item()
    assert run(gk) == run(torch)


@pytest.mark.parametrize("embed", [6, 4])
def test_mha_mismatched_masks_warn_before_width_and_projection_errors(torch, embed):
    """PyTorch reconciles a bool key_padding_mask with a float attn_mask (its deprecation
    warning) before checking the embedding width and projecting: a call that then fails (a
    float32 key against float64 weights, a wrong embed_dim_to_check) still warns first."""
    import warnings as _w

    def run(lib):
        gen = np.random.default_rng(0)
        f64 = lambda *s: lib.tensor(gen.standard_normal(s))  # noqa: E731
        args = (f64(4, 2, 6), f64(1, 2, 6).float(), f64(1, 2, 6).float(), embed, 3,
                f64(18, 6), f64(18), None, None, False, 0.0, f64(6, 6), f64(6))
        with _w.catch_warnings(record=True) as got:
            _w.simplefilter("always")
            with pytest.raises((RuntimeError, AssertionError)) as info:
                lib.nn.functional.multi_head_attention_forward(
                    *args, training=False, need_weights=False,
                    key_padding_mask=lib.tensor([[False], [True]]), attn_mask=f64(4, 1))
        return type(info.value), [str(w.message)[:40] for w in got]
    assert run(gk) == run(torch)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("train", [False, True])
@pytest.mark.parametrize("grad", [False, True])
def test_mha_query_width_mismatch_error_type_as_torch(torch, batch_first, train, grad):
    """A query of the wrong width fails PyTorch's assert (AssertionError) in
    multi_head_attention_forward, or a RuntimeError in its fused kernel (batch-first
    self-attention in eval without gradients); gradkit raised RuntimeError everywhere."""
    def run(lib):
        q = lib.randn(4, 2, 6)
        m = lib.nn.MultiheadAttention(4, 2, batch_first=batch_first).train(train)
        got = []
        for k in (q, q.clone()):
            with lib.set_grad_enabled(grad), pytest.raises(Exception) as info:  # noqa: PT011
                m(q, k, k)
            got.append(type(info.value))
        return got
    assert run(gk) == run(torch)


@pytest.mark.parametrize("inputs", ["self", "key_is_value", "separate"])
def test_in_projection_calls_linear_as_pytorch(inputs, monkeypatch):
    """``nn.MultiheadAttention``'s in-projection calls ``F.linear`` as PyTorch's: once for
    self-attention, twice when key is value (the query's, then one for key and value
    together), three times otherwise; outputs and gradients as PyTorch's."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    q_np, kv_np = (rng.standard_normal(s).astype(np.float32) for s in ((3, 2, 8), (4, 2, 8)))
    results = []
    for lib in (gk, torch):
        calls = [0]
        orig = lib.nn.functional.linear

        def counting(*a, _orig=orig, _calls=calls, **k):
            _calls[0] += 1
            return _orig(*a, **k)

        monkeypatch.setattr(lib.nn.functional, "linear", counting)
        m = lib.nn.MultiheadAttention(8, 2)
        with lib.no_grad():
            for p, seed in zip(m.parameters(), range(10)):
                p.copy_(lib.from_numpy(np.random.default_rng(seed).standard_normal(
                    tuple(p.shape)).astype(np.float32) * 0.3))
        q = lib.from_numpy(q_np.copy()).requires_grad_()
        kv = lib.from_numpy(kv_np.copy()).requires_grad_()
        args = {"self": (q, q, q), "key_is_value": (q, kv, kv),
                "separate": (q, kv, kv * 1)}[inputs]
        out, _ = m(*args)
        out.sum().backward()
        results.append((calls[0], out.detach().numpy(), q.grad.numpy(),
                        m.in_proj_weight.grad.numpy()))
        monkeypatch.setattr(lib.nn.functional, "linear", orig)
    (gc, *gv), (tc, *tv) = results
    assert gc == tc
    for a, b in zip(gv, tv):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
