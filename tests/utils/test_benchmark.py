"""gradkit.utils.benchmark against torch.utils.benchmark: the statistics and printed summaries of
the same times agree; the Timer runs the statement as PyTorch's does."""

from __future__ import annotations

import re

import numpy as np
import pytest

import gradkit as gk
from gradkit.utils import benchmark as gb

torch = pytest.importorskip("torch")
tb = pytest.importorskip("torch.utils.benchmark")

TASKS = [  # (stmt, setup, keyword arguments of TaskSpec)
    ("f(x)", "pass", {"label": "L", "sub_label": "s", "description": "d"}),
    ("g()\nh()", "import os\nimport sys", {"sub_label": "q"}),
    ("y = x + 1", "x = 2", {"description": "plus", "num_threads": 2}),
    ("a @ b", "", {"label": "mm", "env": "E1"}),
]
TIMES = [  # raw times per measurement, spanning units and spreads
    [1e-5, 1.2e-5, 1.1e-5, 1.05e-5, 3e-5],
    [1e-3, 1e-3, 1e-3, 1.01e-3],
    [2.5e-7],
    [3.0, 3.3, 2.9],
    list(np.random.default_rng(0).uniform(1e-6, 9e-6, size=40)),
]


def _pair(stmt, setup, kw, times, number):
    ours = gb.Measurement(number, list(times), gb.TaskSpec(stmt, setup, **kw))
    theirs = tb.Measurement(number, list(times), tb.TaskSpec(stmt, setup, **kw))
    return ours, theirs


def _body(m) -> str:
    """The printed summary without its first line (the object's address)."""
    return repr(m).split("\n", 1)[1]


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t[0].split("\n")[0])
@pytest.mark.parametrize("times", TIMES, ids=lambda t: f"{len(t)}x{t[0]:.0e}")
@pytest.mark.parametrize("number", [1, 100])
def test_measurement_statistics_and_summary_match_pytorch(task, times, number):
    ours, theirs = _pair(*task, times, number)
    assert ours.times == pytest.approx(theirs.times)
    for name in ("median", "mean", "iqr"):
        assert getattr(ours, name) == pytest.approx(getattr(theirs, name), rel=1e-12), name
    assert ours.significant_figures == theirs.significant_figures
    assert ours.has_warnings == theirs.has_warnings
    assert ours.meets_confidence(0.05) == theirs.meets_confidence(0.05)
    assert ours.title == theirs.title and ours.as_row_name == theirs.as_row_name
    assert (ours.stmt, ours.label, ours.num_threads) == \
        (theirs.stmt, theirs.label, theirs.num_threads)
    assert _body(ours) == _body(theirs)
    assert repr(ours).startswith("<gradkit.utils.benchmark.measurement.Measurement object at ")


def test_merge_normalises_to_one_run_per_time_as_pytorch():
    spec = dict(label="L", sub_label="s")
    ours = gb.Measurement.merge([gb.Measurement(10, [1e-4, 2e-4], gb.TaskSpec("f()", "", **spec)),
                                 gb.Measurement(2, [3e-5], gb.TaskSpec("f()", "", **spec))])
    theirs = tb.Measurement.merge([
        tb.Measurement(10, [1e-4, 2e-4], tb.TaskSpec("f()", "", **spec)),
        tb.Measurement(2, [3e-5], tb.TaskSpec("f()", "", **spec))])
    assert len(ours) == len(theirs) == 1
    assert ours[0].number_per_run == 1 and ours[0].times == pytest.approx(theirs[0].times)


def _table(mod, trim, colorize, highlight):
    rng = np.random.default_rng(1)
    results = []
    for threads in (1, 4):
        for n in (8, 64, 512):
            for desc, base in (("matmul", 1e-6 * n), ("add", 2e-7 * n)):
                times = list(base * (1 + 0.3 * rng.random(7)))
                results.append(mod.Measurement(10, times, mod.TaskSpec(
                    "a @ b", "", label="ops", sub_label=f"n={n}", description=desc,
                    num_threads=threads)))
    results.append(mod.Measurement(1, [5e-3, 5.1e-3, 4.9e-3, 5e-3], mod.TaskSpec(
        "other()", "", label="second", description="once")))
    c = mod.Compare(results)
    if trim:
        c.trim_significant_figures()
    if colorize:
        c.colorize(rowwise=colorize == "rows")
    if highlight:
        c.highlight_warnings()
    return str(c)


