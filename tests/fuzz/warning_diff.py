"""The fuzzers' opt-in warnings mode (``--warnings``): the warnings each call gives in gradkit
and in PyTorch, compared; a difference is the finding ``warning``.

Each library's call runs under ``warnings.simplefilter("always")`` plus the filter
``import gradkit`` adds for NumPy's floating-point warnings raised inside gradkit's modules
(a documented limitation: ``log(0)`` is ``-inf`` quietly, as in PyTorch, and a program that
resets the filters sees NumPy's warning). A warning is its category's name and its text, with
PyTorch's `` (Triggered internally at ...)`` suffix removed and ``gradkit.`` read as ``torch.``.

Warnings given once per process (PyTorch's ``TORCH_WARN_ONCE``, gradkit's ``warn_once``): the
two libraries meet them in the same order of cases, so they mostly fire in the same case. A
warning one library gives and the other does not is still excused when it is the first time
the giving library gives it and the other has already given it earlier in the run (each
library's one warning, met in different cases). So a once-warning that the other library
repeats (once against always, in either direction) or gives elsewhere first is reported;
whether a warning comes once or every time is tested outright by
``tests/test_warnings_as_torch.py``. Every run of a library in the process counts as "given"
(a sample's search for a valid call, a gradient run), not only the compared ones; reproducing
one case alone (``--case I``) starts with nothing given.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from contextlib import contextmanager

_TRIGGERED = re.compile(r" \(Triggered internally at [^)]*\)")


def normalize(w) -> tuple:
    """``(category name, text)`` of a recorded warning, in PyTorch's words."""
    text = _TRIGGERED.sub("", str(w.message)).replace("gradkit.", "torch.")
    return w.category.__name__, text


class Recorder:
    """Records the warnings of each library call while ``active``; quiet otherwise (the
    fuzzers' default: warnings ignored)."""

    def __init__(self):
        self.active = False
        self.given = {"torch": set(), "gradkit": set()}
        self.pending = []   # (library, [warnings]) since the case began

    @contextmanager
    def recording(self, lib):
        with warnings.catch_warnings(record=self.active) as caught:
            if not self.active:
                warnings.simplefilter("ignore")
                yield
                return
            warnings.simplefilter("always")
            # (gradkit keeps its filter for NumPy's floating-point warnings in front)
            try:
                yield
            finally:
                name = "torch" if lib.__name__ == "torch" else "gradkit"
                self.pending.append((name, [normalize(w) for w in caught]))

    def _flush(self):
        for name, ws in self.pending:
            self.given[name].update(ws)
        self.pending = []

    def begin(self):
        """A case begins: what ran before it (a search for a valid call) counts as given."""
        self._flush()

    def end(self):
        """``None`` or how the warnings of the case's runs differ (the n-th run of torch paired
        with gradkit's n-th: the call, then its gradient run)."""
        runs = {"torch": [], "gradkit": []}
        for name, ws in self.pending:
            runs[name].append(ws)
        diffs = []
        for t, g in zip(runs["torch"], runs["gradkit"]):
            only_t = self._unexcused(Counter(t) - Counter(g), "torch", "gradkit")
            only_g = self._unexcused(Counter(g) - Counter(t), "gradkit", "torch")
            diffs += [f"torch only: {c}: {m}" for c, m in only_t]
            diffs += [f"gradkit only: {c}: {m}" for c, m in only_g]
            # given in this run: a second copy of it later in the case is not a first
            self.given["torch"].update(t)
            self.given["gradkit"].update(g)
        self.pending = []
        for name, ws in runs.items():
            for w in ws:
                self.given[name].update(w)
        return "; ".join(dict.fromkeys(diffs)) or None

    def _unexcused(self, extra, mine, other):
        return [w for w in extra.elements()
                if w in self.given[mine] or w not in self.given[other]]


RECORDER = Recorder()


def judged(judge, failing):
    """``judge`` with the warnings of its runs compared (``RECORDER`` active, as the fuzzers'
    ``--warnings`` makes it for the whole run): a case whose class is not already a failure
    (nor ``missing``/``skip``) and whose warnings differ is ``("warning", detail)``."""
    def with_warnings(case):
        RECORDER.begin()
        cls, detail = judge(case)
        diff = RECORDER.end()
        if diff and cls not in failing and cls not in ("missing", "skip", "torch-gap"):
            return "warning", diff
        return cls, detail
    return with_warnings
