"""Findings of the fuzzer still open, as (op, class) pairs with the reason each is not fixed
yet. The test fails on any other finding, and on a new class of finding in a listed op; remove
an entry when its fix lands (``python tests/fuzz/fuzzer.py --seed 0 --case I`` shows the case).
"""

KNOWN_OPEN = {
    ('cholesky_solve', 'grad-wrong'): 'open, in gradkit/linalg.py; e.g. seed 0 case 1560',
    ('group_norm', 'grad-wrong'):
        'open, in gradkit/nn/functional/normalization.py: with an inf or NaN weight the '
        "gradients follow the order of products of PyTorch's fused backward (+-inf there, "
        'NaN here; the forward matches); e.g. seed 0 case 1394',
    ('lu', 'grad-wrong'): 'open, in gradkit/_linalg/lu.py; e.g. seed 0 case 2512',
    ('lu_solve', 'grad-wrong'):
        'open, in gradkit/_linalg/lu.py (NaN pattern of the gradient for inf/nan inputs); '
        'e.g. seed 0 case 2202',
}
