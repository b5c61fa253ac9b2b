"""What a :class:`~gradkit.utils.benchmark.Timer` measured: ``TaskSpec`` (what was timed) and
``Measurement`` (the times, their statistics and PyTorch's printed summary)."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import math
import textwrap
from typing import Any

import numpy as np

__all__ = ["TaskSpec", "Measurement", "select_unit", "unit_to_english", "trim_sigfig",
           "ordered_unique", "set_torch_threads"]

_MOST_SIGNIFICANT_FIGURES = 4
_NARROWEST_INTERVAL = 25e-9  # no confidence interval is taken as narrower than 25 ns
# an interquartile range above these fractions of the median is flagged in the summary
_IQR_WARN = 0.1
_IQR_WARN_GROSS = 0.25


@dataclasses.dataclass(init=True, repr=False, eq=True, frozen=True)
class TaskSpec:
    """What a Timer runs and how it is labelled (everything but its globals)."""

    stmt: str
    setup: str
    global_setup: str = ""
    label: str | None = None
    sub_label: str | None = None
    description: str | None = None
    env: str | None = None
    num_threads: int = 1

    @property
    def title(self) -> str:
        sub = self.sub_label
        if self.label is not None:
            return self.label + (f": {sub}" if sub else "")
        if "\n" not in self.stmt:
            return self.stmt + (f": {sub}" if sub else "")
        return f"stmt:{f' ({sub})' if sub else ''}\n" + textwrap.indent(self.stmt, "  ")

    def setup_str(self) -> str:
        if not self.setup or self.setup == "pass":
            return ""
        if "\n" in self.setup:
            return "setup:\n" + textwrap.indent(self.setup, "  ")
        return f"setup: {self.setup}"

    def summarize(self) -> str:
        parts = [p for p in (self.title, self.description or "", self.setup_str()) if p]
        return "\n".join(p + "\n" if "\n" in p else p for p in parts)


_TASK_FIELDS = tuple(f.name for f in dataclasses.fields(TaskSpec))


@dataclasses.dataclass(init=True, repr=False)
class Measurement:
    """``number_per_run`` runs of the statement per entry of ``raw_times`` (seconds)."""

    number_per_run: int
    raw_times: list
    task_spec: TaskSpec
    metadata: dict | None = None

    def __post_init__(self):
        self._stats = None

    def __getattr__(self, name: str) -> Any:
        if name in _TASK_FIELDS:  # stmt, label, num_threads, ... read through to the task
            return getattr(self.task_spec, name)
        raise AttributeError(f"'Measurement' object has no attribute {name!r}")

    @property
    def times(self) -> list:
        """Seconds per run of the statement, one per measurement."""
        return [t / self.number_per_run for t in self.raw_times]

    def _computed(self) -> dict:
        if self._stats is None:
            ordered = np.sort(np.asarray(self.times, dtype=np.float64))
            p25, median, p75 = np.quantile(ordered, [0.25, 0.5, 0.75])
            self._stats = {"sorted": tuple(float(t) for t in ordered), "median": float(median),
                           "mean": float(ordered.mean()), "p25": float(p25),
                           "p75": float(p75), "warnings": ()}
            spread = (p75 - p25) / median
            if spread >= _IQR_WARN:
                why = ("This suggests significant environmental influence."
                       if spread >= _IQR_WARN_GROSS else "This could indicate system fluctuation.")
                self._stats["warnings"] = (
                    f"  WARNING: Interquartile range is {spread * 100:.1f}% of the median "
                    f"measurement.\n           {why}",)
        return self._stats

    @property
    def median(self) -> float:
        return self._computed()["median"]

    @property
    def mean(self) -> float:
        return self._computed()["mean"]

    @property
    def iqr(self) -> float:
        s = self._computed()
        return s["p75"] - s["p25"]

    @property
    def has_warnings(self) -> bool:
        return bool(self._computed()["warnings"])

    def meets_confidence(self, threshold: float = _IQR_WARN) -> bool:
        return self.iqr / self.median < threshold

    @property
    def significant_figures(self) -> int:
        """A rough count of trustworthy digits of the median, from the spread of the middle
        half of the times (1 to 4); ``Compare.trim_significant_figures`` uses it."""
        ordered = self._computed()["sorted"]
        n = len(ordered)
        middle = np.asarray(ordered[n // 4:math.ceil(3 * n / 4)])
        interval = max(1.645 * float(middle.std()) / math.sqrt(len(middle)), _NARROWEST_INTERVAL)
        digits = math.floor(math.log10(self.median / interval))
        return min(max(digits, 1), _MOST_SIGNIFICANT_FIGURES)

    @property
    def title(self) -> str:
        return self.task_spec.title

    @property
    def env(self) -> str:
        return "Unspecified env" if self.task_spec.env is None else self.task_spec.env

    @property
    def as_row_name(self) -> str:
        return self.sub_label or self.stmt or "[Unknown]"

    def __repr__(self) -> str:
        s = self._computed()
        n = len(s["sorted"])
        unit, scale = select_unit(s["median"])
        lines = [object.__repr__(self), self.task_spec.summarize(),
                 f"  {'Median: ' if n > 1 else ''}{s['median'] / scale:.2f} {unit}"]
        if n >= 4:
            lines.append(f"  IQR:    {self.iqr / scale:.2f} {unit} ({s['p25'] / scale:.2f} to "
                         f"{s['p75'] / scale:.2f})")
        threads = self.num_threads
        lines.append(f"  {n} measurement{'s' if n > 1 else ''}, {self.number_per_run} runs "
                     f"{'per measurement,' if n > 1 else ','} {threads} "
                     f"thread{'s' if threads > 1 else ''}")
        lines.extend(s["warnings"])
        return "\n".join(lines).strip()

    @staticmethod
    def merge(measurements) -> list:
        """One Measurement per task (times per run, ``number_per_run=1``), metadata dropped."""
        groups = collections.defaultdict(list)
        for m in measurements:
            groups[m.task_spec].extend(m.times)
        return [Measurement(1, times, spec) for spec, times in groups.items()]


def select_unit(t: float) -> tuple:
    """The unit (``"ns"``, ``"us"``, ``"ms"`` or ``"s"``) and its size in seconds for ``t``."""
    unit = {-3: "ns", -2: "us", -1: "ms"}.get(int(math.log10(t) // 3) if t > 0 else -4, "s")
    return unit, {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1}[unit]


def unit_to_english(u: str) -> str:
    return {"ns": "nanosecond", "us": "microsecond", "ms": "millisecond", "s": "second"}[u]


def trim_sigfig(x: float, n: int) -> float:
    """``x`` rounded to ``n`` significant figures (3.14159, 2 -> 3.1)."""
    if n != int(n):
        raise AssertionError("Number of significant figures must be an integer")
    scale = 10.0 ** (math.ceil(math.log10(abs(x))) - n)
    return float(np.round(x / scale) * scale)


def ordered_unique(elements) -> list:
    return list(dict.fromkeys(elements))


@contextlib.contextmanager
def set_torch_threads(n: int):
    """Run the block with ``set_num_threads(n)``, then restore the previous count."""
    from ... import _runtime

    before = _runtime.get_num_threads()
    try:
        _runtime.set_num_threads(n)
        yield
    finally:
        _runtime.set_num_threads(before)
