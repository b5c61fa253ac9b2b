"""``torch.profiler`` (and ``torch.autograd.profiler``): time the named ranges of a program.

``profile`` records, with the wall clock, every :class:`record_function` range entered while it
is active and one ``ProfilerStep#N`` range per ``step()`` (as PyTorch's), honours a
:func:`schedule` (wait / warmup / active / repeat, calling ``on_trace_ready`` at the end of each
active cycle), and reports them as PyTorch does: ``key_averages().table(sort_by=...)``,
``events()``, ``export_chrome_trace(path)`` (a Chrome/Perfetto trace) and
:func:`tensorboard_trace_handler`. Unlike PyTorch's, it does not record each operator: wrap the
parts you want to see in ``record_function("name")`` (gradkit's ops are NumPy calls; Python's
``cProfile`` shows them one by one).
"""

from __future__ import annotations

import enum
import functools
import json
import os
import time

__all__ = ["ProfilerAction", "ProfilerActivity", "profile", "record_function", "schedule",
           "supported_activities", "kineto_available",
           "tensorboard_trace_handler", "EventList", "FunctionEvent"]

_ACTIVE: list = []  # the profilers recording now (innermost last)


class ProfilerActivity(enum.Enum):
    CPU = 0
    CUDA = 1
    MPS = 2
    XPU = 3


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0,
             skip_first: int = 0):
    """A step -> action function as PyTorch's: skip ``skip_first`` steps, then cycles of
    ``wait`` idle, ``warmup`` and ``active`` recorded steps (``repeat`` cycles; 0: forever)."""
    for name, v in (("wait", wait), ("warmup", warmup), ("active", active),
                    ("repeat", repeat), ("skip_first", skip_first)):
        if not isinstance(v, int) or v < 0:
            raise ValueError(f"schedule(): {name} must be a non-negative int, got {v!r}")
    if active < 1:
        raise ValueError("schedule(): active must be at least 1")

    def action(step: int) -> ProfilerAction:
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        cycle = wait + warmup + active
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        pos = step % cycle
        if pos < wait:
            return ProfilerAction.NONE
        if pos < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if pos < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return action


class FunctionEvent:
    """One recorded range: ``name``, start and end (microseconds from the profile's start)."""

    def __init__(self, name: str, start_us: float, end_us: float, depth: int) -> None:
        self.name, self.key = name, name
        self.time_range_start, self.time_range_end = start_us, end_us
        self.depth = depth
        self.count = 1

    @property
    def cpu_time_total(self) -> float:
        return self.time_range_end - self.time_range_start

    cpu_time = cpu_time_total

    def __repr__(self):
        return f"<FunctionEvent name={self.name!r} cpu_time_total={self.cpu_time_total:.1f}us>"


class _Average:
    """The events of one name together (``key_averages``)."""

    def __init__(self, key: str) -> None:
        self.key = self.name = key
        self.count = 0
        self.cpu_time_total = 0.0

    def add(self, ev: FunctionEvent) -> None:
        self.count += 1
        self.cpu_time_total += ev.cpu_time_total

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total / max(self.count, 1)

    self_cpu_time_total = property(lambda self: self.cpu_time_total)

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key!r} count={self.count} "
                f"cpu_time_total={self.cpu_time_total:.1f}us>")


class EventList(list):
    """Recorded events (or their averages) with PyTorch's ``table``."""

    def table(self, sort_by: str | None = None, row_limit: int = 100, **_ignored) -> str:
        rows = list(self)
        if sort_by:
            key = sort_by.replace("self_", "").replace("cuda", "cpu").replace("device", "cpu")
            if rows and hasattr(rows[0], key):
                rows.sort(key=lambda r: getattr(r, key), reverse=True)
        if row_limit is not None and row_limit >= 0:
            rows = rows[:row_limit]
        total = sum(r.cpu_time_total for r in self) or 1.0
        head = f"{'Name':<40} {'CPU total %':>12} {'CPU total':>12} {'CPU time avg':>12} " \
               f"{'# of Calls':>10}"
        line = "-" * len(head)
        body = [f"{r.name[:40]:<40} {100 * r.cpu_time_total / total:>11.2f}% "
                f"{_us(r.cpu_time_total):>12} {_us(r.cpu_time_total / max(r.count, 1)):>12} "
                f"{r.count:>10}" for r in rows]
        return "\n".join([line, head, line, *body, line,
                          f"Self CPU time total: {_us(sum(r.cpu_time_total for r in self))}", ""])

    def key_averages(self) -> EventList:
        groups: dict = {}
        for ev in self:
            groups.setdefault(ev.name, _Average(ev.name)).add(ev)
        return EventList(groups.values())

    def total_average(self):
        avg = _Average("Total")
        for ev in self:
            avg.add(ev)
        return avg


def _us(v: float) -> str:
    return f"{v / 1e6:.3f}s" if v >= 1e6 else f"{v / 1e3:.3f}ms" if v >= 1e3 else f"{v:.3f}us"


