"""Graph network programs run unchanged under ``gradkit run`` and print what PyTorch prints
(numbers within the corpus tolerance): a pygcn-style one on a sparse COO adjacency
(``programs/pygcn_style.py``) and one on a CSR adjacency with learnable edge weights
(``programs/gcn_csr_style.py``)."""

from pathlib import Path

import pytest

PROGRAM = Path(__file__).resolve().parent / "programs" / "pygcn_style.py"
CSR_PROGRAM = Path(__file__).resolve().parent / "programs" / "gcn_csr_style.py"


def test_pygcn_style_program_matches_torch(tmp_path):
    pytest.importorskip("torch")
    from compat.compat_harness import differences, run

    ref = run(PROGRAM, "torch", tmp_path)
    assert ref.returncode == 0, ref.stderr[-2000:]
    got = run(PROGRAM, "gradkit", tmp_path)
    assert got.returncode == 0, got.stderr[-2000:]
    assert "sparse_coo" in got.stdout and "Epoch: 0021" in got.stdout
    assert differences(ref.stdout, got.stdout, rtol=1e-3, atol=1e-5) == []


def test_csr_gcn_program_matches_torch(tmp_path):
    pytest.importorskip("torch")
    from compat.compat_harness import differences, run

    ref = run(CSR_PROGRAM, "torch", tmp_path)
    assert ref.returncode == 0, ref.stderr[-2000:]
    got = run(CSR_PROGRAM, "gradkit", tmp_path)
    assert got.returncode == 0, got.stderr[-2000:]
    assert "layout=torch.sparse_bsr" in got.stdout and "epoch 24" in got.stdout
    assert differences(ref.stdout, got.stdout, rtol=1e-3, atol=1e-5) == []
