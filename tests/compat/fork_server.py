"""``python fork_server.py torch|gradkit``: imports one library once, then runs corpus programs
in forked children, so that 440 programs do not each pay ``import torch`` (~1.7 s of CPU) or
``import gradkit`` (~0.9 s) again. compat_harness.py starts and talks to it.

The server does nothing but the imports that ``python prog.py`` (``torch``) or
``python -m gradkit run prog.py`` (``gradkit``: gradkit, its command line and the runner of
``gradkit run``) make before the program's first line, and checks that they left the process
single-threaded (a forked child gets only the thread that forked it). Each child then does what
the interpreter does from there on:

* ``torch``: a fresh ``__main__`` module with the program's ``__file__``, ``sys.argv ==
  [prog.py]``, the program's folder first on ``sys.path``, the program's code run in it;
* ``gradkit``: ``sys.argv == [.../gradkit/__main__.py, "run", prog.py]``, the working directory
  first on ``sys.path`` (as ``python -m``), and ``gradkit.__main__`` run as ``__main__``, which
  is ``gradkit run`` itself (the import hook, the program, its exit status);

in the job's working directory, with stdin from /dev/null and stdout/stderr written to the job's
two files. An uncaught exception prints its traceback (from the program's first frame) and exits
1, ``SystemExit`` exits with its code, and the interpreter's own shutdown (threads joined, atexit
handlers, stdout flushed) ends the child as it ends ``python prog.py``. The child is the leader of
its own process group, so a timeout kills it with whatever processes it started.

Protocol, one line each way over the server's stdin and stdout: ``ready THREADS`` once; then per
job the harness sends ``{"path", "cwd", "out", "err"}`` as JSON and the server answers
``started PID`` and, when the child has ended, ``exited RETURNCODE`` (``-N``: killed by signal
N, as ``subprocess`` reports it). End of input ends the server.
"""

from __future__ import annotations

import json
import os
import sys

if __name__ == "__main__":  # this file's folder is no part of the programs' path
    del sys.path[0]


def threads() -> int:
    """How many threads this process runs (the operating system's count where it gives one:
    a BLAS or OpenMP pool is invisible to ``threading``)."""
    import threading

    try:
        return max(len(os.listdir("/proc/self/task")), threading.active_count())
    except OSError:
        return threading.active_count()


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode())


def _read_line() -> bytes:
    """One line from stdin, read unbuffered (a forked child inherits no read-ahead)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(0, 1)
        if not chunk:
            return b""
        data += chunk
    return data


def serve(under: str) -> dict:
    """Import, then run jobs until stdin ends; returns (only in a forked child) its job."""
    if under == "torch":
        import torch  # noqa: F401
    else:
        import gradkit.cli  # noqa: F401  (what ``python -m gradkit`` imports before ``main``)
        import gradkit.compat.runner  # noqa: F401  (imported by ``main`` for ``run``)
    _say(f"ready {threads()}")
    while True:
        line = _read_line()
        if not line:
            sys.exit(0)
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            return job
        try:
            os.setpgid(pid, pid)  # (the child does it too: whichever runs first)
        except OSError:
            pass
        _say(f"started {pid}")
        _, status = os.waitpid(pid, 0)
        _say(f"exited {os.waitstatus_to_exitcode(status)}")


def _redirect(job: dict) -> None:
    os.setpgid(0, 0)
    for fd, name, flags in ((0, os.devnull, os.O_RDONLY),
                            (1, job["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND),
                            (2, job["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND)):
        new = os.open(name, flags, 0o644)
        os.dup2(new, fd)
        os.close(new)
    os.chdir(job["cwd"])


def _fresh_state(cwd: str) -> None:
    """What a new interpreter has and a forked child would share with its siblings: the
    default generators of torch/gradkit and NumPy's global one seeded from the operating system's
    entropy (as at import; Python's ``random`` reseeds itself after a fork), multiprocessing's
    authentication key, and its note of the directory the process started in (which spawned
    children are given)."""
    for name in ("torch", "gradkit.random"):
        if name in sys.modules:
            sys.modules[name].default_generator.seed()
    if "numpy.random" in sys.modules:
        sys.modules["numpy.random"].seed()
    if "multiprocessing.process" in sys.modules:
        process = sys.modules["multiprocessing.process"]
        process.ORIGINAL_DIR = os.path.abspath(cwd)
        process.current_process().authkey = os.urandom(32)


def _main_module(path: str):
    import importlib.machinery
    import types

    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__loader__ = importlib.machinery.SourceFileLoader("__main__", path)
    module.__builtins__ = __builtins__
    sys.modules["__main__"] = module
    return module


def run(under: str, job: dict) -> None:
    """The child's work: the program, as the interpreter would run it."""
    _redirect(job)
    _fresh_state(job["cwd"])
    path = job["path"]
    try:
        if under == "torch":
            sys.argv = [path]
            sys.path.insert(0, os.path.dirname(os.path.realpath(path)))  # (as Python's)
            with open(path, "rb") as f:
                code = compile(f.read(), path, "exec", dont_inherit=True)  # (not our __future__)
            exec(code, _main_module(path).__dict__)
        else:
            import runpy

            sys.argv = ["-m", "run", path]  # (run_module puts gradkit/__main__.py first)
            sys.path.insert(0, os.getcwd())
            runpy.run_module("gradkit", run_name="__main__", alter_sys=True)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:  # noqa: BLE001 (the interpreter's report, without our frames)
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
            tb = tb.tb_next
        sys.excepthook(type(exc), exc.with_traceback(tb), tb)  # (Python prints exc's own)
        sys.exit(1)


if __name__ == "__main__":
    _under = sys.argv[1]
    run(_under, serve(_under))
