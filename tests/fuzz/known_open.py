"""Findings of the fuzzer still open, as (op, class) pairs with the reason each is not fixed
yet. The test fails on any other finding, and on a new class of finding in a listed op; remove
an entry when its fix lands (``python tests/fuzz/fuzzer.py --seed 0 --case I`` shows the case).
"""

KNOWN_OPEN = {
    ('index_fill', 'wrong-error-type'):
        'open, in gradkit/functions/scattering.py; e.g. seed 0 case 893',
    ('vander', 'accepted-invalid'):
        'open, in gradkit/functions/shape.py: torch.vander(x, 0, True) of a 3e38 element '
        'raises "N must be greater than 1"; e.g. seed 0 case 1496',
}
