"""``Timer``: PyTorch's ``torch.utils.benchmark.Timer`` (Python statements; ``timeit`` with
warm-up, an automatically chosen block size and the thread count pinned while it runs)."""

from __future__ import annotations

import enum
import textwrap
import timeit as _timeit

import numpy as np

from .measurement import Measurement, TaskSpec, set_torch_threads

__all__ = ["Timer", "timer", "Language"]

timer = _timeit.default_timer


class Language(enum.Enum):
    PYTHON = 0
    CPP = 1


def _tidy(code: str) -> str:
    """Dedented, without the leading newline of a triple-quoted block and trailing space."""
    code = textwrap.dedent(code)
    return (code[1:] if code.startswith("\n") else code).rstrip()


class Timer:
    """Times a Python statement: ``Timer(stmt, setup, globals=..., label=..., sub_label=...,
    description=..., num_threads=1).blocked_autorange()`` (or ``timeit(number)``,
    ``adaptive_autorange()``) gives a :class:`Measurement`; ``Compare`` tabulates several.
    ``torch`` is in the statement's globals unless given (it is gradkit here)."""

    def __init__(self, stmt: str = "pass", setup: str = "pass", global_setup: str = "",
                 timer=timer, globals: dict | None = None, label: str | None = None,
                 sub_label: str | None = None, description: str | None = None,
                 env: str | None = None, num_threads: int = 1, language=Language.PYTHON):
        if not isinstance(stmt, str):
            raise ValueError("Currently only a `str` stmt is supported.")
        if language in (Language.CPP, "cpp", "c++"):
            raise NotImplementedError(
                "Timer(language='c++') times C++ statements compiled against libtorch; gradkit "
                "has no C++ library. Time the Python statement instead (language='python').")
        if language not in (Language.PYTHON, "py", "python"):
            raise ValueError(f"Invalid language `{language}`.")
        if global_setup:
            raise ValueError(f"global_setup is C++ only, got `{global_setup}`. Most likely this "
                             "code can simply be moved to `setup`.")
        import gradkit

        # a copy, so that what the statement defines does not leak into the caller's dict
        self._globals = dict(globals or {})
        self._globals.setdefault("torch", gradkit)
        stmt, setup = _tidy(stmt), _tidy(setup)
        self._timer = _timeit.Timer(stmt=stmt, setup=setup, timer=timer, globals=self._globals)
        self._task_spec = TaskSpec(stmt=stmt, setup=setup, global_setup=global_setup,
                                   label=label, sub_label=sub_label, description=description,
                                   env=env, num_threads=num_threads)

    def _timeit(self, number: int) -> float:
        # at least 1 ns, so that no time is zero (and no ratio divides by zero)
        return max(self._timer.timeit(number), 1e-9)

    def timeit(self, number: int = 1000000) -> Measurement:
        """``number`` runs timed as one measurement, after a warm-up of ``number // 100``."""
        with set_torch_threads(self._task_spec.num_threads):
            self._timeit(max(number // 100, 2))
            return Measurement(number, [self._timeit(number)], self._task_spec)

    def repeat(self, repeat: int = -1, number: int = -1):
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def autorange(self, callback=None):
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def collect_callgrind(self, *args, **kwargs):
        raise NotImplementedError(
            "Timer.collect_callgrind counts instructions of PyTorch's C++ kernels under "
            "valgrind; gradkit has none. Use blocked_autorange() to time the statement.")

    def _block_size(self, min_run_time: float) -> int:
        """Runs per measurement: grown tenfold until the timer's own overhead is below 0.01%
        of a block and a block takes a thousandth of ``min_run_time`` (this also warms up)."""
        with set_torch_threads(self._task_spec.num_threads):
            overhead = float(np.median([self._timeit(0) for _ in range(5)]))
            number = 1
            while True:
                took = self._timeit(number)
                if (overhead / took <= 1e-4 and took >= min_run_time / 1000) \
                        or took > min_run_time or number * 10 > 2147483647:
                    return number
                number *= 10

    def _measure(self, number, enough, min_run_time, max_run_time=None, callback=None):
        times, total = [], 0.0
        with set_torch_threads(self._task_spec.num_threads):
            while True:
                took = self._timeit(number)
                times.append(took)
                total += took
                if callback:
                    callback(number, took)
                if (total >= min_run_time and enough(times)) or \
                        (max_run_time and total > max_run_time):
                    return Measurement(number, times, self._task_spec)

    def blocked_autorange(self, callback=None, min_run_time: float = 0.2) -> Measurement:
        """Blocks of runs until ``min_run_time`` seconds are spent (block size chosen first)."""
        number = self._block_size(min_run_time)
        return self._measure(number, lambda times: True, min_run_time, callback=callback)

    def adaptive_autorange(self, threshold: float = 0.1, *, min_run_time: float = 0.01,
                           max_run_time: float = 10.0, callback=None) -> Measurement:
        """Blocks of runs until the interquartile range is under ``threshold`` of the median
        (after at least 4 blocks and ``min_run_time``), or ``max_run_time`` is spent."""
        number = self._block_size(0.05)

        def enough(times):
            return len(times) > 3 and Measurement(number, times, self._task_spec) \
                .meets_confidence(threshold=threshold)

        return self._measure(number, enough, min_run_time, max_run_time, callback)
