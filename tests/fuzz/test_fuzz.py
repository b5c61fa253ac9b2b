"""The differential fuzzer against PyTorch (``fuzzer.py``) as a test.

CI runs a fixed sample: ``GRADKIT_FUZZ_CASES`` cases (default 3000) of seed ``GRADKIT_FUZZ_SEED``
(default 0), about 30 s. Search afresh with e.g.
``GRADKIT_FUZZ_CASES=50000 GRADKIT_FUZZ_SEED=7 pytest tests/fuzz``; reproduce one case with
``python tests/fuzz/fuzzer.py --seed 7 --case 1234``.

The run fails on any wrong answer, raw NumPy/Python error, crash or hang, input PyTorch rejects
that gradkit accepts, exception type other than PyTorch's, or float64 gradient unlike PyTorch's --
except the findings of ``fuzzer.ALLOW`` (deliberate differences, each with its reason).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from . import fuzzer
from .known_open import KNOWN_OPEN

pytestmark = pytest.mark.filterwarnings("ignore")

SEED = int(os.environ.get("GRADKIT_FUZZ_SEED", 0))
CASES = int(os.environ.get("GRADKIT_FUZZ_CASES", 3000))


def _report(findings, limit=40):
    lines = [f"[{i}] {cls}: {case}\n      {detail}" for i, cls, case, detail in findings[:limit]]
    more = len(findings) - limit
    return "\n".join(lines) + (f"\n... and {more} more" if more > 0 else "")


def test_fuzz_sample_matches_torch(torch):
    counts, findings = fuzzer.run(SEED, CASES)
    failing = [f for f in findings
               if f[1] in fuzzer.FAILING and (f[2].name, f[1]) not in KNOWN_OPEN]
    print(f"\nfuzz seed {SEED}, {CASES} cases: {dict(sorted(counts.items()))}")
    assert not failing, (f"{len(failing)} failing cases of {CASES} (seed {SEED}); "
                         f"reproduce with python tests/fuzz/fuzzer.py --seed {SEED} --case I\n"
                         + _report(failing))
    # the sample reaches the surface: most cases run to a comparison in both libraries
    assert counts["match"] > CASES // 2, counts


def test_variant_sample_matches_torch(torch):
    """``--variants`` (non-contiguous and expanded inputs, out= aliasing an input or resized,
    in-place functions) on a small sample; the other cases of a seed are the same with it."""
    counts, findings = fuzzer.run(SEED, 400, variants=True)
    failing = [f for f in findings
               if f[1] in fuzzer.FAILING and (f[2].name, f[1]) not in KNOWN_OPEN]
    assert not failing, _report(failing)
    cases = [(fuzzer.make_case(SEED, i), fuzzer.make_case(SEED, i, True)) for i in range(400)]
    varied = [v for c, v in cases if repr(c) != repr(v)]
    assert all(any(m.startswith("variant") for m in v.mutations) for v in varied)
    assert 100 < len(varied) < 300 and counts["match"] > 150, (len(varied), counts)


@pytest.mark.parametrize("seed, i", [(1, 1508), (1, 1941)])
def test_warnings_mode_finds_no_numpy_warning(torch, seed, i):
    """istft of an infinite window's spectrum, var_mean over an empty dim: NumPy's "invalid
    value encountered in irfft" and "Mean of empty slice" (raised from NumPy's own modules,
    out of the reach of gradkit's filter) reached the user, where PyTorch is quiet."""
    judge = fuzzer.judged(lambda c: fuzzer.classify(c, grads=True), fuzzer.FAILING)
    with fuzzer.warnings_mode():
        assert judge(fuzzer.make_case(seed, i)) == ("match", "")


