"""Findings of the fuzzer still open, as (op, class) pairs with the reason each is not fixed
yet. The test fails on any other finding, and on a new class of finding in a listed op; remove
an entry when its fix lands (``python tests/fuzz/fuzzer.py --seed 0 --case I`` shows the case).
"""

KNOWN_OPEN = {}
