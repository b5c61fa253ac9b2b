"""Run a corpus program under real PyTorch and under ``gradkit run``, and compare the outputs.

Each program in ``programs/`` prints what a user would look at (shapes, dtypes, losses,
accuracies). The two runs' stdout must agree: the same text once numbers are taken out (runs of
spaces collapsed; dtypes and grad_fn names compared as printed, ``torch.float32`` and
``MulBackward0`` alike), the same count of numbers, each within the program's tolerance.
A program's header may set
``# compat: rtol=R atol=A`` (default 1e-3 and 1e-5), ``# compat: exact`` (every line must equal
PyTorch's character for character: for programs whose output is the text users read, printed
tensors, reprs and formatted numbers), ``# compat: gradkit-only`` (judged on its own
asserts, for programs that need torchvision) or ``# compat: xfail (reason)``: a known difference,
expected to fail until it is fixed (strict: a pass is reported, so the mark is removed then).

Each side imports its library once: a fork server per side and worker (fork_server.py) forks a
child per program, which runs it as ``python prog.py`` or ``python -m gradkit run prog.py`` would.
``GRADKIT_CORPUS_FRESH=1`` starts a new interpreter per run instead (the only way where ``fork``
is missing, i.e. not on POSIX); both give the same outcomes.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|\bnan\b|[-+]?\binf\b")


def programs() -> list[Path]:
    return sorted(PROGRAMS.glob("*.py"))


def options(path: Path) -> dict:
    opts = {"rtol": 1e-3, "atol": 1e-5, "gradkit_only": False, "xfail": None, "exact": False}
    for line in path.read_text().splitlines()[:15]:
        if line.startswith("# compat:"):
            for item in line[len("# compat:"):].split("(")[0].split():
                if item == "xfail":
                    opts["xfail"] = line.split("xfail", 1)[1].strip(" ()")
                elif item == "gradkit-only":
                    opts["gradkit_only"] = True
                elif item == "exact":
                    opts["exact"] = True
                else:
                    key, value = item.split("=")
                    opts[key] = float(value)
    return opts


def _env() -> dict:
    return dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
                PYTHONHASHSEED="0", PYTHONPATH=str(ROOT))


def _command(path: Path, under: str) -> list[str]:
    return [sys.executable, str(path)] if under == "torch" else \
        [sys.executable, "-m", "gradkit", "run", str(path)]


def fresh_mode() -> bool:
    """Whether each run starts a new interpreter (``GRADKIT_CORPUS_FRESH=1``, or no ``fork``)."""
    return os.environ.get("GRADKIT_CORPUS_FRESH", "") not in ("", "0") or os.name != "posix" \
        or not hasattr(os, "fork")


def run(path: Path, under: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """``under`` is "torch" (``python prog.py``) or "gradkit" (``python -m gradkit run``)."""
    if not fresh_mode():
        server = _SERVERS.take(under)
        if server is not None:
            try:
                result = server.run(path, cwd, timeout)
            except OSError as exc:  # the server died: this run goes on in a new interpreter
                print(f"compat_harness: {exc}", file=sys.stderr)
                server.close()
            else:
                _SERVERS.give(server)
                return result
    return _run_fresh(path, under, cwd, timeout)


def _run_fresh(path: Path, under: str, cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    cmd = _command(path, under)
    try:
        return subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:  # (its stdout is bytes, even with text=True)
        stdout = (exc.stdout or b"").decode(errors="replace").replace("\r\n", "\n")
        return subprocess.CompletedProcess(cmd, -9, stdout, f"timed out after {timeout} s")


class ForkServer:
    """One ``fork_server.py`` process: its library imported, one job at a time."""

    def __init__(self, under: str):
        self.under = under
        self.dir = tempfile.mkdtemp(prefix=f"corpus-{under}-")
        self.log = open(os.path.join(self.dir, "server.err"), "w+")
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("fork_server.py")), under],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, cwd=self.dir,
            env=_env())
        self.buffer = b""
        ready = self._line(None).split()
        if ready[:1] != [b"ready"] or ready[1:] != [b"1"]:
            self.close()  # (threads at fork time: a child would lack them, or deadlock)
            raise OSError(f"{under} fork server not usable: {ready!r} {self._log()}")

    def _log(self) -> str:
        self.log.seek(0)
        return self.log.read()[-2000:]

    def _line(self, deadline: float | None) -> bytes:
        """The server's next line (b"" once ``deadline`` has passed)."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([fd], [], [], wait)[0]:
                return b""
            chunk = os.read(fd, 4096)
            if not chunk:
                raise OSError(f"{self.under} fork server ended: {self._log()}")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def run(self, path: Path, cwd: Path, timeout: float) -> subprocess.CompletedProcess:
        out, err = os.path.join(self.dir, "stdout"), os.path.join(self.dir, "stderr")
        job = {"path": str(path), "cwd": str(cwd), "out": out, "err": err}
        self.proc.stdin.write(json.dumps(job).encode() + b"\n")
        self.proc.stdin.flush()
        pid = int(self._line(None).split()[1])
        exited = self._line(time.monotonic() + timeout)
        timed_out = not exited
        if timed_out:
            try:
                os.killpg(pid, signal.SIGKILL)  # the program and what it started
            except ProcessLookupError:
                pass
            exited = self._line(None)
        stdout, stderr = Path(out).read_text(), Path(err).read_text()
        cmd = _command(path, self.under)
        if timed_out:
            return subprocess.CompletedProcess(cmd, -9, stdout, f"timed out after {timeout} s")
        return subprocess.CompletedProcess(cmd, int(exited.split()[1]), stdout, stderr)

    def close(self) -> None:
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()  # end of input ends the server
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class _Servers:
    """Idle fork servers by library; as many of each as runs go on at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.idle: dict[str, list[ForkServer]] = {"torch": [], "gradkit": []}
        self.broken: set[str] = set()

    def take(self, under: str) -> ForkServer | None:
        with self.lock:
            if self.idle[under]:
                return self.idle[under].pop()
            if under in self.broken:
                return None
        try:
            return ForkServer(under)
        except OSError as exc:  # runs go on in new interpreters, as with GRADKIT_CORPUS_FRESH
            print(f"compat_harness: {exc}; running {under} in fresh processes", file=sys.stderr)
            with self.lock:
                self.broken.add(under)
            return None

    def give(self, server: ForkServer) -> None:
        with self.lock:
            self.idle[server.under].append(server)

    def close(self) -> None:
        """End the idle servers (the next run starts new ones)."""
        with self.lock:
            servers = [s for group in self.idle.values() for s in group]
            for group in self.idle.values():
                group.clear()
        for server in servers:
            server.close()


_SERVERS = _Servers()
close_servers = _SERVERS.close
atexit.register(close_servers)


def split(text: str) -> tuple[str, list[float]]:
    """(the text with every number replaced by '#', the numbers)."""
    numbers = [float(m.group()) for m in _NUMBER.finditer(text)]
    skeleton = " ".join(_NUMBER.sub("#", text).split())
    return skeleton, numbers


def differences(torch_out: str, gradkit_out: str, rtol: float, atol: float,
                exact: bool = False) -> list[str]:
    """What differs between the two outputs (empty when they agree); ``exact``: line for line."""
    t_lines, g_lines = torch_out.splitlines(), gradkit_out.splitlines()
    problems = []
    if len(t_lines) != len(g_lines):
        problems.append(f"{len(t_lines)} lines under torch, {len(g_lines)} under gradkit")
    for i, (t, g) in enumerate(zip(t_lines, g_lines)):
        if exact:
            if t != g:
                problems.append(f"line {i + 1} (exact): torch {t!r} / gradkit {g!r}")
            continue
        ts, tn = split(t)
        gs, gn = split(g)
        if ts != gs or len(tn) != len(gn):
            problems.append(f"line {i + 1}: torch {t!r} / gradkit {g!r}")
        elif tn and not np.allclose(gn, tn, rtol=rtol, atol=atol, equal_nan=True):
            problems.append(f"line {i + 1} numbers: torch {t!r} / gradkit {g!r}")
    return problems
