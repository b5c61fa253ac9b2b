"""The wrong-kind-argument fuzzer (``arg_fuzzer.py``: every torch function and Tensor method of
``benchmarks/surface.py``, one argument replaced by a string, None, a float where an int goes, a
tensor where a size goes, a dtype where a device goes, ...) as a test.

CI runs a fixed sample: ``GRADKIT_ARG_FUZZ_CASES`` cases (default 2000) of seed
``GRADKIT_ARG_FUZZ_SEED`` (default 0). Search afresh (opt-in) with e.g.
``GRADKIT_ARG_FUZZ_CASES=20000 GRADKIT_ARG_FUZZ_SEED=3 pytest tests/fuzz/test_arg_fuzz.py`` or
``python tests/fuzz/arg_fuzzer.py --seed 3 --cases 20000``; reproduce one case with
``python tests/fuzz/arg_fuzzer.py --seed 3 --case 1234``.

The run fails on a raw NumPy/Python error, a crash or hang, an input PyTorch rejects that gradkit
accepts, an exception type other than PyTorch's, or a different result -- except the findings of
``arg_fuzzer.ALLOW`` (deliberate differences, each with its reason) and those of
``arg_known_open.KNOWN_OPEN`` (open, each with where it is to be fixed).
"""

from __future__ import annotations

import os

import pytest

from . import arg_fuzzer, fuzzer
from .arg_known_open import KNOWN_OPEN

pytestmark = pytest.mark.filterwarnings("ignore")

SEED = int(os.environ.get("GRADKIT_ARG_FUZZ_SEED", 0))
CASES = int(os.environ.get("GRADKIT_ARG_FUZZ_CASES", 2000))


def _report(findings, limit=40):
    lines = [f"[{i}] {cls}: {case}\n      {detail}" for i, cls, case, detail in findings[:limit]]
    more = len(findings) - limit
    return "\n".join(lines) + (f"\n... and {more} more" if more > 0 else "")


def test_arg_fuzz_sample_matches_torch(torch):
    counts, findings = arg_fuzzer.run(SEED, CASES)
    failing = [f for f in findings
               if f[1] in fuzzer.FAILING and (f[2].name, f[1]) not in KNOWN_OPEN]
    print(f"\narg fuzz seed {SEED}, {CASES} cases: {dict(sorted(counts.items()))}")
    assert not failing, (f"{len(failing)} failing cases of {CASES} (seed {SEED}); reproduce "
                         f"with python tests/fuzz/arg_fuzzer.py --seed {SEED} --case I\n"
                         + _report(failing))
    # the sample reaches the surface: most cases run in both libraries to a comparison
    assert counts["both-raise"] + counts["unnamed"] + counts["match"] > CASES // 2, counts


def test_known_open_entries_give_a_reason():
    assert all(isinstance(r, str) and r.startswith("open, in ") for r in KNOWN_OPEN.values())
    assert all(cls in fuzzer.FAILING for _, cls in KNOWN_OPEN)


def test_cases_are_reproducible(torch):
    a = [repr(arg_fuzzer.make_case(3, i)) for i in range(100)]
    b = [repr(arg_fuzzer.make_case(3, i)) for i in range(100)]
    assert a == b


def test_the_surface_is_reached(torch):
    """Most names of the surface get a valid base call to corrupt (the others are counted as
    ``no-base``), and a moderate sample draws every corruption."""
    names = arg_fuzzer._surface()
    based = [n for n in names if arg_fuzzer.base_call(*n) is not None]
    assert len(based) > 0.6 * len(names), (len(based), len(names))
    whats = {arg_fuzzer.make_case(5, i).what.split("=")[-1] for i in range(1500)}
    tags = {t for t, _ in arg_fuzzer.BAD} | set(arg_fuzzer.STRUCTURAL)
    assert tags <= whats, sorted(tags - whats)


@pytest.mark.parametrize("exc, own", [
    (TypeError("sum() got an unexpected keyword argument 'bogus'"), True),
    (TypeError("exp() takes 1 positional argument but 4 were given"), True),
    (TypeError("'float' object cannot be interpreted as an integer"), False),
])
def test_signature_errors_are_own(exc, own):
    assert arg_fuzzer.own_error(exc) is own
