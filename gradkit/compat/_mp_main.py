"""The main module of a process that ``multiprocessing`` starts with ``spawn`` or
``forkserver`` under ``gradkit run``: multiprocessing re-runs the parent's main module in the child
(as ``__mp_main__``) so that the functions and classes it pickled by name exist there. The program
imports ``torch``, so the import hook goes in first, then the program runs as it would in
``python``'s own child (see :func:`gradkit.compat.runner.main`)."""

from __future__ import annotations

import os
import runpy
import sys

from . import runner

if __name__ == "__mp_main__":  # (run by multiprocessing; a plain import, as documentation
    # tools make of every module, must not install the import hook into their process)
    runner._prepare()
    _kind, _, _target = os.environ.get(runner.MAIN_ENV, "").partition(":")
    if _kind == "path":
        sys.argv[0] = _target
        globals().update(runpy.run_path(_target, run_name="__mp_main__"))
    elif _kind == "module":
        globals().update(runpy.run_module(_target, run_name="__mp_main__", alter_sys=True))
