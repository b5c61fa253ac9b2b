"""scaled_dot_product_attention and MultiheadAttention against PyTorch, finite differences,
masks, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_grad

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


def test_mha_errors():
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(10, 3)
    m = nn.MultiheadAttention(8, 2)
    x = gk.randn(4, 2, 8)
    with pytest.raises(RuntimeError, match="embed_dim=8.*\\(4, 2, 6\\)"):
        m(gk.randn(4, 2, 6), x, x)
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \(3, 3\).*\(4, 4\)"):
        m(x, x, x, attn_mask=gk.zeros(3, 3))
    with pytest.raises(RuntimeError, match="key_padding_mask"):
        m(x, x, x, key_padding_mask=gk.zeros(2, 3, dtype=gk.bool))
    with pytest.raises(RuntimeError, match="is_causal"):
        m(x, x, x, is_causal=True)
