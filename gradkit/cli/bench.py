"""``gradkit bench [--quick] [names]``: the benchmarks in the repository's benchmarks/ folder,
each a separate process, against PyTorch when it is installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ._errors import CLIError
from .info import version_of

NAME = "bench"
MPI = False

__all__ = ["add_parser", "run"]


def add_parser(sub):
    p = sub.add_parser("bench", help="run the benchmarks in benchmarks/ against PyTorch")
    p.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes")
    p.add_argument("--dir", help="the benchmarks folder (default: the repository's)")
    p.add_argument("names", nargs="*", help="only these (e.g. core for bench_core.py)")
    return p


def _bench_candidates() -> list[Path]:
    """Where the repository's benchmarks/ folder may be: next to the package, or here."""
    return [Path(__file__).resolve().parents[2] / "benchmarks", Path.cwd() / "benchmarks"]


def _benchmarks_dir(explicit: str | None) -> Path:
    if explicit:
        path = Path(explicit)
        if not path.is_dir():
            raise CLIError(f"--dir {path}: no such folder")
        return path
    for candidate in _bench_candidates():
        if candidate.is_dir() and any(candidate.glob("bench_*.py")):
            return candidate
    raise CLIError("no benchmarks/ folder found: the benchmarks ship with the source repository, "
                   "not the installed package; clone it and run `gradkit bench` there, or pass "
                   "--dir PATH")


def run(args) -> int:
    bench_dir = _benchmarks_dir(args.dir)
    scripts = sorted(bench_dir.glob("bench_*.py"))
    if args.names:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in args.names}
        unknown = wanted - {s.stem for s in scripts}
        if unknown:
            raise CLIError(f"no benchmark named {', '.join(sorted(unknown))} in {bench_dir} "
                           f"(have: {', '.join(s.stem for s in scripts)})", 2)
        scripts = [s for s in scripts if s.stem in wanted]
    if not scripts:
        raise CLIError(f"no bench_*.py files in {bench_dir}")
    if version_of("torch") is None:
        print("note: PyTorch is not installed; benchmarks time gradkit alone (pip install torch "
              "for side-by-side ratios)")
    failed = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        cmd = [sys.executable, str(script)] + (["--quick"] if args.quick else [])
        rc = subprocess.call(cmd, cwd=str(bench_dir.parent))
        if rc != 0:
            failed.append(f"{script.name} (exit {rc})")
    if failed:
        raise CLIError(f"benchmarks failed: {', '.join(failed)}")
    return 0
