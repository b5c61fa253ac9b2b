"""``gradkit run prog.py [args...]``: run an unmodified PyTorch program on gradkit.

The program sees ``torch`` (and every ``torch.X.Y`` gradkit has) as gradkit and ``torchvision``
as ``gradkit.vision`` (:mod:`gradkit.compat.hook`), ``sys.argv == [prog.py, *args]``,
``__name__ == "__main__"``, its own folder first on ``sys.path``, and tensors, sizes and dtypes
in tensor reprs printing as PyTorch's (``torch.Size([2, 3])``, ``dtype=torch.float16``). An
uncaught exception prints a traceback that starts at the program's own frames and exits 1;
``sys.exit(n)`` exits ``n``, as ``python prog.py`` would. ``gradkit run -m pkg.mod`` runs a
module as ``python -m`` does.
"""

from __future__ import annotations

import builtins
import importlib
import io
import os
import runpy
import sys
import traceback
import types
import zipfile

from . import hook

__all__ = ["main", "torch_style"]

USAGE = """usage: gradkit run [-m] PROGRAM [ARGS ...]

Run an unmodified PyTorch program on gradkit: `import torch` gives gradkit (and torch.nn,
torch.optim, torch.utils.data, ... gradkit's modules), `import torchvision` gives gradkit.vision.
ARGS are passed to the program as sys.argv[1:].

  -m MODULE   run a module as `python -m MODULE` does
"""

# torch submodules that ``import torch`` alone makes available as attributes in PyTorch
# (``torch.backends.cudnn.benchmark = True`` with no import of torch.backends)
_EAGER = ("gradkit.nn", "gradkit.nn.functional", "gradkit.nn.init", "gradkit.optim",
          "gradkit.optim.lr_scheduler", "gradkit.utils.data", "gradkit.autograd",
          "gradkit.linalg", "gradkit.special", "gradkit.func", "gradkit.cuda",
          "gradkit.backends", "gradkit.accelerator", "gradkit.amp", "gradkit.onnx",
          "gradkit.multiprocessing", "gradkit.distributions", "gradkit.testing",
          "gradkit.utils.checkpoint", "gradkit.compat.jit")


def torch_style(on: bool = True) -> None:
    """Tensor reprs name PyTorch (``torch.Size``, ``dtype=torch.float64``) while ``on``."""
    from .. import _tensor
    from .._tensor import repr as _repr

    _repr.set_namespace_name("torch" if on else "gradkit")
    size = _tensor.Size
    if on:
        if "_gradkit_repr" not in size.__dict__:
            size._gradkit_repr = size.__repr__
        size.__repr__ = lambda self: f"torch.Size({list(self)})"
    elif "_gradkit_repr" in size.__dict__:
        size.__repr__ = size._gradkit_repr


