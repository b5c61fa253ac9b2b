"""``torch.jit`` under ``gradkit run``: scripting and tracing pass their argument through.

gradkit runs eagerly on NumPy; there is no graph compiler. ``script``, ``trace`` (and the
decorators ``ignore``, ``unused``, ``export``) return the module or function unchanged, after one
informational note on stderr per process, so programs that script their model for speed run
as written. ``save``/``load`` write and read the module pickled as ``torch.save`` does (they
round-trip within gradkit); PyTorch's TorchScript archives cannot be read.
"""

from __future__ import annotations

import collections
import contextlib
import sys
from typing import Final

__all__ = ["script", "trace", "trace_module", "freeze", "optimize_for_inference", "ignore",
           "unused", "export", "is_scripting", "Final", "annotate", "Attribute", "interface",
           "script_if_tracing", "script_method", "optimized_execution", "fork", "wait",
           "is_tracing", "ScriptModule", "ScriptFunction", "save", "load", "note_once"]

_NOTED: set = set()


def note_once(what: str, result: str = "the module or function is returned unchanged") -> None:
    """Print one informational line on stderr, once per process for each ``what``."""
    if what in _NOTED:
        return
    _NOTED.add(what)
    print(f"gradkit: note: {what} runs the model eagerly (gradkit has no graph compiler); "
          f"{result}", file=sys.stderr, flush=True)


def _mark(obj):
    """A module that went through script/trace reads as a ``ScriptModule`` (``isinstance``)."""
    from ..nn.modules.module import Module

    if isinstance(obj, Module):
        object.__setattr__(obj, "_jit_scripted", True)
    return obj


def script(obj=None, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    note_once("torch.jit.script")
    return _mark(obj)


def trace(func, example_inputs=None, *args, **kwargs):
    note_once("torch.jit.trace")
    return _mark(func)


def trace_module(mod, inputs, *args, **kwargs):
    note_once("torch.jit.trace_module")
    return _mark(mod)


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    """``torch.jit.freeze``: the (eager) module itself."""
    return mod


def optimize_for_inference(mod, other_methods=None):
    """``torch.jit.optimize_for_inference``: the (eager) module itself."""
    return mod


def _passthrough(fn=None, **kwargs):
    if fn is None:
        return lambda f: f
    return fn


ignore = unused = export = _passthrough
interface = script_if_tracing = script_method = _passthrough


def annotate(the_type, the_value):
    """``torch.jit.annotate``: a type hint for the compiler; the value itself when eager."""
    return the_value


# ``torch.jit.Attribute(value, type)``: outside TorchScript PyTorch returns this named tuple
Attribute = collections.namedtuple("Attribute", ["value", "type"])


@contextlib.contextmanager
def optimized_execution(should_optimize):
    """``torch.jit.optimized_execution``: nothing to switch when eager."""
    yield


class Future:
    """What ``fork`` returns: the call's result, computed at once (eager, no threads)."""

    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value

    def done(self) -> bool:
        return True


def fork(func, *args, **kwargs):
    """``torch.jit.fork``: calls ``func`` now (eager) and returns a :class:`Future` of it."""
    return Future(func(*args, **kwargs))


def wait(future):
    """``torch.jit.wait``: the value of a :class:`Future` from :func:`fork`."""
    return future.wait()


def is_scripting() -> bool:
    return False


def is_tracing() -> bool:
    return False


class _ScriptModuleType(type):
    def __instancecheck__(cls, obj):
        return bool(getattr(obj, "__dict__", {}).get("_jit_scripted"))


class ScriptModule(metaclass=_ScriptModuleType):
    """``isinstance(m, torch.jit.ScriptModule)`` holds for a module ``script``/``trace``
    returned (the module itself, run eagerly)."""


class ScriptFunction:
    """Never an instance's type here (``script`` returns the function itself)."""


def save(m, f, _extra_files=None, **kwargs):
    """Write ``m`` (the module ``script``/``trace`` returned) to ``f`` for :func:`load`: a pickled
    module in ``torch.save``'s format, not a TorchScript archive (gradkit has no TorchScript),
    so it round-trips through gradkit's ``torch.jit.load`` and ``torch.load(weights_only=False)``.
    """
    from .. import save as _save

    _save(m, f, format="torch")


def load(f, map_location=None, _extra_files=None, **kwargs):
    """Read a module written by :func:`save`. A TorchScript archive from PyTorch (its code
    compiled to TorchScript) cannot be read: NotImplementedError says so."""
    import zipfile

    from .. import load as _load

    is_path = isinstance(f, (str, bytes)) or hasattr(f, "__fspath__")
    start = None if is_path else f.tell()
    try:
        if zipfile.is_zipfile(f):
            if not is_path:
                f.seek(start)
            with zipfile.ZipFile(f) as z:
                if any(n.split("/", 1)[-1].startswith(("code/", "constants.pkl"))
                       for n in z.namelist()):
                    raise NotImplementedError(
                        "torch.jit.load: this is a TorchScript archive from PyTorch, which "
                        "gradkit cannot run (it has no TorchScript); save the weights with "
                        "torch.save(model.state_dict(), path) and load them into the model class")
    finally:
        if not is_path:
            f.seek(start)
    return _load(f, map_location=map_location, weights_only=False)
