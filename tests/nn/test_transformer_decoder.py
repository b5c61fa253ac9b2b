"""TransformerDecoderLayer, TransformerDecoder and Transformer against PyTorch (copied weights,
train with dropout 0 and eval), finite differences, masks and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from oracle import check_grad

import gradkit as gk
from gradkit import nn

# torch warns about mixed bool/float masks and its nested-tensor fast path
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _np(t):
    return t.detach().numpy()


def _copy(torch, m, tm):
    assert list(m.state_dict()) == list(tm.state_dict())
    sd = {k: torch.from_numpy(_np(v).copy()) for k, v in m.state_dict().items()}
    tm.load_state_dict(sd, strict=True)


def _compare(torch, m, tm, inputs, rng, **kw):
    """Outputs and the gradients of every input and parameter."""
    tkw = {k: (torch.from_numpy(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    gkw = {k: (gk.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    gx = [gk.tensor(a, requires_grad=True) for a in inputs]
    tx = [torch.tensor(a, requires_grad=True) for a in inputs]
    out = m(*gx, **gkw)
    tout = tm(*tx, **tkw)
    np.testing.assert_allclose(_np(out), tout.detach().numpy(), atol=3e-5, rtol=1e-4)
    g = rng.standard_normal(out.shape).astype(np.float32)
    (out * gk.tensor(g)).sum().backward()
    (tout * torch.from_numpy(g)).sum().backward()
    for i, (a, b) in enumerate(zip(gx, tx)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=5e-5, rtol=1e-3,
                                   err_msg=f"input {i}")
    tp = dict(tm.named_parameters())
    for n, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[n].grad.numpy(), atol=5e-5, rtol=1e-3,
                                   err_msg=n)
    m.zero_grad()
    tm.zero_grad()


def _masks(rng, T, S, N, float_masks):
    tgt_mask = np.triu(np.ones((T, T), dtype=bool), 1)
    mem_mask = rng.random((T, S)) < 0.3
    mem_mask[:, 0] = False
    if float_masks:
        tgt_mask = np.where(tgt_mask, -np.inf, 0).astype(np.float32)
        mem_mask = rng.standard_normal((T, S)).astype(np.float32)
    tkpm = np.zeros((N, T), dtype=bool)
    tkpm[1, -1] = True
    mkpm = np.zeros((N, S), dtype=bool)
    mkpm[0, -2:] = True
    return dict(tgt_mask=tgt_mask, memory_mask=mem_mask, tgt_key_padding_mask=tkpm,
                memory_key_padding_mask=mkpm)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("activation,train", [("relu", False), ("gelu", True)])
def test_decoder_layer_against_torch(torch, rng, norm_first, batch_first, activation, train):
    kw = {"d_model": 8, "nhead": 2, "dim_feedforward": 16,
          "dropout": 0.0 if train else 0.1, "activation": activation,
          "batch_first": batch_first, "norm_first": norm_first}
    m = nn.TransformerDecoderLayer(**kw).train(train)
    tm = torch.nn.TransformerDecoderLayer(**kw).train(train)
    _copy(torch, m, tm)
    T, S, N = 4, 5, 3
    tgt = rng.standard_normal((N, T, 8) if batch_first else (T, N, 8)).astype(np.float32)
    mem = rng.standard_normal((N, S, 8) if batch_first else (S, N, 8)).astype(np.float32)
    _compare(torch, m, tm, [tgt, mem], rng)
    _compare(torch, m, tm, [tgt, mem], rng, **_masks(rng, T, S, N, float_masks=False))
    _compare(torch, m, tm, [tgt, mem], rng, **_masks(rng, T, S, N, float_masks=True),
             tgt_is_causal=True)


def test_decoder_stack_and_unbatched_against_torch(torch, rng):
    layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True, bias=False)
    m = nn.TransformerDecoder(layer, num_layers=2, norm=nn.LayerNorm(8)).eval()
    tlayer = torch.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True,
                                              bias=False)
    tm = torch.nn.TransformerDecoder(tlayer, num_layers=2, norm=torch.nn.LayerNorm(8)).eval()
    _copy(torch, m, tm)
    tgt = rng.standard_normal((2, 4, 8)).astype(np.float32)
    mem = rng.standard_normal((2, 6, 8)).astype(np.float32)
    mask = nn.Transformer.generate_square_subsequent_mask(4).numpy()
    _compare(torch, m, tm, [tgt, mem], rng, tgt_mask=mask)
    _compare(torch, m, tm, [tgt[0], mem[0]], rng, tgt_mask=mask)


@pytest.mark.parametrize("batch_first,norm_first", [(False, False), (True, True)])
def test_transformer_against_torch(torch, rng, batch_first, norm_first):
    kw = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1,
              dim_feedforward=12, dropout=0.0, batch_first=batch_first, norm_first=norm_first)
    m = nn.Transformer(**kw)
    tm = torch.nn.Transformer(**kw)
    _copy(torch, m, tm)
    S, T, N = 5, 4, 2
    src = rng.standard_normal((N, S, 8) if batch_first else (S, N, 8)).astype(np.float32)
    tgt = rng.standard_normal((N, T, 8) if batch_first else (T, N, 8)).astype(np.float32)
    skpm = np.zeros((N, S), dtype=bool)
    skpm[1, -1] = True
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(T).numpy()
    _compare(torch, m, tm, [src, tgt], rng, tgt_mask=tgt_mask, src_key_padding_mask=skpm,
             memory_key_padding_mask=skpm)
    m.eval()
    tm.eval()
    _compare(torch, m, tm, [src, tgt], rng, tgt_mask=tgt_mask)


def test_transformer_init_and_mask(torch):
    gk.manual_seed(0)
    m = nn.Transformer(d_model=16, nhead=4, num_encoder_layers=1, num_decoder_layers=1,
                       dim_feedforward=32)
    w = _np(m.decoder.layers[0].linear1.weight)
    bound = np.sqrt(6.0 / (16 + 32))  # Xavier-uniform, not Linear's default
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert not np.any(_np(m.decoder.layers[0].multihead_attn.in_proj_bias))
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    np.testing.assert_array_equal(
        mask.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())
    assert mask.dtype == gk.float32
    assert nn.Transformer.generate_square_subsequent_mask(3, dtype=gk.float64).dtype == \
        gk.float64


def test_decoder_layer_finite_differences(rng):
    m = nn.TransformerDecoderLayer(4, 2, dim_feedforward=6, norm_first=True,
                                   activation="gelu").double().eval()
    tgt = gk.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    mem = gk.tensor(rng.standard_normal((5, 2, 4)), requires_grad=True)
    check_grad(lambda t, s, *ps: m(t, s, tgt_is_causal=True), [tgt, mem] + list(m.parameters()),
               atol=1e-5)


def test_decoder_is_causal_builds_mask_and_dropout():
    m = nn.TransformerDecoderLayer(4, 2, dim_feedforward=8).eval()
    tgt, mem = gk.randn(5, 1, 4), gk.randn(3, 1, 4)
    mask = gk.tensor(np.triu(np.ones((5, 5), dtype=bool), 1))
    np.testing.assert_allclose(_np(m(tgt, mem, tgt_is_causal=True)),
                               _np(m(tgt, mem, tgt_mask=mask)), atol=1e-6)
    assert not np.allclose(_np(m(tgt, mem)), _np(m(tgt, mem, tgt_mask=mask)))
    m.train()
    m2 = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.5)
    x, s = gk.randn(4, 2, 8), gk.randn(3, 2, 8)
    assert not np.allclose(_np(m2(x, s)), _np(m2(x, s)))


def test_decoder_errors():
    m = nn.TransformerDecoderLayer(4, 2, dim_feedforward=8)
    # memory is checked where PyTorch meets it, by the attention over it
    with pytest.raises(RuntimeError, match=r"MultiheadAttention: expected key with kdim=4.*"
                                           r"\(3, 2, 5\)"):
        m(gk.randn(3, 2, 4), gk.randn(3, 2, 5))
    with pytest.raises(RuntimeError, match=r"TransformerDecoderLayer\(d_model=4\) expects tgt "
                                           r"of shape"):
        m(gk.randn(2, 3, 2, 4), gk.randn(3, 2, 4))
    with pytest.raises(RuntimeError, match="unbatched 2D or batched 3D"):
        m(gk.randn(3, 4), gk.randn(3, 2, 4))
    with pytest.raises(RuntimeError, match=r"MultiheadAttention: key shape \(5, 3, 4\).*"
                                           r"the query's batch size 2"):
        m(gk.randn(3, 2, 4), gk.randn(5, 3, 4))
    with pytest.raises(ValueError, match="num_layers"):
        nn.TransformerDecoder(m, num_layers=0)
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerDecoderLayer(4, 2, activation="tanh")
    t = nn.Transformer(d_model=4, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                       dim_feedforward=8, batch_first=True)
    with pytest.raises(RuntimeError, match=r"batch number of src and tgt must be equal.*"
                                           r"\(2, 3, 4\).*\(3, 3, 4\)"):
        t(gk.randn(2, 3, 4), gk.randn(3, 3, 4))
    with pytest.raises(RuntimeError, match=r"Transformer\(d_model=4\) expects src of shape "
                                           r"\(N, S, 4\)"):
        t(gk.randn(2, 3, 5), gk.randn(2, 3, 4))
