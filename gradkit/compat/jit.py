"""``torch.jit`` under ``gradkit run``: scripting and tracing pass their argument through.

gradkit runs eagerly on NumPy; there is no graph compiler. ``script``, ``trace`` (and the
decorators ``ignore``, ``unused``, ``export``) return the module or function unchanged, after one
informational note on stderr per process, so programs that script their model for speed run
as written. ``save``/``load`` of TorchScript archives are not provided.
"""

from __future__ import annotations

import sys

__all__ = ["script", "trace", "trace_module", "ignore", "unused", "export", "is_scripting",
           "is_tracing", "ScriptModule", "ScriptFunction", "save", "load", "note_once"]

_NOTED: set = set()


def note_once(what: str) -> None:
    """Print one informational line on stderr, once per process for each ``what``."""
    if what in _NOTED:
        return
    _NOTED.add(what)
    print(f"gradkit: note: {what} runs the model eagerly (gradkit has no graph compiler); the "
          f"module or function is returned unchanged", file=sys.stderr, flush=True)


def script(obj=None, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    note_once("torch.jit.script")
    return obj


def trace(func, example_inputs=None, *args, **kwargs):
    note_once("torch.jit.trace")
    return func


def trace_module(mod, inputs, *args, **kwargs):
    note_once("torch.jit.trace_module")
    return mod


def _passthrough(fn=None, **kwargs):
    if fn is None:
        return lambda f: f
    return fn


ignore = unused = export = _passthrough


def is_scripting() -> bool:
    return False


def is_tracing() -> bool:
    return False


class ScriptModule:
    """Never an instance's type here (``script`` returns the module itself)."""


class ScriptFunction:
    """Never an instance's type here (``script`` returns the function itself)."""


def save(m, f, **kwargs):
    raise NotImplementedError(
        "torch.jit.save: gradkit does not write TorchScript archives; save the weights with "
        "torch.save(model.state_dict(), path) instead")


def load(f, map_location=None, **kwargs):
    raise NotImplementedError(
        "torch.jit.load: gradkit does not read TorchScript archives; load a state_dict with "
        "torch.load and model.load_state_dict instead")
