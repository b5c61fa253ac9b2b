"""Each gradkit layer exported alone, then run on other inputs than the example: the program
equals the layer (a layer whose forward worked on arrays would be frozen to the example's
result; those are recorded as their functional, as PyTorch's layers call it)."""

import numpy as np
import pytest

import gradkit as gk

nn = gk.nn

LAYERS = [
    (lambda: nn.AdaptiveAvgPool1d(2), (2, 3, 8)), (lambda: nn.AdaptiveAvgPool2d(2), (2, 3, 8, 8)),
    (lambda: nn.AdaptiveAvgPool3d(2), (1, 2, 4, 4, 4)),
    (lambda: nn.AdaptiveMaxPool1d(2), (2, 3, 8)),
    (lambda: nn.AdaptiveMaxPool2d(2), (2, 3, 8, 8)), (lambda: nn.LPPool1d(2, 2), (2, 3, 8)),
    (lambda: nn.LPPool2d(2, 2), (2, 3, 8, 8)), (lambda: nn.PixelShuffle(2), (1, 8, 3, 3)),
    (lambda: nn.PixelUnshuffle(2), (1, 2, 4, 4)), (lambda: nn.ChannelShuffle(2), (1, 4, 3, 3)),
    (lambda: nn.Unfold(2), (1, 2, 4, 4)), (lambda: nn.Fold((3, 3), 2), (1, 8, 4)),
    (lambda: nn.AvgPool1d(2), (2, 3, 8)), (lambda: nn.AvgPool3d(2), (1, 2, 4, 4, 4)),
    (lambda: nn.MaxPool1d(2), (2, 3, 8)), (lambda: nn.MaxPool3d(2), (1, 2, 4, 4, 4)),
    (lambda: nn.MaxPool2d(2, return_indices=True), (1, 2, 4, 4)),
    (lambda: nn.Conv3d(2, 2, 3), (1, 2, 4, 4, 4)), (lambda: nn.ConvTranspose1d(2, 2, 3), (1, 2, 5)),
    (lambda: nn.ConvTranspose2d(3, 2, 2, stride=2), (2, 3, 4, 4)),
    (lambda: nn.Upsample(scale_factor=2, mode="bilinear"), (1, 2, 3, 3)),
    (lambda: nn.Upsample(scale_factor=2), (1, 2, 3)), (lambda: nn.ZeroPad2d(1), (1, 2, 3, 3)),
    (lambda: nn.LocalResponseNorm(2), (1, 4, 3, 3)), (lambda: nn.GroupNorm(2, 4), (2, 4, 3)),
    (lambda: nn.InstanceNorm2d(3), (2, 3, 4, 4)), (lambda: nn.BatchNorm3d(2), (2, 2, 2, 2, 2)),
    (lambda: nn.LayerNorm([3]), (2, 3)), (lambda: nn.GLU(), (2, 4)), (lambda: nn.PReLU(), (2, 3)),
    (lambda: nn.Embedding(10, 3), None), (lambda: nn.EmbeddingBag(10, 3), None),
    (lambda: nn.MultiheadAttention(8, 2, batch_first=True), (2, 5, 8)),
    (lambda: nn.GRUCell(4, 3), (2, 4)), (lambda: nn.LSTMCell(4, 3), (2, 4)),
    (lambda: nn.RNNCell(4, 3, nonlinearity="relu"), (4,)),
    (lambda: nn.RNN(3, 4, nonlinearity="relu"), (5, 2, 3)),
    (lambda: nn.LSTM(3, 4, proj_size=2), (5, 3)),
]


@pytest.mark.parametrize("make,shape", LAYERS, ids=[f"{i}" for i in range(len(LAYERS))])
def test_layer_program_equals_layer_on_other_inputs(make, shape):
    gk.manual_seed(0)
    layer = make().eval()
    rng = np.random.default_rng(0)

    def example(seed_shape):
        if shape is None:
            return (gk.tensor(rng.integers(0, 10, (2, 3))),)
        x = gk.tensor(rng.standard_normal(seed_shape).astype(np.float32))
        return (x, x, x) if isinstance(layer, nn.MultiheadAttention) else (x,)

    ep = gk.export.export(layer, example(shape))
    for _ in range(2):
        args = example(shape)
        got, want = ep.module()(*args), layer(*args)
        got = got if isinstance(got, tuple) else (got,)
        want = want if isinstance(want, tuple) else (want,)
        flat_got = gk.export._pytree.flatten(got)[0]
        flat_want = gk.export._pytree.flatten(want)[0]
        assert len(flat_got) == len(flat_want)
        for a, b in zip(flat_got, flat_want):
            if b is None:
                assert a is None
                continue
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5,
                                       atol=1e-6)


def test_layer_reading_arrays_raises_clearly():
    layer = nn.FractionalMaxPool2d(2, output_size=2)
    with pytest.raises(AttributeError, match="NumPy array of a traced tensor"):
        gk.export.export(layer, (gk.randn(1, 2, 5, 5),))
