"""Findings of the fuzzer still open, as (op, class) pairs with the reason each is not fixed
yet. The test fails on any other finding, and on a new class of finding in a listed op; remove
an entry when its fix lands (``python tests/fuzz/fuzzer.py --seed 0 --case I`` shows the case).
"""

KNOWN_OPEN = {
    ("setitem", "wrong-error-type"):
        "open, in gradkit's index assignment: with an empty slice beside integer-list and bool "
        "indices, PyTorch reports the value's shape mismatch against the empty result "
        "(RuntimeError) before it bounds-checks the integer list (-3 in a dim of 2), gradkit "
        "the bound first (IndexError); seed 42 case 6348",
    ("linalg.vecdot", "wrong-error-type"):
        "open, in linalg.py vecdot and its out= face (_linalg/out.py): PyTorch checks out's "
        "dtype against the inputs' (RuntimeError: Expected out of dtype Double but found Bool) "
        "before the dim (gradkit's IndexError for dim 2 of 1-D inputs comes first); seed 44 "
        "case 7462",
}
