"""A pygcn-style graph network program (``programs/pygcn_style.py``) runs unchanged under
``gradkit run`` and prints what PyTorch prints (numbers within the corpus tolerance)."""

from pathlib import Path

import pytest

PROGRAM = Path(__file__).resolve().parent / "programs" / "pygcn_style.py"


def test_pygcn_style_program_matches_torch(tmp_path):
    pytest.importorskip("torch")
    from compat.compat_harness import differences, run

    ref = run(PROGRAM, "torch", tmp_path)
    assert ref.returncode == 0, ref.stderr[-2000:]
    got = run(PROGRAM, "gradkit", tmp_path)
    assert got.returncode == 0, got.stderr[-2000:]
    assert "sparse_coo" in got.stdout and "Epoch: 0021" in got.stdout
    assert differences(ref.stdout, got.stdout, rtol=1e-3, atol=1e-5) == []
