"""A program that replaces ``nn.functional.X`` (a FLOP counter such as ptflops, thop, fvcore, or
a profiler) sees the same calls from the built-in modules as under PyTorch: each module's forward
looks its functional up at call time, and so do the functionals PyTorch writes on top of others
(``multi_head_attention_forward`` calls ``linear``, ``softmax`` or
``scaled_dot_product_attention``; ``lp_pool2d`` calls ``avg_pool2d`` and ``relu``). PyTorch is
the oracle: both libraries' functionals are wrapped with counters and the recorded call
sequences compared; the replaced path's result is the ordinary one's."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(0)
X2 = _rng.standard_normal((4, 3)).astype(np.float32)
X3 = _rng.standard_normal((2, 3, 8)).astype(np.float32)
X4 = _rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
X5 = _rng.standard_normal((2, 3, 4, 4, 4)).astype(np.float32)
SEQ = _rng.standard_normal((3, 2, 8)).astype(np.float32)
LABELS = np.array([0, 2, 1, 1])
COLS = _rng.standard_normal((1, 12, 9)).astype(np.float32)

# name: (module factory given the library, the inputs as arrays)
CASES = {
    "Linear": (lambda m: m.nn.Linear(3, 4), (X2,)),
    "Bilinear": (lambda m: m.nn.Bilinear(3, 3, 2), (X2, X2)),
    "ReLU": (lambda m: m.nn.ReLU(), (X2,)),
    "ReLU6": (lambda m: m.nn.ReLU6(), (X2,)),
    "GELU": (lambda m: m.nn.GELU(), (X2,)),
    "SiLU": (lambda m: m.nn.SiLU(), (X2,)),
    "LeakyReLU": (lambda m: m.nn.LeakyReLU(), (X2,)),
    "Sigmoid": (lambda m: m.nn.Sigmoid(), (X2,)),
    "Tanh": (lambda m: m.nn.Tanh(), (X2,)),
    "Softmax": (lambda m: m.nn.Softmax(1), (X2,)),
    "PReLU": (lambda m: m.nn.PReLU(), (X2,)),
    "Conv1d": (lambda m: m.nn.Conv1d(3, 2, 3), (X3,)),
    "Conv2d": (lambda m: m.nn.Conv2d(3, 2, 3), (X4,)),
    "Conv2dReflect": (lambda m: m.nn.Conv2d(3, 2, 3, padding=1, padding_mode="reflect"), (X4,)),
    "Conv3d": (lambda m: m.nn.Conv3d(3, 2, 3), (X5,)),
    "ConvTranspose2d": (lambda m: m.nn.ConvTranspose2d(3, 2, 3), (X4,)),
    "MaxPool2d": (lambda m: m.nn.MaxPool2d(2), (X4,)),
    "MaxPool3d": (lambda m: m.nn.MaxPool3d(2), (X5,)),
    "AvgPool1d": (lambda m: m.nn.AvgPool1d(2), (X3,)),
    "AvgPool2d": (lambda m: m.nn.AvgPool2d(2), (X4,)),
    "AdaptiveAvgPool2d": (lambda m: m.nn.AdaptiveAvgPool2d(1), (X4,)),
    "AdaptiveAvgPool3d": (lambda m: m.nn.AdaptiveAvgPool3d(2), (X5,)),
    "BatchNorm2d": (lambda m: m.nn.BatchNorm2d(3), (X4,)),
    "LayerNorm": (lambda m: m.nn.LayerNorm(8), (X4,)),
    "GroupNorm": (lambda m: m.nn.GroupNorm(1, 3), (X4,)),
    "InstanceNorm2d": (lambda m: m.nn.InstanceNorm2d(3), (X4,)),
    "Dropout": (lambda m: m.nn.Dropout(0.5).eval(), (X2,)),
    "Dropout2d": (lambda m: m.nn.Dropout2d(0.0), (X4,)),
    "Upsample": (lambda m: m.nn.Upsample(scale_factor=2), (X4,)),
    "PixelShuffle": (lambda m: m.nn.PixelShuffle(1), (X4,)),
    "ZeroPad2d": (lambda m: m.nn.ZeroPad2d(1), (X4,)),
    "ReflectionPad2d": (lambda m: m.nn.ReflectionPad2d(1), (X4,)),
    "Fold": (lambda m: m.nn.Fold((4, 4), 2), (COLS,)),
    "Unfold": (lambda m: m.nn.Unfold(2), (X4,)),
    "Embedding": (lambda m: m.nn.Embedding(5, 3), (np.array([1, 2]),)),
    "CosineSimilarity": (lambda m: m.nn.CosineSimilarity(), (X2, X2)),
    "MultiheadAttention": (lambda m: m.nn.MultiheadAttention(8, 2), (SEQ, SEQ, SEQ)),
    "TransformerEncoderLayer": (lambda m: m.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0),
                                (SEQ,)),
    "LPPool2d": (lambda m: m.nn.LPPool2d(2, 2), (X4,)),
    "LPPool1dInf": (lambda m: m.nn.LPPool1d(float("inf"), 2), (X3,)),
    "AdaptiveMaxPool2d": (lambda m: m.nn.AdaptiveMaxPool2d(2), (X4,)),
    "AdaptiveMaxPool1dIndices": (lambda m: m.nn.AdaptiveMaxPool1d(2, return_indices=True),
                                 (X3,)),
    "LocalResponseNorm3d": (lambda m: m.nn.LocalResponseNorm(2), (X3,)),
    "LocalResponseNorm4d": (lambda m: m.nn.LocalResponseNorm(3), (X4,)),
    "MultiLabelSoftMarginLoss": (lambda m: m.nn.MultiLabelSoftMarginLoss(), (X2, X2 > 0)),
    "TripletMarginWithDistanceLoss": (lambda m: m.nn.TripletMarginWithDistanceLoss(),
                                      (X2, X2[::-1].copy(), X2 * 2)),
    "MSELoss": (lambda m: m.nn.MSELoss(), (X2, X2)),
    "CrossEntropyLoss": (lambda m: m.nn.CrossEntropyLoss(), (X2, LABELS)),
}


def _run(lib, name):
    make, arrays = CASES[name]
    lib.manual_seed(0)
    module = make(lib)
    args = [lib.from_numpy(a.astype(np.float32) if a.dtype == bool else a.copy())
            for a in arrays]
    calls = []
    F = lib.nn.functional
    names = [n for n in dir(F) if not n.startswith("_") and callable(getattr(F, n))
             and not isinstance(getattr(F, n), type) and not n.startswith("has_torch")
             and n not in ("handle_torch_function", "boolean_dispatch")]
    saved = {n: getattr(F, n) for n in names}

    def counting(n, f):
        def call(*a, **k):
            calls.append(n)
            return f(*a, **k)
        return call

    out = module(*args)
    try:
        for n, f in saved.items():
            setattr(F, n, counting(n, f))
        replaced_out = module(*args)
    finally:
        for n, f in saved.items():
            setattr(F, n, f)
    return calls, out, replaced_out


@pytest.mark.parametrize("name", sorted(CASES))
def test_module_calls_replaced_functionals_as_torch(name):
    expected, _, _ = _run(torch, name)
    got, out, replaced_out = _run(gk, name)
    assert got == expected
    first = out[0] if isinstance(out, tuple) else out
    second = replaced_out[0] if isinstance(replaced_out, tuple) else replaced_out
    np.testing.assert_allclose(second.detach().numpy(), first.detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_attention_weights_free_path_through_a_replaced_sdpa():
    """``need_weights=False``: PyTorch hands the heads to ``F.scaled_dot_product_attention``;
    a replacement gets them (with the merged masks) and the result is the ordinary one."""
    F = gk.nn.functional
    gk.manual_seed(0)
    mha = gk.nn.MultiheadAttention(8, 2)
    q = gk.from_numpy(SEQ.copy())
    mask = gk.triu(gk.ones(3, 3, dtype=gk.bool), 1)
    kpm = gk.tensor([[False, False, True], [False, False, False]])
    plain, _ = mha(q, q, q, need_weights=False, attn_mask=mask, key_padding_mask=kpm)
    seen = []
    original = F.scaled_dot_product_attention

    def sdpa(query, key, value, attn_mask=None, *args, **kwargs):
        seen.append((tuple(query.shape), tuple(attn_mask.shape)))
        return original(query, key, value, attn_mask, *args, **kwargs)

    F.scaled_dot_product_attention = sdpa
    try:
        through, _ = mha(q, q, q, need_weights=False, attn_mask=mask, key_padding_mask=kpm)
    finally:
        F.scaled_dot_product_attention = original
    assert seen == [((2, 2, 3, 4), (2, 2, 3, 3))]
    np.testing.assert_allclose(through.detach().numpy(), plain.detach().numpy(), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_sigmoid_and_tanh_modules_call_the_torch_function(name):
    """``nn.Sigmoid``/``nn.Tanh`` call ``torch.sigmoid``/``torch.tanh`` (not ``F.*``), looked up
    at call time: a program's replacement of them is called, as in PyTorch."""
    def calls(lib):
        module = getattr(lib.nn, name.capitalize())()
        original, seen = getattr(lib, name), []

        def counting(*a, **k):
            seen.append(name)
            return original(*a, **k)

        setattr(lib, name, counting)
        try:
            module(lib.zeros(2))
        finally:
            setattr(lib, name, original)
        return seen

    assert calls(gk) == calls(torch) == [name]