@pytest.mark.parametrize("trim", [False, True])
@pytest.mark.parametrize("colorize", [None, "columns", "rows"])
@pytest.mark.parametrize("highlight", [False, True])
def test_compare_table_is_pytorch_s(trim, colorize, highlight):
    assert _table(gb, trim, colorize, highlight) == _table(tb, trim, colorize, highlight)


def test_compare_refuses_what_is_not_a_measurement():
    with pytest.raises(ValueError, match="Expected an instance of `Measurement`"):
        gb.Compare([1.0])


def test_units_and_significant_figures_helpers_match_pytorch():
    for t in (3e-10, 3e-7, 4.5e-5, 2e-3, 0.5, 12.0):
        assert gb.select_unit(t) == tb.select_unit(t)
    for x, n in ((3.14159, 2), (0.000123456, 3), (98765.4, 1), (2.5, 1)):
        assert gb.trim_sigfig(x, n) == pytest.approx(tb.trim_sigfig(x, n))
    assert gb.unit_to_english("us") == "microsecond"


def test_timer_runs_setup_once_and_statement_the_asked_number_of_times():
    calls = []
    t = gb.Timer("calls.append(1)", setup="calls.clear()", globals={"calls": calls},
                 label="L", sub_label="s", description="d")
    m = t.timeit(50)
    # the warm-up runs max(number // 100, 2) times after its own setup; then the setup again
    assert len(calls) == 50
    assert m.number_per_run == 50 and len(m.raw_times) == 1 and m.raw_times[0] > 0
    assert (m.stmt, m.label, m.sub_label, m.description) == ("calls.append(1)", "L", "s", "d")
    assert "1 measurement, 50 runs , 1 thread" in repr(m)


def test_blocked_and_adaptive_autorange_measure_until_their_budgets():
    x = gk.randn(16, 16)
    m = gb.Timer("x @ x", globals={"x": x}).blocked_autorange(min_run_time=0.02)
    assert sum(m.raw_times) >= 0.02 and m.number_per_run >= 1 and m.median > 0
    seen = []
    m2 = gb.Timer("x + x", globals={"x": x}).adaptive_autorange(
        threshold=1e-9, min_run_time=0.001, max_run_time=0.05,
        callback=lambda number, t: seen.append(number))
    # an unreachable threshold: it stops once past max_run_time
    assert sum(m2.raw_times) > 0.05 and len(seen) == len(m2.raw_times)


def test_timer_statement_sees_torch_and_keeps_caller_globals_clean():
    env = {"n": 3}
    m = gb.Timer("y = torch.ones(n).sum()", globals=env).timeit(5)
    assert m.number_per_run == 5 and set(env) == {"n"}


def test_timer_pins_the_thread_count_while_it_runs():
    seen = []
    before = gk.get_num_threads()
    gb.Timer("seen.append(gk.get_num_threads())", globals={"seen": seen, "gk": gk},
             num_threads=1).timeit(3)
    assert set(seen) == {1} and gk.get_num_threads() == before


def test_timer_errors_say_what_to_do():
    with pytest.raises(ValueError, match="only a `str` stmt"):
        gb.Timer(lambda: 1)
    with pytest.raises(ValueError, match="global_setup is C\\+\\+ only"):
        gb.Timer("pass", global_setup="int x;")
    with pytest.raises(NotImplementedError, match="no C\\+\\+ library"):
        gb.Timer("x", language="c++")
    with pytest.raises(NotImplementedError, match="blocked_autorange"):
        gb.Timer("pass").repeat()
    with pytest.raises(NotImplementedError, match="blocked_autorange"):
        gb.Timer("pass").autorange()


def test_dedents_statement_and_setup_as_pytorch():
    stmt = """
        a = 1
        b = a + 1
    """
    assert gb.Timer(stmt).timeit(2).stmt == tb.Timer(stmt).timeit(2).stmt == "a = 1\nb = a + 1"
    assert re.search(r"stmt:\n  a = 1\n  b = a \+ 1", repr(gb.Timer(stmt).timeit(2)))
