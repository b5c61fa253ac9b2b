"""More attention checks against PyTorch: fully-masked rows, dropout edge cases."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk
from gradkit import nn
from gradkit.nn import functional as F


def _np(t):
    return t.detach().numpy()


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
