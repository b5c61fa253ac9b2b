"""Findings of the wrong-kind-argument fuzzer (``arg_fuzzer.py``) still open, as (name, class)
pairs with where each is to be fixed. The CI sample (seed 0) fails on any other finding, and on
a new class of finding in a listed name; remove an entry when its fix lands
(``python tests/fuzz/arg_fuzzer.py --seed 0 --case I`` shows the case).
"""

KNOWN_OPEN: dict = {
    ("std", "accepted-invalid"):
        "open, in functions/reduction.py std/var: dim=True by keyword is PyTorch's TypeError, "
        "but one Python signature cannot tell it from std(x, True) (unbiased by position); "
        "seeds 30 and 31 (10000 cases)",
    ("prod", "accepted-invalid"):
        "open, in functions/reduction.py prod: PyTorch's dim is one int (None or a list is its "
        "TypeError); gradkit's tuple dims are used by the create_graph namespace "
        "(_tensor/namespace.py prod) and tests/ops/test_reduction.py; seed 31 (10000 cases)",
    ("logspace", "accepted-invalid"):
        "open, in factories.py logspace: base=tensor([1]) (one dimension) is PyTorch's "
        "TypeError, gradkit reads its one element; seed 30 (10000 cases)",
    ("einsum", "wrong-error-type"):
        "open, in functions/products.py einsum: a 0-d tensor as the equation is read as the "
        "sublist form; PyTorch fails reading the next operand as a subscript list "
        "(RuntimeError: Boolean value of Tensor ... ambiguous); seed 30 (10000 cases)",
}
