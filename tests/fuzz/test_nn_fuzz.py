"""The nn differential fuzzer (``nn_fuzzer.py``: ``nn.functional`` calls and ``nn`` modules
against PyTorch) as a test.

CI runs a fixed sample: ``GRADKIT_NN_FUZZ_CASES`` cases (default 300) of seed
``GRADKIT_NN_FUZZ_SEED`` (default 0). Search afresh with e.g.
``python tests/fuzz/nn_fuzzer.py --seed 7 --cases 5000``; reproduce one case with
``python tests/fuzz/nn_fuzzer.py --seed 7 --case 1234``.

The run fails on any wrong answer, raw NumPy/Python error, crash or hang, input PyTorch rejects
that gradkit accepts, exception type other than PyTorch's, or float64 gradient (inputs and
module parameters) unlike PyTorch's -- except the findings of ``nn_fuzzer.ALLOW`` (documented
PyTorch defects, each with its reason).
"""

from __future__ import annotations

import os

import pytest

from . import nn_fuzzer

pytestmark = pytest.mark.filterwarnings("ignore")

SEED = int(os.environ.get("GRADKIT_NN_FUZZ_SEED", 0))
CASES = int(os.environ.get("GRADKIT_NN_FUZZ_CASES", 300))


def _report(findings, limit=40):
    lines = [f"[{i}] {cls}: {case}\n      {detail}" for i, cls, case, detail in findings[:limit]]
    more = len(findings) - limit
    return "\n".join(lines) + (f"\n... and {more} more" if more > 0 else "")


def test_nn_fuzz_sample_matches_torch(torch):
    counts, findings = nn_fuzzer.run(SEED, CASES)
    failing = [f for f in findings if f[1] in nn_fuzzer.fz.FAILING]
    print(f"\nnn fuzz seed {SEED}, {CASES} cases: {dict(sorted(counts.items()))}")
    assert not failing, (f"{len(failing)} failing cases of {CASES} (seed {SEED}); reproduce "
                         f"with python tests/fuzz/nn_fuzzer.py --seed {SEED} --case I\n"
                         + _report(failing))
    # the sample reaches the surface: most cases run to a comparison in both libraries
    assert counts["match"] > CASES // 2, counts


def test_nn_cases_are_reproducible(torch):
    a = [repr(nn_fuzzer.make_case(3, i)) for i in range(60)]
    b = [repr(nn_fuzzer.make_case(3, i)) for i in range(60)]
    assert a == b


def test_every_functional_and_module_is_drawn(torch):
    """Every public torch.nn.functional function gradkit has has a generator, and a moderate
    sample draws each generator's function and module."""
    import torch.nn.functional as TF

    import gradkit as gk

    shared = {n for n in dir(TF) if not n.startswith("_") and callable(getattr(TF, n))
              and hasattr(gk.nn.functional, n)}
    # helpers of torch.nn.functional that are not functions of tensors
    shared -= {"Callable", "DType", "Optional", "Tensor", "boolean_dispatch",
               "has_torch_function", "has_torch_function_unary",
               "has_torch_function_variadic", "handle_torch_function", "assert_int_or_pair"}
    # (a function added later is drawn by a usage scenario of its name, "usage:<name>", so
    # that the first series' draws stay as they were)
    from .nn_usage_cases import USAGE

    drawn = set(nn_fuzzer.functional_names()) | {n.split(":", 1)[1] for n in USAGE}
    assert shared <= drawn, sorted(shared - drawn)
    seen = {nn_fuzzer.make_case(11, i).name for i in range(3000)}
    want = set(nn_fuzzer.functional_names()) | {n for n in (*nn_fuzzer.MODULES,
                                                           *nn_fuzzer.MODULES_EXTRA)
                                                if hasattr(gk.nn, n)}
    assert not want - seen, sorted(want - seen)


def test_every_variant_is_drawn(torch):
    """A moderate sample draws each argument variant (``nn_variant_cases.py``), and each of
    them builds a case."""
    from . import nn_variant_cases as vc

    names = {vc.variant_name(11, i) for i in range(6000)} - {None}
    want = set(vc.MODULE_VARIANTS) | set(vc.F_VARIANTS)
    assert not want - names, sorted(want - names)
    for i in range(300, 1500):
        if vc.variant_name(11, i):
            assert vc.variant_case(11, i) is not None


def test_every_scenario_is_drawn(torch):
    """A moderate sample draws each scenario (``nn_scenario_cases.py``: double backward,
    modules called twice, packed sequences, attention and transformer masks), and each of
    them builds a case."""
    from . import nn_scenario_cases as sc

    names = {sc.scenario_name(11, i) for i in range(40000)} - {None}
    assert not set(sc.SCENARIOS) - names, sorted(set(sc.SCENARIOS) - names)
    for i in range(300, 3000):
        if sc.scenario_name(11, i):
            assert sc.scenario_case(11, i) is not None


def test_every_usage_scenario_is_drawn(torch):
    """A moderate sample draws each usage scenario (``nn_usage_cases.py``: state_dict round
    trips, hooks, parametrizations, channels_last, containers, zero-size batches, modules'
    dtypes), and each of them builds a case that runs under PyTorch or raises its error."""
    from . import nn_usage_cases as uc

    names = {uc.usage_name(11, i) for i in range(3000)} - {None}
    assert not set(uc.USAGE) - names, sorted(set(uc.USAGE) - names)
    for i in range(300, 1500):
        if uc.usage_name(11, i):
            assert uc.usage_case(11, i) is not None


@pytest.mark.parametrize("seed, i", [
    (47, 1576),  # AdaptiveMaxPool3d of a 0-d input: IndexError where PyTorch's is RuntimeError
    (47, 2739),  # MaxUnpool3d(0): accepted where PyTorch's kernel refuses stride 0
])
def test_fixed_nn_findings_stay_fixed(torch, seed, i):
    """Findings of nn seeds past the CI sample's, fixed in gradkit."""
    judge = nn_fuzzer.fz.judged(lambda c: nn_fuzzer.fz.classify(c, grads=True),
                                nn_fuzzer.fz.FAILING)
    assert judge(nn_fuzzer.make_case(seed, i))[0] in ("match", "both-raise")
