"""The compatibility corpus: every program in ``programs/`` runs under real PyTorch and under
``gradkit run``, and the outputs agree (see compat_harness.py). Both runs of every program happen
once, two at a time, in a module fixture; each program is then one test."""

from __future__ import annotations

import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compat_harness as compare  # noqa: E402

PROGRAMS = compare.programs()


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    has_torch = shutil.which("python") is not None and _has_torch()
    jobs = []
    for path in PROGRAMS:
        unders = ["gradkit"]
        if has_torch and not compare.options(path)["gradkit_only"]:
            unders.append("torch")
        for under in unders:
            jobs.append((path, under, tmp_path_factory.mktemp(f"{path.stem}-{under}")))
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = pool.map(lambda job: ((job[0].stem, job[1]), compare.run(*job)), jobs)
            return dict(results), has_torch
    finally:
        compare.close_servers()  # (each holds an imported library: give the memory back)


def _has_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def test_corpus_is_large_enough():
    assert len(PROGRAMS) >= 30


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program(path, outcomes, request):
    results, has_torch = outcomes
    reason = compare.options(path)["xfail"]
    if reason:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    ours = results[(path.stem, "gradkit")]
    assert ours.returncode == 0, f"gradkit run {path.name} failed:\n{ours.stderr[-3000:]}"
    opts = compare.options(path)
    if opts["gradkit_only"]:
        return
    if not has_torch:
        pytest.skip("PyTorch is not installed (the oracle)")
    theirs = results[(path.stem, "torch")]
    assert theirs.returncode == 0, f"python {path.name} failed:\n{theirs.stderr[-3000:]}"
    problems = compare.differences(theirs.stdout, ours.stdout, opts["rtol"], opts["atol"],
                                    opts["exact"])
    assert not problems, "\n".join(problems[:10])
