"""``Compare``: PyTorch's table of many measurements (one table per ``label``, a row per
``sub_label`` (or statement) and thread count, a column per ``description``; medians)."""

from __future__ import annotations

import collections
import enum
import math

from .measurement import Measurement, ordered_unique, select_unit, trim_sigfig, unit_to_english

__all__ = ["Colorize", "Compare"]

_BEST, _GOOD = "\033[92m", "\033[34m"
_BAD, _VERY_BAD = "\033[2m\033[91m", "\033[31m"
_BOLD, _END = "\033[1m", "\033[0m"


class Colorize(enum.Enum):
    NONE = "none"
    COLUMNWISE = "columnwise"
    ROWWISE = "rowwise"


def _digits(m: Measurement, scale: float) -> int:
    return int(math.ceil(math.log10(m.median / scale)))


def _paint(text: str, value: float, best: float) -> str:
    if value <= best * 1.01 or value <= best + 100e-9:
        return _BEST + _BOLD + text + _END * 2
    if value <= best * 1.1:
        return _GOOD + _BOLD + text + _END * 2
    if value >= best * 5:
        return _VERY_BAD + _BOLD + text + _END * 2
    if value >= best * 2:
        return _BAD + text + _END * 2
    return text


class _Table:
    """The rendering of the measurements of one label."""

    def __init__(self, results, colorize, trim, highlight):
        self.results, self.colorize, self.trim = results, colorize, trim
        self.highlight = highlight
        self.label = results[0].label
        self.unit, self.scale = select_unit(min(r.median for r in results))
        rows = ordered_unique((r.num_threads, r.env, r.as_row_name) for r in results)
        self.rows = sorted(rows, key=lambda k: k[:2])  # stable: statements keep their order
        self.cols = ordered_unique(r.description for r in results)
        at = {(r.num_threads, r.env, r.as_row_name, r.description): r for r in results}
        self.cells = [[at.get((*k, c)) for c in self.cols] for k in self.rows]
        # a group of rows per thread count, where the separator line goes
        self.group = []
        for i, key in enumerate(self.rows):
            new = i == 0 or key[0] != self.rows[i - 1][0]
            self.group.append((self.group[-1] if self.group else -1) + new)
        self.formats = [self._column_format(j) for j in range(len(self.cols))]

    def _column_format(self, j):
        present = [row[j] for row in self.cells if row[j] is not None]
        warn = self.highlight and any(m.has_warnings for m in present)
        digits = [_digits(m, self.scale) for m in present]
        decimals = min(max(m.significant_figures - d, 0) for m, d in zip(present, digits)) \
            if self.trim else 1
        width = max(digits) + decimals + (1 if decimals else 0)
        return f"{{:>{width}.{decimals}f}}{{:>{7 if warn else 0}}}", warn

    def _number(self, j, m):
        template, warn = self.formats[j]
        if m is None:
            return " " * len(template.format(1.0, ""))
        value = m.median / self.scale
        if self.trim:
            value = trim_sigfig(value, m.significant_figures)
        spread = m.iqr / m.median if m.has_warnings else None
        return template.format(value, f" (! {spread * 100:.0f}%)" if warn and spread is not None
                               else "")

    def render(self) -> str:
        envs = {r.env for r in self.results}
        show_env = len(envs) > 1
        env_width = max(len(e) for e in envs) if show_env else 0
        texts = [["", *[c if c is not None else "" for c in self.cols]]]
        for i, (key, row) in enumerate(zip(self.rows, self.cells)):
            first = next(m for m in row if m is not None)
            env_changed = i == 0 or self.group[i] != self.group[i - 1] or \
                key[1] != self.rows[i - 1][1]
            env = f"({first.env})" if show_env and env_changed else ""
            texts.append(["  " + env.ljust(env_width + 4) + first.as_row_name,
                          *[self._number(j, m) for j, m in enumerate(row)]])
        n = max(len(t) for t in texts)
        for t in texts:
            t.extend([""] * (n - len(t)))
        widths = [max(len(t[j]) for t in texts) for j in range(n)]
        header = "  |  ".join(s.center(w) for s, w in zip(texts[0], widths))
        lines = [header]
        for i, (t, row) in enumerate(zip(texts[1:], self.cells)):
            if i == 0 or self.group[i] != self.group[i - 1]:
                lines.append(f"{self.rows[i][0]} threads: ".ljust(len(header), "-"))
            lines.append("  |  ".join(self._cells(t, row, widths, i)))
        warn = self.highlight and any(r.has_warnings for r in self.results)
        title = f"[{(' ' + (self.label or '') + ' ').center(len(header) - 2, '-')}]"
        return "\n".join([title, *lines, "", f"Times are in {unit_to_english(self.unit)}s "
                          f"({self.unit})."]) + "\n" + \
            ("(! XX%) Measurement has high variance, where XX is the IQR / median * 100.\n"
             if warn else "")

    def _cells(self, texts, row, widths, i):
        out = [texts[0].ljust(widths[0])]
        if self.colorize == Colorize.ROWWISE:
            best = [min(m.median for m in row if m is not None)] * len(row)
        elif self.colorize == Colorize.COLUMNWISE:
            same = [k for k in range(len(self.rows)) if self.group[k] == self.group[i]]
            best = [min((self.cells[k][j].median for k in same if self.cells[k][j] is not None),
                        default=None) for j in range(len(self.cols))]
        else:
            best = [None] * len(row)
        for text, width, m, b in zip(texts[1:], widths[1:], row, best):
            text = text.center(width)
            if m is not None and b is not None:
                text = _paint(text, m.median, b)
            out.append(text)
        return out


class Compare:
    """A table of measurements: ``Compare(results).print()``; optional
    ``trim_significant_figures()``, ``colorize(rowwise=False)``, ``highlight_warnings()``."""

    def __init__(self, results):
        self._results = []
        self.extend_results(results)
        self._trim_significant_figures = False
        self._colorize = Colorize.NONE
        self._highlight_warnings = False

    def extend_results(self, results) -> None:
        for r in results:
            if not isinstance(r, Measurement):
                raise ValueError(f"Expected an instance of `Measurement`, got {type(r)} instead.")
        self._results.extend(results)

    def trim_significant_figures(self) -> None:
        self._trim_significant_figures = True

    def colorize(self, rowwise: bool = False) -> None:
        self._colorize = Colorize.ROWWISE if rowwise else Colorize.COLUMNWISE

    def highlight_warnings(self) -> None:
        self._highlight_warnings = True

    def __str__(self) -> str:
        by_label = collections.defaultdict(list)
        for m in Measurement.merge(self._results):
            by_label[m.label].append(m)
        return "\n".join(_Table(group, self._colorize, self._trim_significant_figures,
                                self._highlight_warnings).render()
                         for group in by_label.values())

    def print(self) -> None:
        print(str(self))
