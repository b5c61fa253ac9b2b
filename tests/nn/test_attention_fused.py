"""The fused attention core (ops/attention.py) behind scaled_dot_product_attention and
MultiheadAttention: which calls take it, and values and gradients against PyTorch."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F

FUSED = "ScaledDotProductFlashAttentionForCpuBackward0"


def _pair(torch, rng, shapes, dtype=np.float32):
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    return ([gk.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def _mask(kind, rng, shape):
    if kind == "bool":
        m = rng.random(shape) > 0.3
        m[..., 0] = True
        return m
    if kind == "float":
        return rng.standard_normal(shape).astype(np.float32)
    return None


@pytest.mark.parametrize("kind", [None, "causal", "bool", "float"])
@pytest.mark.parametrize("mshape", [(6, 5), (2, 1, 6, 5), (1, 3, 6, 5)])
def test_sdpa_fused_matches_torch(torch, kind, mshape):
    rng = np.random.default_rng(0)
    (q, k, v), (tq, tk, tv) = _pair(torch, rng, [(2, 3, 6, 8), (2, 3, 5, 8), (2, 3, 5, 4)])
    m = _mask(kind, rng, mshape)
    kw = {"is_causal": True} if kind == "causal" else {}
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=None if m is None else gk.tensor(m),
                                         **kw)
    ref = torch.nn.functional.scaled_dot_product_attention(
        tq, tk, tv, attn_mask=None if m is None else torch.tensor(m), **kw)
    assert type(out.grad_fn).__name__ == FUSED
    g = rng.standard_normal(ref.shape).astype(np.float32)
    out.backward(gk.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip((q, k, v), (tq, tk, tv)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_sdpa_broadcast_batch_and_unbatched(torch):
    rng = np.random.default_rng(1)
    # keys and values shared by every head (batch dimension 1): their gradients are summed
    (q, k, v), (tq, tk, tv) = _pair(torch, rng, [(2, 3, 4, 8), (2, 1, 5, 8), (2, 1, 5, 8)])
    out = F.scaled_dot_product_attention(q, k, v)
    ref = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv)
    out.sum().backward()
    ref.sum().backward()
    assert type(out.grad_fn).__name__ == FUSED and k.grad.shape == k.shape
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip((q, k, v), (tq, tk, tv)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)
    (q, k, v), (tq, tk, tv) = _pair(torch, rng, [(4, 8), (5, 8), (5, 3)])
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    ref = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_mask_that_requires_grad_takes_the_composite(torch):
    rng = np.random.default_rng(2)
    (q, k, v, m), (tq, tk, tv, tm) = _pair(torch, rng, [(2, 4, 8), (2, 5, 8), (2, 5, 8), (4, 5)])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m)
    ref = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=tm)
    assert type(out.grad_fn).__name__ != FUSED
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(m.grad.numpy(), tm.grad.numpy(), rtol=1e-4, atol=1e-5)
    with gk.no_grad():  # no gradient wanted: the fused core
        assert F.scaled_dot_product_attention(q, k, v, attn_mask=m).grad_fn is None


def test_fully_masked_rows_are_zero_with_zero_gradients(torch):
    rng = np.random.default_rng(3)
    (q, k, v), (tq, tk, tv) = _pair(torch, rng, [(2, 4, 8), (2, 5, 8), (2, 5, 8)])
    m = rng.random((2, 4, 5)) > 0.5
    m[0, 1] = False  # query 1 of batch 0 may attend nowhere
    m[1, :, 0] = True
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=gk.tensor(m))
    ref = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv,
                                                           attn_mask=torch.tensor(m))
    assert type(out.grad_fn).__name__ == FUSED
    np.testing.assert_array_equal(out.detach().numpy()[0, 1], 0.0)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip((q, k, v), (tq, tk, tv)):
        assert np.isfinite(a.grad.numpy()).all()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_second_order_matches_torch(torch):
    rng = np.random.default_rng(4)
    (q, k, v), (tq, tk, tv) = _pair(torch, rng, [(2, 5, 4), (2, 5, 4), (2, 5, 3)], np.float64)
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    gq, gk_, gv = gk.autograd.grad((out ** 2).sum(), [q, k, v], create_graph=True)
    second = gk.autograd.grad((gq ** 2).sum() + (gk_ * gv[..., :1]).sum(), [q, k, v])
    ref = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
    tgq, tgk, tgv = torch.autograd.grad((ref ** 2).sum(), [tq, tk, tv], create_graph=True)
    tsecond = torch.autograd.grad((tgq ** 2).sum() + (tgk * tgv[..., :1]).sum(), [tq, tk, tv])
    for a, b in zip(second, tsecond):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("batch_first", [True, False])
def test_mha_fused_heads_match_torch(torch, batch_first):
    rng = np.random.default_rng(5)
    m = gk.nn.MultiheadAttention(8, 2, batch_first=batch_first)
    tm = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first)
    with torch.no_grad():
        for a, b in zip(m.parameters(), tm.parameters()):
            b.copy_(torch.from_numpy(a.detach().numpy()))
    shape = (3, 6, 8) if batch_first else (6, 3, 8)
    (x,), (tx,) = _pair(torch, rng, [shape])
    mask = np.triu(np.full((6, 6), -np.inf, np.float32), 1)
    kpm = np.zeros((3, 6), bool)
    kpm[1, 4:] = True
    out = m(x, x, x, attn_mask=gk.tensor(mask), key_padding_mask=gk.tensor(kpm),
            need_weights=False)[0]
    ref = tm(tx, tx, tx, attn_mask=torch.tensor(mask), key_padding_mask=torch.tensor(kpm),
             need_weights=False)[0]
    names, stack = set(), [out.grad_fn]
    while stack:  # the fused node is in the graph
        node = stack.pop()
        names.add(type(node).__name__)
        stack.extend(n for n, _ in node.next_functions if n is not None)
    assert FUSED in names
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for a, b in zip(m.parameters(), tm.parameters()):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_causal_mask_is_shared_and_read_only():
    q = gk.randn(2, 4, 8)
    F.scaled_dot_product_attention(q, q, q, is_causal=True)
    from gradkit.nn.functional.attention import _causal_bias

    a = _causal_bias(4, 4, np.float32)
    assert a is _causal_bias(4, 4, np.float32) and not a.flags.writeable
    np.testing.assert_array_equal(a, np.triu(np.full((4, 4), -np.inf, np.float32), 1))


@pytest.mark.parametrize("layout", ["contiguous", "heads_split_by_view", "batch_of_one", "vdim"])
def test_sdpa_output_is_laid_out_like_the_query_as_pytorch(layout):
    # The SDPA tutorial's CausalSelfAttention splits heads by view(B, L, H, D).transpose(1, 2)
    # and merges them back with y.transpose(1, 2).view(B, L, H * D): that view needs the output
    # in the query's layout, as PyTorch's CPU kernel gives (gradkit's was always row-major).
    torch = pytest.importorskip("torch")
    gen = np.random.default_rng(0)
    b = 1 if layout == "batch_of_one" else 2
    qkv = gen.standard_normal((b, 5, 3 * 8)).astype(np.float32)
    dv = 6 if layout == "vdim" else 4
    extra = gen.standard_normal((b, 2, 5, dv)).astype(np.float32)
    res = []
    for lib in (gk, torch):
        x = lib.tensor(qkv, requires_grad=True)
        q, k, v = x.chunk(3, -1)
        if layout == "contiguous":
            q, k, v = (t.reshape(b, 5, 2, 4).transpose(1, 2).contiguous() for t in (q, k, v))
        else:
            q, k, v = (t.reshape(b, 5, 2, 4).transpose(1, 2) for t in (q, k, v))
        if layout == "vdim":
            v = lib.tensor(extra)
        y = lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        merged = y.transpose(1, 2).reshape(b, 5, -1) if layout in ("contiguous", "vdim") else \
            y.transpose(1, 2).view(b, 5, -1)
        (merged ** 2).sum().backward()
        res.append((y.stride(), merged.detach().numpy(), x.grad.numpy()))
    assert res[0][0] == res[1][0]
    for a, c in zip(res[0][1:], res[1][1:]):
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_fused_gpt_shapes_match_torch(torch, causal):
    # heads split from (B, L, H, D) by a transpose (strided operands), 64 keys: the scores are
    # computed key-major, (..., S, L), and the softmax reduces over their outer axis
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((2, 64, 4, 16)).astype(np.float32) for _ in range(3)]
    ours = [gk.tensor(a).transpose(1, 2).requires_grad_() for a in arrays]
    theirs = [torch.tensor(a).transpose(1, 2).requires_grad_() for a in arrays]
    out = F.scaled_dot_product_attention(*ours, is_causal=causal)
    ref = torch.nn.functional.scaled_dot_product_attention(*theirs, is_causal=causal)
    assert type(out.grad_fn).__name__ == FUSED
    g = rng.standard_normal(tuple(ref.shape)).astype(np.float32)
    out.backward(gk.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


# (query, key, value) shapes, mask shape, dropout_p, mask requires grad, enable_gqa
_LOW_MASKS = [
    ((2, 1, 3, 2), (2, 1, 4, 2), (2, 1, 4, 2), (), 0.0, False, False),  # the fused check
    ((2, 1, 3, 0), (2, 1, 1, 1), (2, 1, 1, 2), (), 0.0, False, False),  # before E's check
    ((2, 1, 3, 2), (2, 1, 4, 2), (2, 1, 5, 2), (1,), 0.0, False, False),  # before S's check
    ((2, 2, 3, 2), (2, 1, 4, 2), (2, 1, 4, 2), (), 0.0, False, True),  # grouped heads
    ((2, 3, 3, 2), (2, 2, 4, 2), (2, 2, 4, 2), (), 0.0, False, True),  # heads not dividing
    ((2, 1, 3, 2), (2, 1, 4, 2), (2, 1, 4, 2), (), 0.0, True, False),  # mask requires grad
    ((2, 1, 3, 2), (2, 1, 4, 2), (2, 1, 4, 2), (4,), 0.5, False, False),  # dropout
    ((2, 2, 3, 2), (2, 1, 4, 2), (2, 1, 4, 2), (), 0.0, False, False),  # heads differ
    ((2, 1, 3, 2), (1, 1, 4, 2), (1, 1, 4, 2), (4,), 0.0, False, False),  # batch broadcast
    ((2, 1, 0, 2), (2, 1, 4, 2), (2, 1, 4, 2), (), 0.0, False, False),  # no queries
    ((2, 1, 3, 2), (2, 1, 0, 2), (2, 1, 0, 2), (), 0.0, False, False),  # no keys
    ((2, 3, 2), (2, 4, 2), (2, 4, 2), (), 0.0, False, False),  # 3-D: the math path
    ((3, 2), (4, 2), (4, 2), (4,), 0.0, False, False),
    ((2, 1, 3, 3, 2), (2, 1, 3, 4, 2), (2, 1, 3, 4, 2), (), 0.0, False, False),
]


@pytest.mark.parametrize("qs,ks,vs,ms,p,mgrad,gqa", _LOW_MASKS)
def test_sdpa_mask_of_fewer_than_two_dims(torch, qs, ks, vs, ms, p, mgrad, gqa):
    """A 0-d or 1-d attn_mask: PyTorch's CPU backend choice reads its size(-2) (IndexError)
    only where the fused kernel could run (4-D, one batch and head count, no dropout, a mask
    without grad, a non-empty output), before the other shape checks; elsewhere the math path
    broadcasts it. gradkit raised IndexError for every such mask, after the shape checks."""
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in (qs, ks, vs, ms)]

    def run(lib):
        q, k, v, m = (lib.tensor(a) for a in arrays)
        m.requires_grad_(mgrad)
        lib.manual_seed(0)
        try:
            out = lib.nn.functional.scaled_dot_product_attention(
                q, k, v, attn_mask=m, dropout_p=p, enable_gqa=gqa)
        except (IndexError, RuntimeError) as e:
            return type(e).__name__
        return out.detach().numpy() if p == 0.0 else tuple(out.shape)
    want, got = run(torch), run(gk)
    if isinstance(want, np.ndarray):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    else:
        assert got == want
