"""Findings of the fuzzer still open, as (op, class) pairs with the reason each is not fixed
yet. The test fails on any other finding, and on a new class of finding in a listed op; remove
an entry when its fix lands (``python tests/fuzz/fuzzer.py --seed 0 --case I`` shows the case).
"""

KNOWN_OPEN = {
    ('%', 'wrong-error-type'):
        'open, in gradkit/functions (operators, indexing); e.g. seed 0 case 1983',
    ('%=', 'wrong-error-type'):
        'open, in gradkit/functions (operators, indexing); e.g. seed 0 case 2802',
    ('**=', 'accepted-invalid'):
        'open, in gradkit/functions (operators, indexing); e.g. seed 0 case 1699',
    ('-', 'accepted-invalid'):
        'open, in gradkit/functions (operators, indexing); e.g. seed 0 case 2827',
    ('-=', 'accepted-invalid'):
        'open, in gradkit/functions (operators, indexing); e.g. seed 0 case 963',
    ('//', 'wrong-error-type'):
        'open, in gradkit/functions (operators, indexing); e.g. seed 0 case 2027',
    ('<<=', 'wrong-error-type'):
        'open, in gradkit/functions (operators, indexing); e.g. seed 0 case 1779',
    ('adaptive_avg_pool1d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 668',
    ('adaptive_max_pool1d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 1082',
    ('addmv', 'accepted-invalid'): 'open, in gradkit/functions/products.py; e.g. seed 0 case 1457',
    ('alpha_dropout', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 269',
    ('any', 'accepted-invalid'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1874',
    ('any', 'wrong-error-type'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1802',
    ('argmax', 'accepted-invalid'):
        'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1422',
    ('argmin', 'accepted-invalid'):
        'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1008',
    ('avg_pool1d', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 915',
    ('avg_pool1d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 187',
    ('batch_norm', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 1678',
    ('bilinear', 'wrong'): 'open, in gradkit/nn; e.g. seed 0 case 1298',
    ('bitwise_not', 'accepted-invalid'):
        'open, in gradkit/functions/bitwise.py; e.g. seed 0 case 2213',
    ('bucketize', 'accepted-invalid'):
        'open, in gradkit/functions/sorting.py; e.g. seed 0 case 151',
    ('cdist', 'wrong-error-type'): 'open, in gradkit/functions/products.py; e.g. seed 0 case 2150',
    ('celu', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 1135',
    ('channel_shuffle', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 273',
    ('cholesky_solve', 'grad-wrong'): 'open, in gradkit/linalg.py; e.g. seed 0 case 1560',
    ('cholesky_solve', 'wrong'): 'open, in gradkit/linalg.py; e.g. seed 0 case 2301',
    ('chunk', 'wrong-error-type'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 1860',
    ('conv1d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 426',
    ('conv2d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 1965',
    ('conv3d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 540',
    ('conv_tbc', 'wrong'): 'open, in gradkit/nn; e.g. seed 0 case 776',
    ('conv_transpose1d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 441',
    ('conv_transpose2d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 1070',
    ('conv_transpose3d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 250',
    ('convolution', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 742',
    ('cov', 'wrong-error-type'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1127',
    ('cross', 'accepted-invalid'): 'open, in gradkit/linalg.py; e.g. seed 0 case 77',
    ('cross', 'wrong-error-type'): 'open, in gradkit/linalg.py; e.g. seed 0 case 2634',
    ('diag', 'accepted-invalid'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 1876',
    ('diagonal', 'wrong-error-type'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 1443',
    ('diagonal_scatter', 'wrong-error-type'):
        'open, in gradkit/functions/scattering.py; e.g. seed 0 case 813',
    ('diff', 'wrong-error-type'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 2518',
    ('dropout', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 1408',
    ('dropout_', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 2981',
    ('dstack', 'wrong-error-type'): 'open, in gradkit/functions/joining.py; e.g. seed 0 case 91',
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
    ('histc', 'accepted-invalid'): 'open, in gradkit/functions/sorting.py; e.g. seed 0 case 1046',
    ('histogram', 'wrong-error-type'):
        'open, in gradkit/functions/sorting.py; e.g. seed 0 case 1383',
    ('index_add', 'accepted-invalid'):
        'open, in gradkit/functions/indexing.py; e.g. seed 0 case 2728',
    ('index_copy', 'wrong-error-type'):
        'open, in gradkit/functions/scattering.py; e.g. seed 0 case 2711',
    ('index_fill', 'wrong-error-type'):
        'open, in gradkit/functions/scattering.py; e.g. seed 0 case 893',
    ('index_put', 'wrong-error-type'):
        'open, in gradkit/functions/scattering.py; e.g. seed 0 case 450',
    ('isin', 'accepted-invalid'): 'open, in gradkit/functions/comparison.py; e.g. seed 0 case 737',
    ('isneginf', 'accepted-invalid'):
        'open, in gradkit/functions/comparison.py; e.g. seed 0 case 616',
    ('kthvalue', 'wrong-error-type'):
        'open, in gradkit/functions/sorting.py; e.g. seed 0 case 1195',
    ('layer_norm', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 22',
    ('layer_norm', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 0',
    ('logsumexp', 'wrong-error-type'):
        'open, in gradkit/functions/reduction.py; e.g. seed 0 case 876',
    ('lstm_cell', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 153',
    ('lu', 'grad-wrong'): 'open, in gradkit/_linalg/lu.py; e.g. seed 0 case 2512',
    ('lu', 'wrong-error-type'): 'open, in gradkit/_linalg/lu.py; e.g. seed 0 case 1834',
    ('lu_solve', 'wrong'): 'open, in gradkit/_linalg/lu.py; e.g. seed 0 case 2202',
    ('lu_unpack', 'wrong'): 'open, in gradkit/_linalg/lu.py; e.g. seed 0 case 2915',
    ('masked_select', 'accepted-invalid'):
        'open, in gradkit/functions/scattering.py; e.g. seed 0 case 2710',
    ('matrix_power', 'accepted-invalid'): 'open, in gradkit/linalg.py; e.g. seed 0 case 2176',
    ('matrix_power', 'grad-wrong'): 'open, in gradkit/linalg.py; e.g. seed 0 case 2031',
    ('max', 'wrong-error-type'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 557',
    ('max_pool1d_with_indices', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 1116',
    ('max_pool3d', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 419',
    ('median', 'accepted-invalid'): 'open, in gradkit/functions/sorting.py; e.g. seed 0 case 1151',
    ('median', 'wrong-error-type'): 'open, in gradkit/functions/sorting.py; e.g. seed 0 case 465',
    ('meshgrid', 'wrong-error-type'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 1606',
    ('msort', 'accepted-invalid'): 'open, in gradkit/functions/sorting.py; e.g. seed 0 case 1068',
    ('mv', 'accepted-invalid'): 'open, in gradkit/functions/products.py; e.g. seed 0 case 2578',
    ('nanmedian', 'accepted-invalid'):
        'open, in gradkit/functions/sorting.py; e.g. seed 0 case 2187',
    ('nanquantile', 'wrong-error-type'):
        'open, in gradkit/functions/sorting.py; e.g. seed 0 case 717',
    ('narrow', 'wrong-error-type'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 1002',
    ('nonzero', 'accepted-invalid'):
        'open, in gradkit/functions/indexing.py; e.g. seed 0 case 2271',
    ('norm', 'wrong-error-type'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1928',
    ('norm_except_dim', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 707',
    ('orgqr', 'wrong'): 'open, in gradkit/_linalg/eig.py; e.g. seed 0 case 2822',
    ('orgqr', 'wrong-error-type'): 'open, in gradkit/_linalg/eig.py; e.g. seed 0 case 1139',
    ('ormqr', 'grad-wrong'): 'open, in gradkit/_linalg/eig.py; e.g. seed 0 case 1972',
    ('pixel_shuffle', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 1559',
    ('pixel_unshuffle', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 941',
    ('pixel_unshuffle', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 234',
    ('prelu', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 422',
    ('put', 'wrong-error-type'): 'open, in gradkit/functions/scattering.py; e.g. seed 0 case 2881',
    ('quantile', 'wrong-error-type'): 'open, in gradkit/functions/sorting.py; e.g. seed 0 case 45',
    ('repeat_interleave', 'wrong-error-type'):
        'open, in gradkit/functions/shape.py; e.g. seed 0 case 1103',
    ('rms_norm', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 577',
    ('rnn_tanh_cell', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 1728',
    ('rot90', 'wrong-error-type'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 2045',
    ('rrelu', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 2015',
    ('rrelu_', 'accepted-invalid'): 'open, in gradkit/nn; e.g. seed 0 case 38',
    ('rrelu_', 'wrong-error-type'): 'open, in gradkit/nn; e.g. seed 0 case 1886',
    ('searchsorted', 'accepted-invalid'):
        'open, in gradkit/functions/sorting.py; e.g. seed 0 case 1750',
    ('searchsorted', 'wrong'): 'open, in gradkit/functions/sorting.py; e.g. seed 0 case 2798',
    ('setitem', 'accepted-invalid'):
        'open, in gradkit/functions (operators, indexing); e.g. seed 0 case 484',
    ('setitem', 'wrong-error-type'):
        'open, in gradkit/functions (operators, indexing); e.g. seed 0 case 214',
    ('slogdet', 'wrong-error-type'): 'open, in gradkit/linalg.py; e.g. seed 0 case 358',
    ('stack', 'wrong-error-type'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 1600',
    ('std_mean', 'accepted-invalid'):
        'open, in gradkit/functions/reduction.py; e.g. seed 0 case 443',
    ('svd', 'wrong-error-type'): 'open, in gradkit/linalg.py; e.g. seed 0 case 1296',
    ('tensordot', 'wrong-error-type'):
        'open, in gradkit/functions/products.py; e.g. seed 0 case 539',
    ('topk', 'wrong-error-type'): 'open, in gradkit/functions/sorting.py; e.g. seed 0 case 2626',
    ('trapezoid', 'accepted-invalid'):
        'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1749',
    ('trapz', 'wrong-error-type'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1663',
    ('triangular_solve', 'wrong-error-type'):
        'open, in gradkit/_linalg/lu.py; e.g. seed 0 case 1215',
    ('vander', 'accepted-invalid'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 1496',
    ('var', 'accepted-invalid'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1415',
    ('var_mean', 'accepted-invalid'):
        'open, in gradkit/functions/reduction.py; e.g. seed 0 case 2839',
    ('var_mean', 'wrong'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 2165',
}