def test_warnings_sample_matches_torch(torch):
    """The --warnings mode on a small sample, in a fresh interpreter (a warning given once per
    process must not have been given by an earlier test)."""
    import ast
    import subprocess
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(here))] + os.environ.get("PYTHONPATH", "").split(
            os.pathsep)))
    out = subprocess.run([sys.executable, os.path.join(here, "fuzzer.py"), "--warnings",
                          "--no-grad", "--seed", str(SEED), "--cases", "1000", "--show",
                          "warning"], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    counts = ast.literal_eval(next(line for line in out.stdout.splitlines()
                                   if line.startswith("{")))
    assert not counts.get("warning"), out.stdout[-5000:]


def test_warnings_given_once_are_matched_by_first_occurrence():
    """A once-per-process warning each library gives in a different case is excused once; given
    again by one library only (once against always), it is reported."""
    from .warning_diff import Recorder

    r, w = Recorder(), ("UserWarning", "once")
    r.begin()
    r.pending = [("torch", [w]), ("gradkit", [])]   # torch's first: not given by gradkit yet
    assert r.end() == "torch only: UserWarning: once"
    r.begin()
    r.pending = [("torch", []), ("gradkit", [w])]   # gradkit's first, torch gave it before
    assert r.end() is None
    r.begin()
    r.pending = [("torch", []), ("gradkit", [w])]   # gradkit repeats it: torch does not
    assert r.end() == "gradkit only: UserWarning: once"


def test_known_open_entries_give_a_reason():
    assert all(isinstance(r, str) and r.startswith("open, in ") for r in KNOWN_OPEN.values())
    assert all(cls in fuzzer.FAILING for _, cls in KNOWN_OPEN)


def test_cases_are_reproducible(torch):
    a = [repr(fuzzer.make_case(3, i)) for i in range(50)]
    b = [repr(fuzzer.make_case(3, i)) for i in range(50)]
    assert a == b


def test_every_registered_op_is_reached(torch):
    """Each op of the registry (but the reasoned exclusions) is drawn by a moderate sample."""
    from gradkit.functions import REGISTRY

    from .surface_cases import SURFACE

    seen = {fuzzer.make_case(11, i).name for i in range(6000)}
    missing = set(REGISTRY) - seen - set(fuzzer.NOT_FUZZED)
    assert not missing, sorted(missing)
    # and each public function outside the registry that surface_cases.py samples
    missing = set(SURFACE) - seen
    assert not missing, sorted(missing)


@pytest.mark.parametrize("exc, raw", [
    (ValueError("operands could not be broadcast together with shapes (3,) (4,)"), True),
    (IndexError("index 5 is out of bounds for axis 0 with size 3"), True),
    (AttributeError("'bool' object has no attribute 'dtype'"), True),
    (RuntimeError("add(): the shapes (3,) and (4,) cannot be broadcast together"), False),
    (IndexError("select(): index 5 is out of range for dimension 0 of size 3"), False),
])
def test_raw_error_detection(exc, raw):
    assert fuzzer.is_raw(exc) is raw


def test_raw_error_detection_sees_numpy_origin():
    try:
        np.zeros(3).reshape(4)
    except ValueError as e:
        assert fuzzer.is_raw(e)


@pytest.mark.parametrize("name, shape, kw", [("linalg.eigh", (4, 4), {}),
                                             ("linalg.svd", (5, 4), {"full_matrices": False}),
                                             ("linalg.svd", (4, 5), {})])
def test_repeated_spectra_compare_their_eigenspaces(torch, name, shape, kw):
    # which basis of a repeated eigenvalue's space LAPACK returns is arbitrary (torch's MKL and
    # NumPy's OpenBLAS differ): the fuzzer compares values and basis-free products only
    from .surface_cases import SAMPLES

    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((4, 4)))
    a = q @ np.diag([1.0, 1.0, 1.0, 3.0]) @ q.T
    a = np.concatenate([a, a[:1]], 0)[:shape[0]]
    a = a if shape[0] >= shape[1] else a.T.copy()
    sample = next(s for s in SAMPLES if s.name == name)
    case = fuzzer.Case("op", name, "function", [fuzzer.Arr(a)], kw, sample=sample)
    assert fuzzer.classify(case, grads=False) == ("match", "")


@pytest.mark.parametrize("seed, i, least", [(15, 1571, "float32"), (15, 1254, "float16"),
                                            (16, 8369, "float32"), (18, 3155, "float32"),
                                            (18, 2000, "float32")])
def test_a_float32_intermediate_is_compared_at_float32(torch, seed, i, least):
    """ldexp(float64, float32), triplet_margin_loss, kl_div and poisson_nll_loss of mixed inputs
    compute an intermediate in float32 in both libraries (PyTorch's composites); its last bit
    differs (SLEEF against NumPy), so the float64 result is compared within float32's
    tolerance (that of the least precise floating input), where these cases match (they were
    'wrong' at float64's)."""
    case = fuzzer.make_case(seed, i)
    assert case.name in fuzzer.LOW_PRECISION_INTERMEDIATE or case.face == "out"
    assert fuzzer._intermediate_dtype(case, "float64") == least
    assert fuzzer.classify(case, grads=False)[0] == "match"


def test_other_ops_keep_their_results_tolerance(torch):
    case = fuzzer.make_case(15, 1571)
    case.name = "mul"  # (an op outside the list: its float64 result's own tolerance)
    assert fuzzer._intermediate_dtype(case, "float64") == "float64"


@pytest.mark.parametrize("seed, i, variants", [
    (50, 2762, True),   # sub_ with alpha of unbroadcastable shapes: NumPy's ValueError
    (50, 4425, True),   # as_strided_scatter of an expanded input: refused
    (50, 4713, True),   # diff(out=) of an empty dimension: accepted
    (51, 1829, False),  # einsum of an empty pair of mixed dtypes: refused
    (53, 648, True),    # add(alpha) of a 0-d float64 and a float16 tensor: a last bit off
    (53, 2130, True),   # min(out=) of an empty input with keepdim but no dim: accepted
])
def test_fixed_findings_stay_fixed(torch, seed, i, variants):
    """Findings of seeds past the CI sample's, fixed in gradkit: each case matches PyTorch (or
    raises its exception type)."""
    judge = fuzzer.judged(lambda c: fuzzer.classify(c, grads=True), fuzzer.FAILING)
    assert judge(fuzzer.make_case(seed, i, variants))[0] in ("match", "both-raise")
