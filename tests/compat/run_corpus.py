"""``python tests/compat/run_corpus.py [--save DIR] [names...]``: run the corpus and print a pass
table; ``--save DIR`` also writes each run's return code, stdout and stderr to
``DIR/<program>.<torch|gradkit>.{rc,out,err}`` (to compare two ways of running the corpus)."""

from __future__ import annotations

import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compat_harness as compare  # noqa: E402

SAVE = None


def _save(path: Path, under: str, result) -> None:
    if SAVE is not None:
        base = os.path.join(SAVE, f"{path.stem}.{under}")
        for ext, text in (("rc", f"{result.returncode}\n"), ("out", result.stdout),
                          ("err", result.stderr)):
            with open(f"{base}.{ext}", "w") as f:
                f.write(text)


def one(path: Path):
    opts = compare.options(path)
    with tempfile.TemporaryDirectory() as d:
        ours = compare.run(path, "gradkit", Path(d))
    _save(path, "gradkit", ours)
    if opts["gradkit_only"]:
        return path.stem, None, ours.returncode == 0, [] if ours.returncode == 0 else \
            [ours.stderr[-800:]]
    with tempfile.TemporaryDirectory() as d:
        theirs = compare.run(path, "torch", Path(d))
    _save(path, "torch", theirs)
    problems = []
    if ours.returncode != 0:
        problems.append(ours.stderr[-800:])
    if theirs.returncode != 0:
        problems.append("torch: " + theirs.stderr[-800:])
    if not problems:
        problems = compare.differences(theirs.stdout, ours.stdout, opts["rtol"], opts["atol"],
                                     opts["exact"])
    return path.stem, theirs.returncode == 0, ours.returncode == 0 and not problems, problems


def main(names):
    paths = [p for p in compare.programs() if not names or p.stem in names]
    with ThreadPoolExecutor(max_workers=2) as pool:
        rows = list(pool.map(one, paths))
    compare.close_servers()
    for stem, t_ok, g_ok, problems in rows:
        reason = compare.options(compare.PROGRAMS / f"{stem}.py")["xfail"]
        print(f"{stem:<32} torch {'-' if t_ok is None else 'ok' if t_ok else 'FAIL':<5} "
              f"gradkit {'ok' if g_ok else 'FAIL'}" + (f"  (known: {reason})" if reason else ""))
        for p in problems[:4]:
            print("    " + p.replace("\n", "\n    "))
    print(f"torch: {sum(1 for r in rows if r[1])}/{sum(1 for r in rows if r[1] is not None)}, "
          f"gradkit run (agreeing): {sum(1 for r in rows if r[2])}/{len(rows)}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--save"]:
        SAVE, args = args[1], args[2:]
        os.makedirs(SAVE, exist_ok=True)
    main(args)
