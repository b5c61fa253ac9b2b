"""Registry samples of the nn functions PyTorch exports at the top level (``torch.conv2d``,
``torch.dropout``, ``torch.layer_norm``, ...; see ``samples/__init__.py``). Random ones seed
both libraries in ``pre`` (gradkit draws PyTorch's stream), so every call sees the same mask."""

import numpy as np  # noqa: F401

from . import *  # noqa: F403


def seeded(lib, *args):
    lib.manual_seed(0)
    return args


def seeded_nonleaf(lib, x, *rest):
    """Seeded, and the first input made a non-leaf (an in-place op on a leaf that requires grad
    is refused, in both libraries)."""
    lib.manual_seed(0)
    return (x * 1, *rest)


def nonleaf(lib, x, *rest):
    return (x * 1, *rest)


def signs(*shape):
    return np.where(B(*shape), 1.0, -1.0)


def _ctc_log_probs(lib, x, *rest):
    return (x.log_softmax(2), *rest)


SAMPLES = [
    # convolution
    S("conv1d", N(2, 3, 7), N(4, 3, 3), N(4), 1, 1),
    S("conv2d", N(2, 3, 5, 5), N(4, 3, 3, 3), N(4), 2, 1),
    S("conv2d", N(1, 4, 4, 4), N(4, 2, 3, 3), None, 1, 1, 1, 2),
    S("conv3d", N(1, 2, 4, 4, 4), N(3, 2, 2, 2, 2), N(3)),
    S("conv_transpose1d", N(2, 3, 5), N(3, 4, 3), N(4), 2, 1),
    S("conv_transpose2d", N(1, 3, 4, 4), N(3, 2, 3, 3), N(2), 2, 1, 1),
    S("conv_transpose3d", N(1, 2, 3, 3, 3), N(2, 2, 2, 2, 2), N(2)),
    S("convolution", N(2, 3, 5, 5), N(4, 3, 3, 3), N(4), [1, 1], [1, 1], [1, 1], False, [0, 0],
      1),
    S("convolution", N(2, 3, 5), N(3, 2, 3), None, [2], [1], [1], True, [1], 1),
    S("conv_tbc", N(7, 2, 3), N(3, 3, 4), N(4), 1),
    # dropout
    S("dropout", N(3, 4), 0.4, True, pre=seeded),
    S("dropout", N(3, 4), 0.4, False, pre=nonleaf),  # the identity
    S("dropout_", N(3, 4), 0.4, True, pre=seeded_nonleaf),
    S("alpha_dropout", N(3, 4), 0.3, True, pre=seeded),
    S("alpha_dropout_", N(3, 4), 0.3, True, pre=seeded_nonleaf),
    S("feature_dropout", N(2, 3, 4), 0.5, True, pre=seeded),
    S("feature_dropout_", N(2, 3, 4), 0.5, True, pre=seeded_nonleaf),
    S("feature_alpha_dropout", N(2, 3, 4), 0.5, True, pre=seeded),
    S("feature_alpha_dropout_", N(2, 3, 4), 0.5, True, pre=seeded_nonleaf),
    # normalization
    S("batch_norm", N(4, 3, 5), N(3), N(3), N(3), P(3), True, 0.1, 1e-5, False, nograd=(3, 4)),
    S("batch_norm", N(4, 3), N(3), N(3), N(3), P(3), False, 0.1, 1e-5, False, nograd=(3, 4)),
    S("instance_norm", N(2, 3, 5), N(3), N(3), None, None, True, 0.1, 1e-5, False),
    S("layer_norm", N(2, 3, 4), [4], N(4), N(4), 1e-5),
    S("layer_norm", N(2, 3, 4), [3, 4]),
    S("group_norm", N(2, 4, 3), 2, N(4), N(4), 1e-5),
    S("rms_norm", N(2, 3, 4), [4], N(4), 1e-6),
    S("norm_except_dim", N(3, 4, 2), 2, 0),
    S("norm_except_dim", N(3, 4, 2), 2, 1),
    S("norm_except_dim", N(3, 4), 2, -1),
    S("pdist", N(5, 3)),
    S("cosine_similarity", N(3, 4), N(3, 4)),
    S("pairwise_distance", N(3, 4), N(3, 4)),
    # linear, embedding, resample
    S("bilinear", N(3, 4), N(3, 5), N(2, 4, 5), N(2)),
    S("embedding", N(10, 3), Idx(10, 4, 2)),
    # the padding row gets no gradient (as PyTorch), which finite differences cannot agree with
    S("embedding", N(10, 3), np.array([[0, 2, 2], [1, 2, 5]]), 2, grad=False),
    S("embedding_renorm_", N(10, 3) * 2, np.array([[0, 2, 2], [1, 7, 5]]), 1.0, 2.0,
      grad=False),
    S("constant_pad_nd", N(2, 3), [1, 2], 0.5),
    S("constant_pad_nd", N(2, 3, 4), [-1, 1, 0, 2]),
    S("grid_sampler", N(1, 2, 4, 4), U(-0.9, 0.9, 1, 3, 3, 2), 0, 0, False),
    S("affine_grid_generator", N(2, 2, 3), [2, 1, 3, 4], False),
    S("pixel_shuffle", N(1, 8, 2, 3), 2),
    S("pixel_unshuffle", N(1, 2, 4, 6), 2),
    S("channel_shuffle", N(1, 6, 2, 2), 3),
    # activations
    S("selu", away(N(3, 4))),
    # alpha a power of 2: PyTorch's gradient uses 1/alpha rounded to float32 (2e-8 off for 0.7)
    S("celu", away(N(3, 4)), 0.5),
    S("threshold", away(N(3, 4), (0.1,)), 0.1, 2.0),
    S("hardshrink", away(N(3, 4), (0.5, -0.5))),
    S("hardshrink", away(N(3, 4), (1.0, -1.0)), 1.0),
    S("prelu", away(N(2, 3, 4)), P(3) * 0.3),
    S("rrelu", away(N(3, 4))),
    S("rrelu", away(N(3, 4)), 0.1, 0.5, True, pre=seeded),
    S("rrelu_", away(N(3, 4)), 0.1, 0.5, True, pre=seeded_nonleaf),
    S("rrelu_", away(N(3, 4)), pre=nonleaf),
    # losses
    S("binary_cross_entropy_with_logits", N(3, 4), U(0, 1, 3, 4)),
    S("binary_cross_entropy_with_logits", N(3, 4), U(0, 1, 3, 4), P(4), P(4), 1,
      nograd=(2, 3)),  # PyTorch differentiates neither weight
    S("binary_cross_entropy_with_logits", N(3, 4), U(0, 1, 3, 4), None, None, 2),
    S("kl_div", N(3, 4), U(0.1, 1, 3, 4)),
    S("kl_div", N(3, 4), U(0.1, 1, 3, 4), 1),
    S("kl_div", N(3, 4), N(3, 4), 2, log_target=True),
    S("margin_ranking_loss", N(5), N(5), signs(5), 0.1, nograd=(2,)),
    S("margin_ranking_loss", N(5), N(5), signs(5), 0.1, 1, nograd=(2,)),
    S("hinge_embedding_loss", away(N(5), (-1.0,)), signs(5), nograd=(1,)),
    S("hinge_embedding_loss", away(N(5), (-1.0,)), signs(5), 1.0, 2, nograd=(1,)),
    S("cosine_embedding_loss", N(4, 3), N(4, 3), signs(4), 0.1, 0, nograd=(2,)),
    S("triplet_margin_loss", N(4, 3), N(4, 3), N(4, 3)),
    S("triplet_margin_loss", N(4, 3), N(4, 3), N(4, 3), 0.5, 1, 1e-6, True, 2),
    S("poisson_nll_loss", N(3, 4), P(3, 4), True, False, 1e-8, 1),
    S("poisson_nll_loss", P(3, 4), U(2, 4, 3, 4), False, True, 1e-8, 2),
    S("ctc_loss", N(6, 2, 4), np.array([[1, 2, 1], [3, 1, 0]]), [6, 5], [3, 2], 0, 1,
      pre=_ctc_log_probs,
      second="PyTorch's CTC loss has no double backward; gradkit's is checked in "
             "tests/nn/test_ctc_loss.py"),
    # pooling
    S("max_pool1d", distinct(2, 3, 8), 2),
    S("max_pool2d", distinct(1, 2, 4, 4), 2, 2),
    S("max_pool2d", distinct(1, 2, 5, 5), 3, 2, 1),
    S("max_pool3d", distinct(1, 1, 4, 4, 4), 2),
    S("max_pool1d_with_indices", distinct(2, 3, 8), 3, 2, 1),
    S("avg_pool1d", N(2, 3, 8), 3, 2, 1),
    S("adaptive_avg_pool1d", N(2, 3, 7), 3),
    S("adaptive_max_pool1d", distinct(2, 3, 8), 3),
    # recurrent cells
    S("lstm_cell", N(3, 4), [N(3, 5), N(3, 5)], N(20, 4), N(20, 5), N(20), N(20)),
    S("gru_cell", N(3, 4), N(3, 5), N(15, 4), N(15, 5), N(15), N(15)),
    S("rnn_tanh_cell", N(3, 4), N(3, 5), N(5, 4), N(5, 5), N(5), N(5)),
    S("rnn_relu_cell", N(3, 4), N(3, 5), N(5, 4), N(5, 5)),
    # whole recurrent layers (torch.lstm, ...: nn.LSTM's flat weights)
    S("lstm", N(5, 3, 4), [N(1, 3, 5), N(1, 3, 5)], [N(20, 4), N(20, 5), N(20), N(20)],
      True, 1, 0.0, False, False, False),
    S("gru", N(5, 3, 4), N(2, 3, 5), [N(15, 4), N(15, 5), N(15), N(15), N(15, 4), N(15, 5),
                                      N(15), N(15)], True, 1, 0.0, False, True, False),
    S("rnn_tanh", N(3, 5, 4), N(2, 3, 5), [N(5, 4), N(5, 5), N(5, 5), N(5, 5)],
      False, 2, 0.0, False, False, True),
    S("rnn_relu", N(5, 3, 4), N(1, 3, 5), [N(5, 4), N(5, 5), N(5), N(5)],
      True, 1, 0.0, False, False, False),
]

# grid_sampler_2d/3d and ATen's embedding_bag (its four outputs)
SAMPLES += [
    S("grid_sampler_2d", N(1, 2, 4, 4), U(-0.9, 0.9, 1, 3, 3, 2), 0, 0, False),
    S("grid_sampler_2d", N(2, 1, 3, 5), U(-1.2, 1.2, 2, 2, 4, 2), 1, 1, True, grad=False),
    S("grid_sampler_3d", N(1, 2, 3, 4, 3), U(-0.9, 0.9, 1, 2, 3, 2, 3), 0, 0, False),
    S("grid_sampler_3d", N(1, 1, 3, 3, 3), U(-1.2, 1.2, 1, 2, 2, 2, 3), 0, 2, True),
    S("embedding_bag", N(10, 3), np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 3, 3]),
      False, 0),
    S("embedding_bag", N(10, 3), np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 3, 3]),
      False, 1, False, None, False, 2),
    S("embedding_bag", distinct(10, 3), np.array([1, 2, 4, 5, 4, 3, 6, 9]),
      np.array([0, 3, 3, 8]), False, 2, False, None, True),
    S("embedding_bag", N(10, 3), np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 5]),
      False, 0, False, P(8)),
]
