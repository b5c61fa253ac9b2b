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
    ('any', 'accepted-invalid'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1874',
    ('any', 'wrong-error-type'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1802',
    ('argmax', 'accepted-invalid'):
        'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1422',
    ('argmin', 'accepted-invalid'):
        'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1008',
    ('bitwise_not', 'accepted-invalid'):
        'open, in gradkit/functions/bitwise.py; e.g. seed 0 case 2213',
    ('bucketize', 'accepted-invalid'):
        'open, in gradkit/functions/sorting.py; e.g. seed 0 case 151',
    ('cholesky_solve', 'grad-wrong'): 'open, in gradkit/linalg.py; e.g. seed 0 case 1560',
    ('chunk', 'wrong-error-type'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 1860',
    ('cov', 'wrong-error-type'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1127',
    ('diag', 'accepted-invalid'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 1876',
    ('diagonal', 'wrong-error-type'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 1443',
    ('diagonal_scatter', 'wrong-error-type'):
        'open, in gradkit/functions/scattering.py; e.g. seed 0 case 813',
    ('diff', 'wrong-error-type'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 2518',
    ('dstack', 'wrong-error-type'): 'open, in gradkit/functions/joining.py; e.g. seed 0 case 91',
    ('group_norm', 'grad-wrong'):
        'open, in gradkit/nn/functional/normalization.py: with an inf or NaN weight the '
        "gradients follow the order of products of PyTorch's fused backward (+-inf there, "
        'NaN here; the forward matches); e.g. seed 0 case 1394',
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
    ('logsumexp', 'wrong-error-type'):
        'open, in gradkit/functions/reduction.py; e.g. seed 0 case 876',
    ('lu', 'grad-wrong'): 'open, in gradkit/_linalg/lu.py; e.g. seed 0 case 2512',
    ('lu_solve', 'grad-wrong'):
        'open, in gradkit/_linalg/lu.py (NaN pattern of the gradient for inf/nan inputs); '
        'e.g. seed 0 case 2202',
    ('masked_select', 'accepted-invalid'):
        'open, in gradkit/functions/scattering.py; e.g. seed 0 case 2710',
    ('max', 'wrong-error-type'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 557',
    ('median', 'accepted-invalid'): 'open, in gradkit/functions/sorting.py; e.g. seed 0 case 1151',
    ('median', 'wrong-error-type'): 'open, in gradkit/functions/sorting.py; e.g. seed 0 case 465',
    ('meshgrid', 'wrong-error-type'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 1606',
    ('msort', 'accepted-invalid'): 'open, in gradkit/functions/sorting.py; e.g. seed 0 case 1068',
    ('nanmedian', 'accepted-invalid'):
        'open, in gradkit/functions/sorting.py; e.g. seed 0 case 2187',
    ('nanquantile', 'wrong-error-type'):
        'open, in gradkit/functions/sorting.py; e.g. seed 0 case 717',
    ('narrow', 'wrong-error-type'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 1002',
    ('nonzero', 'accepted-invalid'):
        'open, in gradkit/functions/indexing.py; e.g. seed 0 case 2271',
    ('norm', 'wrong-error-type'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1928',
    ('put', 'wrong-error-type'): 'open, in gradkit/functions/scattering.py; e.g. seed 0 case 2881',
    ('quantile', 'wrong-error-type'): 'open, in gradkit/functions/sorting.py; e.g. seed 0 case 45',
    ('repeat_interleave', 'wrong-error-type'):
        'open, in gradkit/functions/shape.py; e.g. seed 0 case 1103',
    ('rot90', 'wrong-error-type'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 2045',
    ('searchsorted', 'accepted-invalid'):
        'open, in gradkit/functions/sorting.py; e.g. seed 0 case 1750',
    ('searchsorted', 'wrong'): 'open, in gradkit/functions/sorting.py; e.g. seed 0 case 2798',
    ('setitem', 'accepted-invalid'):
        'open, in gradkit/functions (operators, indexing); e.g. seed 0 case 484',
    ('setitem', 'wrong-error-type'):
        'open, in gradkit/functions (operators, indexing); e.g. seed 0 case 214',
    ('stack', 'wrong-error-type'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 1600',
    ('std_mean', 'accepted-invalid'):
        'open, in gradkit/functions/reduction.py; e.g. seed 0 case 443',
    ('topk', 'wrong-error-type'): 'open, in gradkit/functions/sorting.py; e.g. seed 0 case 2626',
    ('trapezoid', 'accepted-invalid'):
        'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1749',
    ('trapz', 'wrong-error-type'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1663',
    ('vander', 'accepted-invalid'): 'open, in gradkit/functions/shape.py; e.g. seed 0 case 1496',
    ('var', 'accepted-invalid'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 1415',
    ('var_mean', 'accepted-invalid'):
        'open, in gradkit/functions/reduction.py; e.g. seed 0 case 2839',
    ('var_mean', 'wrong'): 'open, in gradkit/functions/reduction.py; e.g. seed 0 case 2165',
}
