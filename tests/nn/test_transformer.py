"""TransformerEncoderLayer / TransformerEncoder against PyTorch (eval mode), finite differences,
deep copies and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from oracle import check_grad

import gradkit as gk
from gradkit import nn


def _np(t):
    return t.detach().numpy()


def _copy(torch, m, tm):
    sd = {k: torch.from_numpy(_np(v).copy()) for k, v in m.state_dict().items()}
    missing, unexpected = tm.load_state_dict(sd, strict=True)
    assert not missing and not unexpected


def _compare(torch, m, tm, x_np, rng, **kw):
    tkw = {k: (torch.from_numpy(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    gkw = {k: (gk.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    x = gk.tensor(x_np, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    out = m(x, **gkw)
    tout = tm(tx, **tkw)
    np.testing.assert_allclose(_np(out), tout.detach().numpy(), atol=3e-5, rtol=1e-4)
    g = rng.standard_normal(out.shape).astype(np.float32)
    (out * gk.tensor(g)).sum().backward()
    (tout * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=5e-5, rtol=1e-3)
    tp = dict(tm.named_parameters())
    for n, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[n].grad.numpy(), atol=5e-5, rtol=1e-3,
                                   err_msg=n)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_against_torch(torch, rng, norm_first, batch_first, activation):
    kw = {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.1,
          "activation": activation, "batch_first": batch_first, "norm_first": norm_first}
    m = nn.TransformerEncoderLayer(**kw).eval()
    tm = torch.nn.TransformerEncoderLayer(**kw).eval()
    _copy(torch, m, tm)
    shape = (3, 5, 8) if batch_first else (5, 3, 8)
    x = rng.standard_normal(shape).astype(np.float32)
    _compare(torch, m, tm, x, rng)
    kpm = np.zeros((3, 5), dtype=bool)
    kpm[1, -2:] = True
    mask = np.triu(np.ones((5, 5), dtype=bool), 1)
    _compare(torch, m, tm, x, rng, src_mask=mask, src_key_padding_mask=kpm)


def test_encoder_stack_against_torch(torch, rng):
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    m = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(8)).eval()
    tlayer = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    tm = torch.nn.TransformerEncoder(tlayer, num_layers=2, norm=torch.nn.LayerNorm(8),
                                     enable_nested_tensor=False).eval()
    _copy(torch, m, tm)
    x = rng.standard_normal((2, 4, 8)).astype(np.float32)
    _compare(torch, m, tm, x, rng)
    mask = rng.standard_normal((4, 4)).astype(np.float32)
    _compare(torch, m, tm, x, rng, mask=mask)


def test_encoder_unbatched(torch, rng):
    m = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8).eval()
    tm = torch.nn.TransformerEncoderLayer(4, 2, dim_feedforward=8).eval()
    _copy(torch, m, tm)
    _compare(torch, m, tm, rng.standard_normal((3, 4)).astype(np.float32), rng)


def test_encoder_deep_copies_layer():
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8)
    enc = nn.TransformerEncoder(layer, num_layers=3)
    names = [n for n, _ in enc.named_parameters()]
    assert "layers.2.self_attn.in_proj_weight" in names
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    assert enc.layers[0].linear1.weight is not layer.linear1.weight
    np.testing.assert_array_equal(_np(enc.layers[0].linear1.weight), _np(layer.linear1.weight))


def test_encoder_layer_finite_differences(rng):
    m = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, norm_first=True).double().eval()
    x = gk.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    check_grad(lambda x, *ps: m(x), [x] + list(m.parameters()), atol=1e-5)


def test_encoder_layer_dropout_in_training():
    m = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.5)
    x = gk.randn(4, 2, 8)
    assert not np.allclose(_np(m(x)), _np(m(x)))
    m.eval()
    np.testing.assert_array_equal(_np(m(x)), _np(m(x)))


def test_encoder_layer_is_causal_builds_mask():
    m = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8).eval()
    x = gk.randn(5, 1, 4)
    mask = gk.tensor(np.triu(np.ones((5, 5), dtype=bool), 1))
    np.testing.assert_allclose(_np(m(x, is_causal=True)), _np(m(x, src_mask=mask)), atol=1e-6)


def test_errors():
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
    with pytest.raises(AssertionError, match="divisible"):  # (PyTorch's assert)
        nn.TransformerEncoderLayer(6, 4)
    with pytest.raises(ValueError, match="num_layers"):
        nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2), num_layers=0)
    m = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8)
    with pytest.raises(AssertionError, match="embed_dim=4"):  # (PyTorch's assert)
        m(gk.randn(3, 2, 5))


def test_block_helpers_default_is_causal_as_torch():
    # user code calls layer._sa_block(x, None, None) / _mha_block(x, mem, None, None), as
    # PyTorch's signatures allow (is_causal defaults to False)
    import gradkit as _gk

    enc = _gk.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    dec = _gk.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    x = _gk.randn(2, 3, 8)
    assert enc._sa_block(x, None, None).shape == (2, 3, 8)
    assert dec._sa_block(x, None, None).shape == (2, 3, 8)
    assert dec._mha_block(x, x, None, None).shape == (2, 3, 8)


def test_encoder_warns_as_pytorch_when_nested_tensors_would_not_be_used():
    # PyTorch's TransformerEncoder (and nn.Transformer) warns that enable_nested_tensor is
    # ignored, naming the reason (the word-language-model example's batch_first=False layer);
    # gradkit was silent
    import warnings

    torch = pytest.importorskip("torch")

    def messages(mod, build):
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            build(mod)
        return [str(w.message) for w in got]

    builds = [lambda m, kw=kw: m.nn.TransformerEncoder(
        m.nn.TransformerEncoderLayer(**{"d_model": 16, "nhead": 4, **kw}), 2)
        for kw in ({}, {"batch_first": True}, {"batch_first": True, "d_model": 15, "nhead": 3},
                   {"batch_first": True, "norm_first": True},
                   {"batch_first": True, "activation": "gelu"},
                   {"batch_first": True, "activation": abs})]
    builds.append(lambda m: m.nn.TransformerEncoder(
        m.nn.TransformerEncoderLayer(16, 4), 2, enable_nested_tensor=False))
    builds.append(lambda m: m.nn.Transformer(8, 2, 1, 1, 8))
    for i, build in enumerate(builds):
        assert messages(gk, build) == messages(torch, build), i
    assert len(messages(gk, builds[0])) == 1
    enc = gk.nn.TransformerEncoder(gk.nn.TransformerEncoderLayer(16, 4, batch_first=True), 1)
    assert enc.use_nested_tensor and enc.layers[0].activation_relu_or_gelu == 1
