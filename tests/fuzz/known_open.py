"""Findings of the fuzzer still open, as (op, class) pairs with the reason each is not fixed
yet. The test fails on any other finding, and on a new class of finding in a listed op; remove
an entry when its fix lands (``python tests/fuzz/fuzzer.py --seed 0 --case I`` shows the case).
"""

KNOWN_OPEN = {
    # drawn by seed 0 once the registry grew (the new ops shift which samples each case
    # draws); open in ops outside the surface work
    ("unsafe_split", "wrong-error-type"): "open, in shape.py's split: split(x, -1, dim=3) "
    "names the dim (IndexError) where PyTorch first refuses the negative split_size "
    "(RuntimeError); drawn once the complex samples joined the registry",
    ("diff", "accepted-invalid"): "open, in reduction.py's diff: prepend/append are not checked "
    "against the input's size in the dims other than the differenced one; drawn once the "
    "complex samples joined the registry",
}
