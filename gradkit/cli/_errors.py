"""The command's errors: :class:`CLIError` (one line on stderr, an exit status) and how any other
exception becomes one line (``GRADKIT_DEBUG=1`` shows the traceback instead)."""

from __future__ import annotations

import os

__all__ = ["CLIError", "debug_enabled", "one_line"]


class CLIError(Exception):
    """A user-facing error: printed as one line, exit status ``code``.

    ``collective=True`` says every MPI rank raises it at the same point (so the ranks can end
    cleanly, and only rank 0 prints it); any other error on a rank aborts the whole job.
    """

    def __init__(self, message: str, code: int = 1, *, collective: bool = False):
        super().__init__(message)
        self.code = code
        self.collective = collective


def one_line(exc: BaseException) -> str:
    """The exception's message on one line (its type name when it has none)."""
    text = " ".join(str(exc).split())
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        text = str(exc.args[0])
    return text or type(exc).__name__


def debug_enabled() -> bool:
    """``GRADKIT_DEBUG`` set to anything but empty, ``0``, ``false``, ``no`` or ``off``."""
    value = os.environ.get("GRADKIT_DEBUG", "").strip().lower()
    return value not in ("", "0", "false", "no", "off")
