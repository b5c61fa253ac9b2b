"""``gradkit.utils.benchmark``: PyTorch's ``torch.utils.benchmark`` for Python statements --
``Timer`` (``timeit``, ``blocked_autorange``, ``adaptive_autorange``), ``Measurement`` (median,
mean, IQR, PyTorch's printed summary) and ``Compare`` (PyTorch's comparison table).

Not provided: C++ statements (``language="c++"``), ``collect_callgrind`` and the op fuzzers,
which need PyTorch's C++ library.
"""

from .compare import Colorize, Compare
from .measurement import (Measurement, TaskSpec, ordered_unique, select_unit,
                          set_torch_threads, trim_sigfig, unit_to_english)
from .timer import Language, Timer, timer

__all__ = ["Timer", "timer", "Language", "Measurement", "TaskSpec", "Compare", "Colorize",
           "select_unit", "unit_to_english", "trim_sigfig", "ordered_unique",
           "set_torch_threads"]
