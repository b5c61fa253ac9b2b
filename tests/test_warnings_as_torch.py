"""gradkit warns where PyTorch warns (deprecated calls, likely mistakes such as a loss whose
target broadcasts against its input), with PyTorch's category and text (programs filter
warnings by their text), as often as PyTorch (once per process where PyTorch warns once), and
at the user's line wherever PyTorch points there. The snippets are in ``warning_cases.py``; each
library runs them all in a fresh interpreter, since a warning given once per process cannot be
seen again in this one."""

import json
import os
import subprocess
import sys

import pytest
from warning_cases import CASES

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)


def _run(lib: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [_ROOT, _HERE] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    out = subprocess.run([sys.executable, os.path.join(_HERE, "warning_cases.py"), lib],
                         capture_output=True, text=True, env=env, timeout=600, cwd=_ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def both():
    pytest.importorskip("torch")
    return _run("torch"), _run("gradkit")


@pytest.mark.parametrize("name", sorted(CASES))
def test_warns_as_torch(both, name):
    theirs, ours = both[0][name], both[1][name]
    for run, (t, g) in enumerate(zip(theirs, ours)):
        # the same warnings (category and text), in order, on the first and the second run
        assert [w[:2] for w in g["warnings"]] == [w[:2] for w in t["warnings"]], (run, g, t)
        # an error where PyTorch raises one (the type is each test file's business)
        assert (g["error"] is None) == (t["error"] is None), (run, g, t)
        # at the user's line wherever PyTorch's points there
        for tw, gw in zip(t["warnings"], g["warnings"]):
            assert gw[2] or not tw[2], (run, gw, tw)


def test_cases_make_both_libraries_warn(both):
    """The table is no list of quiet calls: most snippets warn in PyTorch, some once only."""
    theirs = both[0]
    warned = [n for n, runs in theirs.items() if runs[0]["warnings"]]
    once = [n for n, runs in theirs.items() if runs[0]["warnings"] and not runs[1]["warnings"]]
    assert len(warned) >= 50 and len(once) >= 8, (len(warned), once)


def test_log_and_division_by_zero_are_silent_when_warnings_are_errors():
    """Under ``-W error`` or pytest's ``filterwarnings = error`` (Pyro's setup.cfg), gradkit's
    own ignore-filter is overridden and NumPy's "divide by zero encountered in log" became a
    RuntimeWarning raised from ``log(0)``; PyTorch gives -inf (and nan for log(-1)) silently."""
    import warnings

    torch = pytest.importorskip("torch")
    import gradkit as gk

    outs = []
    for lib in (gk, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            x = lib.tensor([0.0, -1.0, 1.0], requires_grad=True)
            y = lib.log(x)
            z = lib.log(lib.tensor([0.0, 4.0]))
            q = lib.tensor([0.0, 1.0, -1.0]) / lib.tensor([0.0, 0.0, 0.0])
            r = lib.atan2(lib.tensor([0.0]), lib.tensor([0.0])) + lib.tensor([1e38]) * 1e10
        outs.append((y.tolist(), z.tolist(), y.requires_grad, q.tolist(), r.tolist()))
    assert str(outs[0]) == str(outs[1])
