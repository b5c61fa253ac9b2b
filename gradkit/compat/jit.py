"""``torch.jit`` under ``gradkit run``: scripting and tracing pass their argument through.

gradkit runs eagerly on NumPy; there is no graph compiler. ``script`` and ``trace`` return a
function unchanged and a module as a copy that shares its parameters and buffers (as PyTorch's
scripted module does) and reads as a ``ScriptModule``, after one informational note on stderr
per process, so programs that script their model for speed run as written; the decorators
``ignore``, ``unused`` and ``export`` return their function. ``save``/``load`` write and read
the module pickled as ``torch.save`` does (they round-trip within gradkit); PyTorch's
TorchScript archives cannot be read.
"""

from __future__ import annotations

import builtins
import collections.abc
import contextlib
import sys
import typing
from typing import Final

__all__ = ["script", "trace", "trace_module", "freeze", "optimize_for_inference", "ignore",
           "unused", "export", "is_scripting", "Final", "annotate", "Attribute", "interface",
           "script_if_tracing", "script_method", "optimized_execution", "fork", "wait",
           "is_tracing", "ScriptModule", "ScriptFunction", "save", "load", "note_once",
           "TracerWarning", "isinstance"]

_NOTED: set = set()


class TracerWarning(Warning):
    """The warning category PyTorch's tracer uses; gradkit never traces, so it is never
    raised, but programs filter it (``warnings.filterwarnings(category=TracerWarning)``)."""

    @staticmethod
    def ignore_lib_warnings():
        pass


def note_once(what: str, result: str = "a function is returned unchanged, a module as a "
              "scripted copy sharing its parameters") -> None:
    """Print one informational line on stderr, once per process for each ``what``."""
    if what in _NOTED:
        return
    _NOTED.add(what)
    print(f"gradkit: note: {what} runs the model eagerly (gradkit has no graph compiler); "
          f"{result}", file=sys.stderr, flush=True)


_HOOK_DICTS = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")
_HOOK_SETS = ("_forward_hooks_with_kwargs", "_forward_pre_hooks_with_kwargs",
              "_forward_hooks_always_called")


def _script_copy(m, memo):
    """A copy of module ``m`` and its submodules that shares their parameters and buffers (as
    PyTorch's scripted module does), marked as scripted, so the module it was made from stays
    an ordinary ``nn.Module`` (``isinstance(model, ScriptModule)`` stays False, its hooks its
    own). Each copy has PyTorch's ``original_name``, the class name of the module it copies."""
    got = memo.get(id(m))
    if got is not None:
        return got
    c = object.__new__(type(m))
    memo[id(m)] = c
    d = c.__dict__
    d.update(m.__dict__)
    d["_parameters"] = dict(m._parameters)
    d["_buffers"] = dict(m._buffers)
    d["_modules"] = {k: None if v is None else _script_copy(v, memo)
                     for k, v in m._modules.items()}
    for k in _HOOK_DICTS:
        if k in d:
            d[k] = type(d[k])(d[k])
    for k in _HOOK_SETS:
        if k in d:
            d[k] = set(d[k])
    d["_jit_scripted"] = True
    d["original_name"] = type(m).__name__
    return c


def _mark(obj):
    """What script/trace return: a module as a scripted copy (reads as a ``ScriptModule``,
    as its submodules do; see :func:`_script_copy`), anything else (a function) itself."""
    from ..nn.modules.module import Module

    if builtins.isinstance(obj, Module):
        return _script_copy(obj, {})
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


def _get_trace_graph(f, args=(), kwargs=None, strict=True, _force_outplace=False,
                     return_inputs=False, _return_inputs_states=False):
    """``torch.jit._get_trace_graph``: refused. PyTorch's tracer records a TorchScript graph
    of ATen operators (what fvcore's ``FlopCountAnalysis`` and ``ActivationCountAnalysis``
    walk); gradkit runs eagerly and records none."""
    raise RuntimeError(
        "torch.jit._get_trace_graph: gradkit has no TorchScript tracer, so there is no graph of "
        "ATen operators to analyse (fvcore's FlopCountAnalysis/ActivationCountAnalysis need "
        "one); count with module forward hooks instead (thop's profile, ptflops' "
        "backend='pytorch', fvcore's parameter_count), or run this analysis with PyTorch")


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


def _copy_to_script_wrapper(fn):
    """``torch._jit_internal._copy_to_script_wrapper``: marks a module method for TorchScript;
    the method itself here (Pyro decorates its ``PyroModule.__getattr__`` with it)."""
    return fn


def _overload(fn):
    """``torch.jit._overload`` (and ``_overload_method``): declares one typed signature of a
    function for TorchScript, whose implementation is the last ``def`` of that name; the
    declaration itself is returned, as PyTorch's, and the later ``def`` replaces it."""
    return fn


_overload_method = _overload


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


