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
    ("add", "accepted-invalid"):
        "open, in functions/_registry.py write_out: out= one of the op's own inputs whose shape "
        "is not the broadcast result's (torch.add(x, y, out=x), x (2, 1, 4), y (3, 1)) is "
        "PyTorch's RuntimeError (output with shape ... doesn't match the broadcast shape), as "
        "TensorIterator does not resize an output that is also an input; gradkit resizes it "
        "(with the resize warning); write_out does not know the inputs; seed 46 cases 486, 4416",
    ("igammac", "accepted-invalid"):
        "open, in functions/_registry.py write_out, as ('add', 'accepted-invalid'): out= its "
        "own input of a shape the result broadcasts beyond; seed 46 case 8518",
    ("linalg.vecdot", "wrong-error-type"):
        "open, in linalg.py vecdot and its out= face (_linalg/out.py): PyTorch checks out's "
        "dtype against the inputs' (RuntimeError: Expected out of dtype Double but found Bool) "
        "before the dim (gradkit's IndexError for dim 2 of 1-D inputs comes first); seed 44 "
        "case 7462",
}