class record_function:
    """A named range, as a context manager or a decorator; recorded by the active profilers."""

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name = name
        self._start = None

    def __enter__(self):
        self._start = time.perf_counter()
        for p in _ACTIVE:
            p._depth += 1
        return self

    def __exit__(self, *exc):
        end = time.perf_counter()
        for p in _ACTIVE:
            p._depth -= 1
            p._record(self.name, self._start, end, p._depth)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(self.name):
                return fn(*args, **kwargs)

        return wrapper


class profile:
    """Record :class:`record_function` ranges and steps (see the module docstring). The other
    arguments of PyTorch's profiler are accepted; shapes, memory, stacks and flops are not
    recorded."""

    def __init__(self, activities=None, schedule=None, on_trace_ready=None,
                 record_shapes: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_flops: bool = False, with_modules: bool = False,
                 experimental_config=None, execution_trace_observer=None,
                 acc_events: bool = False, use_cuda=None, enabled: bool = True, **_ignored):
        self.activities = set(activities or [ProfilerActivity.CPU])
        self.schedule = schedule
        self.on_trace_ready = on_trace_ready
        self.enabled = enabled
        self.step_num = 0
        self._events: list = []
        self._depth = 0
        self._t0 = None
        self._step_start = None
        self._recording = False

    # ------------------------------------------------------------------ control
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        self._t0 = time.perf_counter()
        self._set_recording(self._action() in (ProfilerAction.RECORD,
                                               ProfilerAction.RECORD_AND_SAVE))
        self._step_start = time.perf_counter()

    def stop(self):
        self._end_step()
        self._set_recording(False)
        if self.schedule is None and self.on_trace_ready is not None and self.enabled:
            self.on_trace_ready(self)

    def step(self):
        """Mark the end of a training step (advances the schedule)."""
        action = self._action()
        self._end_step()
        self.step_num += 1
        if action is ProfilerAction.RECORD_AND_SAVE and self.on_trace_ready is not None:
            self.on_trace_ready(self)
        nxt = self._action()
        if action is ProfilerAction.RECORD_AND_SAVE and nxt in (ProfilerAction.RECORD,
                                                                 ProfilerAction.RECORD_AND_SAVE):
            self._events = []  # a new cycle starts afresh
        self._set_recording(nxt in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE))
        self._step_start = time.perf_counter()

    def _action(self) -> ProfilerAction:
        if not self.enabled:
            return ProfilerAction.NONE
        return ProfilerAction.RECORD if self.schedule is None else self.schedule(self.step_num)

    def _end_step(self):
        if self._recording and self.schedule is not None and self._step_start is not None:
            self._record(f"ProfilerStep#{self.step_num}", self._step_start, time.perf_counter(),
                         0)

    def _set_recording(self, on: bool):
        if on and not self._recording:
            _ACTIVE.append(self)
        elif not on and self._recording and self in _ACTIVE:
            _ACTIVE.remove(self)
        self._recording = on

    def _record(self, name, start, end, depth):
        t0 = self._t0 if self._t0 is not None else start
        self._events.append(FunctionEvent(name, (start - t0) * 1e6, (end - t0) * 1e6, depth))

    # ------------------------------------------------------------------ results
    def events(self) -> EventList:
        return EventList(self._events)

    def key_averages(self, group_by_input_shape: bool = False,
                     group_by_stack_n: int = 0) -> EventList:
        return self.events().key_averages()

    def export_chrome_trace(self, path) -> None:
        """Write the events as a Chrome trace (open in chrome://tracing or Perfetto)."""
        trace = {"traceEvents": [
            {"name": e.name, "ph": "X", "ts": e.time_range_start, "dur": e.cpu_time_total,
             "pid": os.getpid(), "tid": 0, "cat": "cpu_op"} for e in self._events]}
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(trace, fh)

    def table(self, *args, **kwargs) -> str:
        return self.key_averages().table(*args, **kwargs)


def tensorboard_trace_handler(dir_name, worker_name: str | None = None,
                              use_gzip: bool = False):
    """An ``on_trace_ready`` that writes ``<worker>.<time>.pt.trace.json`` into ``dir_name``
    (TensorBoard's profiler plugin and Perfetto read it)."""
    def handler(prof):
        import socket

        os.makedirs(dir_name, exist_ok=True)
        name = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        path = os.path.join(dir_name, f"{name}.{time.time_ns() // 1000000}.pt.trace.json")
        if use_gzip:
            import gzip

            tmp = path + ".tmp"
            prof.export_chrome_trace(tmp)
            with open(tmp, "rb") as src, gzip.open(path + ".gz", "wb") as dst:
                dst.write(src.read())
            os.remove(tmp)
        else:
            prof.export_chrome_trace(path)

    return handler


def supported_activities() -> set:
    """What can be profiled here: the CPU (gradkit's CUDA work is timed on the CPU side)."""
    return {ProfilerActivity.CPU}


def kineto_available() -> bool:
    """True: ``profile`` is available (gradkit's own recorder stands for PyTorch's Kineto)."""
    return True