def _prepare() -> None:
    hook.install()
    gk = importlib.import_module("gradkit")
    for name in _EAGER:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 (not in this gradkit: the program's own import of it
            pass  # raises the clear error, at its own line)
    gk.jit = sys.modules["gradkit.compat.jit"]
    if not hasattr(gk.autograd, "Variable"):  # torch.autograd.Variable (PyTorch < 0.4 code)
        from ._api import Variable

        gk.autograd.Variable = Variable
    torch_style(True)


def _program_frames(tb, filename: str | None):
    """The traceback from the program's first frame on (drops runpy's and the runner's)."""
    first = tb
    while tb is not None:
        code = tb.tb_frame.f_code.co_filename
        if filename is None:
            if not (code.startswith(os.path.dirname(runpy.__file__))
                    or code == __file__ or "<frozen runpy>" in code):
                return tb
        elif os.path.abspath(code) == filename:
            return tb
        tb = tb.tb_next
    return first


def _without_hook(tb):
    """The traceback without the import hook's frames (an ImportError then points at the
    program's import line, as Python's own does)."""
    frames = []
    while tb is not None:
        if os.path.abspath(tb.tb_frame.f_code.co_filename) != os.path.abspath(hook.__file__):
            frames.append(tb)
        tb = tb.tb_next
    out = None
    for t in reversed(frames):
        out = types.TracebackType(out, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return out


def _launch_entry() -> bool:
    """Whether ``sys.path[0]`` is the entry Python added for launching gradkit itself (the
    working directory for ``python -m gradkit``, the script's folder for the ``gradkit``
    command): ``python prog.py`` has the program's folder there instead, and no working directory
    on the path, so a module that sits only in the working directory must not import."""
    if sys.flags.safe_path or not sys.path:
        return False
    launcher = sys.argv[0] if sys.argv else ""
    first = sys.path[0]
    if os.path.basename(launcher) == "__main__.py":  # python -m gradkit
        return first in ("", os.getcwd())
    return bool(launcher) and os.path.realpath(first) == os.path.dirname(os.path.realpath(launcher))


def _run_script(filename: str, shown: str) -> None:
    """Run the file as ``python prog.py`` does: a fresh ``__main__`` whose ``__file__`` is the
    absolute path, with ``sys.argv[0]`` left as the command line spelled it (``runpy.run_path``
    would put the absolute path there)."""
    with io.open_code(filename) as f:
        source = f.read()
    code = compile(source, filename, "exec", dont_inherit=True)
    module = types.ModuleType("__main__")
    module.__dict__.update(__file__=filename, __cached__=None, __loader__=None,
                           __package__=None, __spec__=None, __builtins__=builtins)
    saved_main = sys.modules.get("__main__")
    sys.modules["__main__"] = module
    sys.argv[0] = shown
    try:
        exec(code, module.__dict__)
    finally:
        if saved_main is not None:
            sys.modules["__main__"] = saved_main


def _exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


MAIN_ENV = "GRADKIT_RUN_MAIN"


class _ChildrenOnGradkit:
    """While the program runs, the processes multiprocessing starts with ``spawn``/``forkserver``
    re-run it through :mod:`gradkit.compat._mp_main` (the import hook first) instead of as a
    plain script, which would import the real ``torch``; ``fork`` children inherit the hook."""

    def __init__(self, main: str):
        self.main = main
        self.saved = None

    def start(self) -> None:
        from multiprocessing import spawn

        orig = spawn.get_preparation_data

        def get_preparation_data(name):
            data = orig(name)
            if "init_main_from_path" in data or "init_main_from_name" in data:
                data.pop("init_main_from_path", None)
                data["init_main_from_name"] = "gradkit.compat._mp_main"
            return data

        self.saved = spawn, orig, os.environ.get(MAIN_ENV)
        spawn.get_preparation_data = get_preparation_data
        os.environ[MAIN_ENV] = self.main

    def stop(self) -> None:
        if self.saved is None:
            return
        spawn, orig, env = self.saved
        spawn.get_preparation_data = orig
        if env is None:
            os.environ.pop(MAIN_ENV, None)
        else:
            os.environ[MAIN_ENV] = env
        self.saved = None


def main(argv: list[str]) -> int:
    """Run the program ``argv[0]`` (or ``-m MODULE``) with ``argv[1:]``; return the exit status."""
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, end="", file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    as_module = argv[0] == "-m"
    if as_module:
        if len(argv) < 2:
            print("gradkit run: error: -m needs a module name", file=sys.stderr)
            return 2
        target, args = argv[1], argv[2:]
        filename = None
    else:
        target, args = argv[0], argv[1:]
        filename = os.path.abspath(target)
        if not os.path.exists(filename):
            print(f"gradkit run: error: can't open file {target!r}: no such file",
                  file=sys.stderr)
            return 2
    saved = sys.argv[:], sys.path[:]
    first = os.getcwd() if as_module else os.path.dirname(filename)
    if _launch_entry():
        sys.path[0] = first
    else:
        sys.path.insert(0, first)
    sys.argv = [target, *args]
    children = _ChildrenOnGradkit("module:" + target if as_module else "path:" + filename)
    try:
        _prepare()
        children.start()
        if as_module:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        elif os.path.isfile(filename) and not zipfile.is_zipfile(filename):
            _run_script(filename, target)
        else:  # a folder or zip archive with a __main__.py
            runpy.run_path(filename, run_name="__main__")
        return 0
    except SystemExit as exc:
        return _exit_code(exc)
    except BaseException as exc:  # noqa: BLE001 (a program's error: its traceback, status 1)
        sys.stdout.flush()
        if isinstance(exc, SyntaxError) and exc.filename and filename and \
                os.path.abspath(exc.filename) == filename:
            tb = None  # the program did not compile: Python shows where, and no frames
        else:
            tb = _without_hook(_program_frames(exc.__traceback__, filename))
        exc.__traceback__ = tb
        # Python's own display (it also adds "Did you mean ...?" to NameError/AttributeError,
        # which the traceback module of Python 3.11 does not), through the program's hook if it
        # set one, as an uncaught exception would be
        display = sys.excepthook
        try:
            display(type(exc), exc, tb)
        except Exception:  # noqa: BLE001 (a broken hook: Python prints the error plainly)
            traceback.print_exception(type(exc), exc, tb)
        sys.stderr.flush()
        code = 130 if isinstance(exc, KeyboardInterrupt) else 1
        from .. import distributed  # under mpiexec the other ranks must not wait forever

        distributed._abort_if_joined(code)
        return code
    finally:
        sys.stdout.flush()
        children.stop()
        sys.argv, sys.path[:] = saved[0], saved[1]
        torch_style(False)
        hook.uninstall()