def isinstance(obj, target_type) -> bool:  # noqa: A001 - torch.jit.isinstance
    """``isinstance`` that also checks parameterized containers (``List[int]``,
    ``Dict[str, Tensor]``, ``Tuple[int, str]``, ``Optional[T]``) element by element, as
    ``torch.jit.isinstance`` does in eager mode; ``target_type`` may be a tuple of such types."""
    if builtins.isinstance(target_type, tuple):
        return any(isinstance(obj, t) for t in target_type)
    if builtins.isinstance(target_type, collections.abc.Container):
        raise RuntimeError("torch.jit.isinstance: the second argument must be a type or a tuple "
                           f"of types, got {target_type!r}")
    origin = typing.get_origin(target_type)
    if origin is None:
        return builtins.isinstance(obj, target_type)
    args = typing.get_args(target_type)
    if origin is typing.Union or getattr(origin, "__name__", "") == "UnionType":
        return any(isinstance(obj, t) for t in args)
    if not builtins.isinstance(obj, origin):
        return False
    if not args:
        return True
    if origin is list:
        return all(isinstance(x, args[0]) for x in obj)
    if origin is dict:
        return all(isinstance(k, args[0]) and isinstance(v, args[1]) for k, v in obj.items())
    if origin is tuple:  # Tuple[int, ...] is not special-cased, as in torch.jit.isinstance
        return len(obj) == len(args) and all(isinstance(x, t) for x, t in zip(obj, args))
    return True


class _ScriptModuleType(type):
    def __instancecheck__(cls, obj):
        return bool(getattr(obj, "__dict__", {}).get("_jit_scripted"))


class ScriptModule(metaclass=_ScriptModuleType):
    """``isinstance(m, torch.jit.ScriptModule)`` holds for a module ``script``/``trace``
    returned (the module itself, run eagerly)."""


class ScriptFunction:
    """Never an instance's type here (``script`` returns the function itself)."""


# the record that marks an archive written by :func:`save` (a pickled module, read back by
# :func:`load`); any other torch.save file is refused by load, as PyTorch's jit.load refuses it
_MARKER = ".gradkit_jit"


def save(m, f, _extra_files=None, **kwargs):
    """Write ``m`` (the module ``script``/``trace`` returned) to ``f`` for :func:`load`: a pickled
    module in ``torch.save``'s format with a record that marks it, not a TorchScript archive
    (gradkit has no TorchScript), so it round-trips through gradkit's ``torch.jit.load`` and
    ``torch.load(weights_only=False)``.
    """
    from .._torch_save import save_torch

    marker = ((_MARKER, b"1"),)
    if builtins.isinstance(f, (str, bytes)) or hasattr(f, "__fspath__"):
        with open(f, "wb") as fh:
            save_torch(m, fh, extra_records=marker)
    else:
        save_torch(m, f, extra_records=marker)


def load(f, map_location=None, _extra_files=None, **kwargs):
    """Read a module written by :func:`save`.

    Raises:
        ValueError: ``f`` names no file, or a directory (PyTorch's check).
        NotImplementedError: ``f`` is a TorchScript archive from PyTorch (its code compiled to
            TorchScript), which gradkit cannot run.
        RuntimeError: ``f`` is not an archive ``torch.jit.save`` wrote (a ``torch.save``
            checkpoint, say), as PyTorch's (programs that try ``jit.load`` and fall back to
            ``torch.load`` on RuntimeError, as CLIP's ``clip.load``, take the same branch); a
            file object is read to its end first, as PyTorch reads it.
    """
    import os
    import zipfile

    from .. import load as _load

    is_path = builtins.isinstance(f, (str, bytes)) or hasattr(f, "__fspath__")
    if is_path and not os.path.exists(f):
        raise ValueError(f"torch.jit.load: the provided filename {os.fsdecode(f)} does not exist")
    if is_path and os.path.isdir(f):
        raise ValueError(f"torch.jit.load: the provided filename {os.fsdecode(f)} is a "
                         f"directory")
    start = None if is_path else f.tell()
    names = None
    try:
        if zipfile.is_zipfile(f):
            if not is_path:
                f.seek(start)
            with zipfile.ZipFile(f) as z:
                names = [n.split("/", 1)[-1] for n in z.namelist()]
    finally:
        if not is_path:
            f.seek(start)
    if names is not None and any(n.startswith(("code/", "constants.pkl")) for n in names):
        raise NotImplementedError(
            "torch.jit.load: this is a TorchScript archive from PyTorch, which gradkit cannot "
            "run (it has no TorchScript); save the weights with "
            "torch.save(model.state_dict(), path) and load them into the model class")
    if names is not None and _MARKER in names:
        return _load(f, map_location=map_location, weights_only=False)
    if not is_path:
        f.read()
    what = ("failed locating file constants.pkl" if names is not None
            else "failed reading zip archive")
    raise RuntimeError(
        f"torch.jit.load: {os.fsdecode(f) if is_path else 'the stream'} is not an archive "
        f"torch.jit.save wrote ({what}); a checkpoint written by torch.save is read with "
        f"torch.load (an older gradkit's jit.save file too, with weights_only=False)")
