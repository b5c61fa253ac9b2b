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
    ("grid_sampler", "grad-wrong"):
        "open, in ops/resample.py (not yet analysed): grid_sampler (2-D, bicubic, float64) "
        "with special values in a transposed grid: the grid gradient is NaN where torch's is "
        "-inf; seed 45 --variants case 503",
    ("var", "warning"):
        "open, in functions/reduction.py var (not yet analysed): var(out=) of a transposed "
        "(0, 4) input in the --warnings run: PyTorch gives no degrees-of-freedom warning there "
        "though the same call alone warns (order-dependent in the run); seed 45 case 6592",
}
