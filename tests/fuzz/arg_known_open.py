"""Findings of the wrong-kind-argument fuzzer (``arg_fuzzer.py``) still open, as (name, class)
pairs with where each is to be fixed. The CI sample (seed 0) fails on any other finding, and on
a new class of finding in a listed name; remove an entry when its fix lands
(``python tests/fuzz/arg_fuzzer.py --seed 0 --case I`` shows the case).
"""

KNOWN_OPEN: dict = {}

