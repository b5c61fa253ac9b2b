"""The corpus's fork servers (fork_server.py) run a program as a new interpreter would: the same
output, exit status and traceback as ``python prog.py`` / ``python -m gradkit run prog.py`` in a
fresh process, fresh random state in every child, and a timeout that ends the program and the
processes it started while the server goes on serving."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compat_harness as compare  # noqa: E402

pytestmark = pytest.mark.skipif(compare.fresh_mode(),
                                reason="no fork here (or GRADKIT_CORPUS_FRESH=1)")

# What a program can see of how it was started. ``mode`` (a file in the working directory)
# picks how it ends.
PROBE = '''"""The probe's docstring."""
import atexit, os, sys, threading
import torch
x: int = 3
cwd = os.getcwd()
print("argv", [a.replace(cwd, "<cwd>") for a in sys.argv])
print("path", [p.replace(cwd, "<cwd>") for p in sys.path[:2]])
print("cwd", os.path.basename(cwd) == "job", sys.stdin.read() == "")
print("main", __name__, __file__ == sys.argv[0], __spec__, __doc__)
print("module", sys.modules["__main__"].__dict__ is globals())
print("annotations", __annotations__)  # no __future__ of the harness leaks in
print("threads", threading.active_count(), torch.__name__)
print("unseeded", torch.rand(1).item(), file=sys.stderr)
atexit.register(lambda: print("atexit ran"))
mode = open("mode").read()
if mode == "code":
    sys.exit(3)
if mode == "message":
    sys.exit("a message")
if mode == "raise":
    def fail():
        raise ValueError("boom")
    fail()
'''


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    real = tmp_path_factory.mktemp("probe") / "probe.py"
    real.write_text(PROBE)
    path = tmp_path_factory.mktemp("link") / "probe.py"
    try:  # a linked program: sys.path[0] is the folder of the file linked to, as in Python
        path.symlink_to(real)
    except OSError:
        path = real
    yield path
    compare.close_servers()


def _run(probe, tmp_path, under, mode, fresh=False, timeout=120):
    cwd = tmp_path / f"{under}-{mode}-{fresh}-{time.monotonic_ns()}" / "job"
    cwd.mkdir(parents=True)
    (cwd / "mode").write_text(mode)
    if fresh:
        return compare._run_fresh(probe, under, cwd, timeout)
    return compare.run(probe, under, cwd, timeout)


def _unders():
    out = ["gradkit"]
    try:
        import torch  # noqa: F401
        out.append("torch")
    except ImportError:
        pass
    return out


def _without_random(stderr: str) -> str:
    return "\n".join(s for s in stderr.splitlines() if not s.startswith("unseeded"))


@pytest.mark.parametrize("under", _unders())
@pytest.mark.parametrize("mode", ["ok", "code", "message", "raise"])
def test_a_forked_run_is_a_fresh_run(probe, tmp_path, under, mode):
    forked = _run(probe, tmp_path, under, mode)
    fresh = _run(probe, tmp_path, under, mode, fresh=True)
    assert forked.returncode == fresh.returncode == {"ok": 0, "code": 3}.get(mode, 1)
    assert forked.stdout == fresh.stdout
    assert "atexit ran" in forked.stdout and "annotations {'x': <class 'int'>}" in forked.stdout
    assert _without_random(forked.stderr) == _without_random(fresh.stderr)
    if mode == "raise":  # the traceback starts at the program, as the interpreter's does
        lines = forked.stderr.splitlines()
        first = lines[lines.index("Traceback (most recent call last):") + 1]
        assert first.startswith(f'  File "{probe}", line ')


@pytest.mark.parametrize("under", _unders())
def test_every_child_has_its_own_random_state(probe, tmp_path, under):
    seen = {_run(probe, tmp_path, under, "ok").stderr for _ in range(3)}
    assert len(seen) == 3


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_timeout_ends_the_program_and_its_children(tmp_path):
    prog = tmp_path / "sleeper.py"
    prog.write_text("import multiprocessing as mp, time\n"
                    "if __name__ == '__main__':\n"
                    "    p = mp.get_context('fork').Process(target=time.sleep, args=(600,))\n"
                    "    p.start()\n"
                    "    open('child', 'w').write(str(p.pid))\n"
                    "    print('started', flush=True)\n"
                    "    time.sleep(600)\n")
    (tmp_path / "job").mkdir()
    start = time.monotonic()
    result = compare.run(prog, "gradkit", tmp_path / "job", timeout=20)
    assert time.monotonic() - start < 120
    assert (result.returncode, result.stdout) == (-9, "started\n")
    assert "timed out after 20 s" in result.stderr
    child = int((tmp_path / "job" / "child").read_text())
    time.sleep(0.5)
    try:
        state = Path(f"/proc/{child}/stat").read_text().split()[2]
    except FileNotFoundError:
        state = "gone"
    assert state in ("Z", "X", "gone")  # killed with the program (at most not yet reaped)
    (tmp_path / "next").mkdir()
    prog.write_text("print('still serving')\n")
    assert compare.run(prog, "gradkit", tmp_path / "next").stdout == "still serving\n"


@pytest.mark.parametrize("fresh", [True, False], ids=["fresh", "forked"])
def test_a_timed_out_run_reports_what_it_printed_as_text(tmp_path, fresh):
    prog = tmp_path / "slow.py"
    prog.write_text("import time\nprint('started', flush=True)\ntime.sleep(600)\n")
    (tmp_path / "job").mkdir()
    run = compare._run_fresh if fresh else compare.run
    result = run(prog, "gradkit", tmp_path / "job", 20)
    assert (result.returncode, result.stdout) == (-9, "started\n")
    assert result.stderr == "timed out after 20 s"


def test_fresh_mode_is_chosen_by_the_environment(monkeypatch):
    monkeypatch.setenv("GRADKIT_CORPUS_FRESH", "1")
    assert compare.fresh_mode()
    monkeypatch.setenv("GRADKIT_CORPUS_FRESH", "0")
    assert compare.fresh_mode() == (os.name != "posix")
