"""``gradkit lr-find``."""


import pytest
from cli_helpers import run


def test_lr_find_writes_a_plot_and_suggests(capsys, tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    rc, out, err = run(capsys, "lr-find", "--model", "mlp", "--num-iter", "40",
                       "--out", tmp_path / "lr.png")
    assert rc == 0, err
    lr = float(out.split("suggested learning rate:")[1].split()[0])
    assert 1e-6 <= lr <= 1.0
    assert (tmp_path / "lr.png").read_bytes()[:4] == b"\x89PNG"


def test_lr_find_under_mpiexec_runs_on_rank_0_only(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setenv("PMI_RANK", "1")
    rc, out, err = run(capsys, "lr-find", "--out", tmp_path / "lr.png")
    assert rc == 0 and out == "" and err == "" and not (tmp_path / "lr.png").exists()
