"""Findings of the fuzzer still open, as (op, class) pairs with the reason each is not fixed
yet. The test fails on any other finding, and on a new class of finding in a listed op; remove
an entry when its fix lands (``python tests/fuzz/fuzzer.py --seed 0 --case I`` shows the case).
"""

KNOWN_OPEN = {
    ('adaptive_avg_pool1d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 668',
    ('adaptive_max_pool1d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 1082',
    ('addmv', 'accepted-invalid'): 'open, in gradkit/functions/products.py; e.g. seed 0 case 1457',
    ('alpha_dropout', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 269',
    ('avg_pool1d', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 915',
    ('avg_pool1d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 187',
    ('batch_norm', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 1678',
    ('bilinear', 'wrong'): 'open, in gradkit/nn; e.g. seed 0 case 1298',
    ('binary_cross_entropy_with_logits', 'accepted-invalid'):
        'open, in gradkit/nn/functional/loss.py (owned elsewhere); e.g. seed 0 case 596',
    ('binary_cross_entropy_with_logits', 'grad-wrong'):
        'open, in gradkit/nn/functional/loss.py (owned elsewhere); e.g. seed 0 case 2965',
    ('cdist', 'wrong-error-type'): 'open, in gradkit/functions/products.py; e.g. seed 0 case 2150',
    ('celu', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 1135',
    ('channel_shuffle', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 273',
    ('cholesky_solve', 'grad-wrong'): 'open, in gradkit/linalg.py; e.g. seed 0 case 1560',
    ('cholesky_solve', 'wrong'): 'open, in gradkit/linalg.py; e.g. seed 0 case 2301',
    ('conv1d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 426',
    ('conv2d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 1965',
    ('conv3d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 540',
    ('conv_tbc', 'wrong'): 'open, in gradkit/nn; e.g. seed 0 case 776',
    ('conv_transpose1d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 441',
    ('conv_transpose2d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 1070',
    ('conv_transpose3d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 250',
    ('convolution', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 742',
    ('cosine_embedding_loss', 'wrong-error-type'):
        'open, in gradkit/nn/functional/loss.py (owned elsewhere); e.g. seed 0 case 1317',
    ('cross', 'accepted-invalid'): 'open, in gradkit/linalg.py; e.g. seed 0 case 77',
    ('cross', 'wrong-error-type'): 'open, in gradkit/linalg.py; e.g. seed 0 case 2634',
    ('ctc_loss', 'grad-wrong'):
        'open, in gradkit/nn/functional/loss.py (owned elsewhere); e.g. seed 0 case 2186',
    ('ctc_loss', 'wrong-error-type'):
        'open, in gradkit/nn/functional/loss.py (owned elsewhere); e.g. seed 0 case 801',
    ('dropout', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 1408',
    ('dropout_', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 2981',
    ('einsum', 'accepted-invalid'): 'open, in gradkit/functions/products.py; e.g. seed 0 case 1146',
    ('feature_alpha_dropout_', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 725',
    ('feature_dropout', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 349',
    ('feature_dropout', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 1175',
    ('geqrf', 'wrong-error-type'): 'open, in gradkit/_linalg/eig.py; e.g. seed 0 case 1232',
    ('grid_sampler', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 408',
    ('group_norm', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 580',
    ('group_norm', 'wrong'): 'open, in gradkit/nn; e.g. seed 0 case 1394',
    ('group_norm', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 377',
    ('gru_cell', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 508',
    ('hinge_embedding_loss', 'wrong'):
        'open, in gradkit/nn/functional/loss.py (owned elsewhere); e.g. seed 0 case 2232',
    ('index_fill', 'wrong-error-type'):
        'open, in gradkit/functions/scattering.py; e.g. seed 0 case 893',
    ('kl_div', 'grad-wrong'):
        'open, in gradkit/nn/functional/loss.py (owned elsewhere); e.g. seed 0 case 2823',
    ('kl_div', 'wrong'):
        'open, in gradkit/nn/functional/loss.py (owned elsewhere); e.g. seed 0 case 2061',
    ('layer_norm', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 22',
    ('layer_norm', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 0',
    ('lstm_cell', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 153',
    ('lu', 'grad-wrong'): 'open, in gradkit/_linalg/lu.py; e.g. seed 0 case 2512',
    ('lu', 'wrong-error-type'): 'open, in gradkit/_linalg/lu.py; e.g. seed 0 case 1834',
    ('lu_solve', 'wrong'): 'open, in gradkit/_linalg/lu.py; e.g. seed 0 case 2202',
    ('lu_unpack', 'wrong'): 'open, in gradkit/_linalg/lu.py; e.g. seed 0 case 2915',
    ('matrix_power', 'accepted-invalid'): 'open, in gradkit/linalg.py; e.g. seed 0 case 2176',
    ('matrix_power', 'grad-wrong'): 'open, in gradkit/linalg.py; e.g. seed 0 case 2031',
    ('max_pool1d_with_indices', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 1116',
    ('max_pool3d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 419',
    ('mv', 'accepted-invalid'): 'open, in gradkit/functions/products.py; e.g. seed 0 case 2578',
    ('norm', 'wrong-error-type'):
        'open, in gradkit/functions/reduction.py: torch.norm of a list raises AttributeError from '
        'torch/functional.py, which the fuzzer counts as raw; e.g. seed 0 case 1928',
    ('norm_except_dim', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 707',
    ('orgqr', 'wrong'): 'open, in gradkit/_linalg/eig.py; e.g. seed 0 case 2822',
    ('orgqr', 'wrong-error-type'): 'open, in gradkit/_linalg/eig.py; e.g. seed 0 case 1139',
    ('ormqr', 'grad-wrong'): 'open, in gradkit/_linalg/eig.py; e.g. seed 0 case 1972',
    ('pixel_shuffle', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 1559',
    ('pixel_unshuffle', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 941',
    ('pixel_unshuffle', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 234',
    ('poisson_nll_loss', 'wrong'):
        'open, in gradkit/nn/functional/loss.py (owned elsewhere); e.g. seed 0 case 205',
    ('prelu', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 422',
    ('rms_norm', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 577',
    ('rnn_tanh_cell', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 1728',
    ('rrelu', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 2015',
    ('rrelu_', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 38',
    ('rrelu_', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 1886',
    ('slogdet', 'wrong-error-type'): 'open, in gradkit/linalg.py; e.g. seed 0 case 358',
    ('svd', 'wrong-error-type'): 'open, in gradkit/linalg.py; e.g. seed 0 case 1296',
    ('tensordot', 'wrong-error-type'):
        'open, in gradkit/functions/products.py; e.g. seed 0 case 539',
    ('triangular_solve', 'wrong-error-type'):
        'open, in gradkit/_linalg/lu.py; e.g. seed 0 case 1215',
    ('triplet_margin_loss', 'wrong-error-type'):
        'open, in gradkit/nn/functional/loss.py (owned elsewhere); e.g. seed 0 case 2328',
    ('vander', 'accepted-invalid'):
        'open, in gradkit/functions/shape.py: torch.vander(x, 0, True) of a 3e38 element raises '
        '"N must be greater than 1"; e.g. seed 0 case 1496',
}
